/**
 * Evaluation of a model's linear driver maps (pure math, no engine): `c = bias + M · x`, and the input vector a FLAME
 * driver reads from FLAME parameters.
 */
import type { GemLinearDriver } from "./GemModel.js";
import type { FlameParameters } from "./flame/flameForward.js";

/** FLAME parameter arrays a driver input may name (`<field>.<index>`). */
const flameFields = ["shape", "expression", "globalPose", "neckPose", "jawPose", "eyePose", "translation", "eyelids"] as const;

/**
 * Evaluates a driver map.
 * @param driver the map
 * @param inputs one value per driver input (non-finite values count as 0, so a bad sample cannot poison the avatar)
 * @param out destination of length bias.length (allocated when omitted)
 * @returns the coefficient vector
 */
export function evaluateDriver(driver: GemLinearDriver, inputs: ArrayLike<number>, out?: Float32Array): Float32Array {
    const p = driver.inputs.length;
    if (inputs.length !== p) {
        throw new RangeError(`driver "${driver.name}": expected ${p} inputs, got ${inputs.length}`);
    }
    return applyAffineMap(driver.matrix, driver.bias, inputs, out);
}

/**
 * `out = bias + matrix · inputs` for a row-major matrix of bias.length rows and inputs.length columns; non-finite
 * inputs count as 0. The one evaluation behind driver maps and retarget maps.
 * @param matrix row-major outputs × inputs
 * @param bias one value per output
 * @param inputs one value per column
 * @param out destination of length bias.length (allocated when omitted)
 * @returns out
 */
export function applyAffineMap(matrix: Float32Array, bias: Float32Array, inputs: ArrayLike<number>, out?: Float32Array): Float32Array {
    const p = inputs.length;
    const q = bias.length;
    const result = out ?? new Float32Array(q);
    for (let row = 0; row < q; row++) {
        let sum = bias[row];
        const base = row * p;
        for (let i = 0; i < p; i++) {
            const x = inputs[i];
            if (x !== 0 && Number.isFinite(x)) {
                sum += matrix[base + i] * x;
            }
        }
        result[row] = sum;
    }
    return result;
}

/**
 * Builds a FLAME driver's input vector from FLAME parameters. Inputs whose array is absent, or shorter than the index,
 * read 0 (FLAME's neutral).
 * @param driver a map whose inputs are named `<FlameParameters field>.<index>`
 * @param parameters FLAME parameters
 * @param out destination (allocated when omitted)
 * @returns the input vector
 */
export function flameDriverInputs(driver: GemLinearDriver, parameters: FlameParameters, out?: Float32Array): Float32Array {
    const result = out ?? new Float32Array(driver.inputs.length);
    driver.inputs.forEach((input, i) => {
        const [field, index] = parseFlameInput(input);
        const values = field ? parameters[field] : undefined;
        result[i] = values && index < values.length ? values[index] : 0;
    });
    return result;
}

/**
 * Splits a FLAME input name.
 * @param input for example `jawPose.0`
 * @returns the FlameParameters field (or null when the name is not a FLAME input) and the index
 */
export function parseFlameInput(input: string): [(typeof flameFields)[number] | null, number] {
    const dot = input.lastIndexOf(".");
    const field = input.slice(0, dot) as (typeof flameFields)[number];
    const index = Number(input.slice(dot + 1));
    return flameFields.includes(field) && Number.isInteger(index) && index >= 0 ? [field, index] : [null, 0];
}
