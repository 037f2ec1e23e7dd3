/**
 * Fitting linear driver maps: ridge regression from driver inputs (for example FLAME parameters) to GEM coefficients,
 * `c = bias + M x`, with the bias unpenalised. Solved through the (P + 1)-sized normal equations by Cholesky.
 */
import type { GemLinearDriver } from "../../core/GemModel.js";
import { choleskyFactor, choleskySolve } from "../../core/cholesky.js";
import { DistillationError } from "./DistillationError.js";

/**
 * Fits a driver map.
 * @param name driver name (for example `flame`)
 * @param inputNames one name per input column
 * @param inputs frames × P, frame-major
 * @param outputs frames × Q, frame-major
 * @param ridge penalty relative to the mean input variance (default 1e-6)
 * @param labels optional human-readable labels of the inputs
 * @returns the map
 */
export function fitLinearDriver(name: string, inputNames: string[], inputs: Float32Array, outputs: Float32Array, ridge = 1e-6, labels?: string[]): GemLinearDriver {
    const p = inputNames.length;
    const f = inputs.length / p;
    if (!Number.isInteger(f) || f < 2) {
        throw new DistillationError("too-few-frames", `driver ${name}`, "inputs", "at least 2 frames of inputs", f);
    }
    const q = outputs.length / f;
    if (!Number.isInteger(q)) {
        throw new DistillationError("invalid-input", `driver ${name}`, "outputs.length", `a multiple of ${f} frames`, outputs.length);
    }
    const meanX = new Float64Array(p);
    const meanY = new Float64Array(q);
    for (let t = 0; t < f; t++) {
        for (let i = 0; i < p; i++) {
            meanX[i] += inputs[t * p + i] / f;
        }
        for (let j = 0; j < q; j++) {
            meanY[j] += outputs[t * q + j] / f;
        }
    }
    const xtx = new Float64Array(p * p);
    const xty = new Float64Array(p * q);
    for (let t = 0; t < f; t++) {
        for (let i = 0; i < p; i++) {
            const xi = inputs[t * p + i] - meanX[i];
            for (let k = 0; k <= i; k++) {
                xtx[i * p + k] += xi * (inputs[t * p + k] - meanX[k]);
            }
            for (let j = 0; j < q; j++) {
                xty[i * q + j] += xi * (outputs[t * q + j] - meanY[j]);
            }
        }
    }
    let trace = 0;
    for (let i = 0; i < p; i++) {
        for (let k = 0; k < i; k++) {
            xtx[k * p + i] = xtx[i * p + k];
        }
        trace += xtx[i * p + i];
    }
    const lambda = ridge * Math.max(trace / p, 1e-30);
    for (let i = 0; i < p; i++) {
        xtx[i * p + i] += lambda;
    }
    const l = choleskyFactor(xtx, p);
    if (typeof l === "number") {
        throw new DistillationError("invalid-input", `driver ${name}`, `input ${l}`, "inputs that vary independently (raise the ridge penalty)", "a singular system");
    }
    const matrix = new Float32Array(q * p);
    const column = new Float64Array(p);
    for (let j = 0; j < q; j++) {
        for (let i = 0; i < p; i++) {
            column[i] = xty[i * q + j];
        }
        choleskySolve(l, p, column);
        for (let i = 0; i < p; i++) {
            matrix[j * p + i] = column[i];
        }
    }
    const bias = new Float32Array(q);
    for (let j = 0; j < q; j++) {
        let sum = meanY[j];
        for (let i = 0; i < p; i++) {
            sum -= matrix[j * p + i] * meanX[i];
        }
        bias[j] = sum;
    }
    return { name, inputs: inputNames, labels, matrix, bias };
}
