/**
 * Distillation of an ARKit-driven teacher (the ICT-FaceKit heads, LAM avatars): the teacher posed by rows of ARKit-52
 * weights becomes a GEM model, an `arkit` map from the weights to the coefficients is fitted on the same frames, and a
 * `flame` map is derived from it through the project's FLAME → ARKit map, so FLAME tracks (jaw, eyes, eyelids) drive
 * it too.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { createFlameToArkitMap } from "../../core/animation/arkitToFlameMap.js";
import type { GemLinearDriver, GemModel } from "../../core/GemModel.js";
import { createRandom } from "../synthetic/syntheticModels.js";
import type { GaussianSequence } from "./gaussianSequence.js";
import { distillGem, type DistillationOptions, type DistillationResult } from "./gemDistillation.js";
import { fitLinearDriver } from "./ridgeRegression.js";

/**
 * Training expressions for an ARKit teacher: real motion (every third frame of a performance), each ARKit shape alone at
 * full and half weight, and random sparse combinations (so gaze, jaw sideways and every shape the performance never
 * moves are covered). Each row holds 52 weights in {@link ArkitBlendshapeNames} order.
 * @param performance frames of an ARKit track (52 weights each)
 * @param seed random seed
 * @param combinations random combinations
 * @returns rows of 52 weights
 */
export function arkitTrainingExpressions(performance: readonly Float32Array[], seed = 3, combinations = 120): Float32Array[] {
    const random = createRandom(seed);
    const rows: Float32Array[] = [new Float32Array(52)];
    for (let f = 0; f < performance.length; f += 3) {
        rows.push(performance[f]);
    }
    for (let a = 0; a < 52; a++) {
        if (ArkitBlendshapeNames[a] === "tongueOut") {
            continue;
        }
        for (const w of [1, 0.5]) {
            const row = new Float32Array(52);
            row[a] = w;
            rows.push(row);
        }
    }
    for (let c = 0; c < combinations; c++) {
        const row = new Float32Array(52);
        const active = 2 + Math.floor(random() * 5);
        for (let j = 0; j < active; j++) {
            row[Math.floor(random() * 52)] = random();
        }
        rows.push(row);
    }
    return rows;
}

/**
 * The `flame` map of a model with an `arkit` map: FLAME jaw, eyelid and eye rotations through the project's
 * FLAME → ARKit map ({@link createFlameToArkitMap}, the inverse of the ARKit → FLAME map), then the `arkit` map.
 * @param arkit the model's arkit driver
 * @returns the flame driver
 */
export function flameDriverFromArkit(arkit: GemLinearDriver): GemLinearDriver {
    const map = createFlameToArkitMap();
    const q = arkit.bias.length;
    const p = map.source.length;
    const matrix = new Float32Array(q * p);
    map.target.forEach((target, a) => {
        const input = arkit.inputs.indexOf(target.slice("arkit/".length));
        if (input < 0) {
            return;
        }
        for (let f = 0; f < p; f++) {
            const weight = map.matrix[a * p + f];
            if (weight !== 0) {
                for (let row = 0; row < q; row++) {
                    matrix[row * p + f] += arkit.matrix[row * arkit.inputs.length + input] * weight;
                }
            }
        }
    });
    const inputs = map.source.map((channel) => {
        const [, field, index] = channel.split("/");
        return `${field}.${index}`;
    });
    return { name: "flame", inputs, labels: inputs.map((i) => i.replace(".", " ")), matrix, bias: arkit.bias.slice() };
}

/** Options of {@link distillArkitTeacher}. */
export interface ArkitDistillationOptions extends Omit<DistillationOptions, "trainingFrames"> {
    /** Ridge penalty of the arkit map (default 1e-6, relative). */
    ridge?: number;
}

/** Result of {@link distillArkitTeacher}. */
export interface ArkitDistillationResult {
    /** The model with its `arkit` and `flame` maps. */
    model: GemModel;
    result: DistillationResult;
    /** Teacher frames: training rows then held-out rows. */
    sequence: GaussianSequence;
    /** ARKit weights of every sequence frame. */
    expressions: Float32Array[];
    heldOutFrames: number[];
}

/**
 * Distils an ARKit teacher.
 * @param teacher the teacher posed by rows of 52 ARKit weights
 * @param training rows fitted on
 * @param heldOut rows kept out (for evaluation)
 * @param options components, metadata, ridge
 * @returns model, distillation, sequence
 */
export function distillArkitTeacher(
    teacher: (rows: readonly Float32Array[]) => GaussianSequence,
    training: readonly Float32Array[],
    heldOut: readonly Float32Array[],
    options: ArkitDistillationOptions = {}
): ArkitDistillationResult {
    const expressions = [...training, ...heldOut];
    const sequence = teacher(expressions);
    const trainingFrames = training.map((_, i) => i);
    const heldOutFrames = heldOut.map((_, i) => training.length + i);
    const result = distillGem(sequence, { ...options, trainingFrames });
    // arkit map: every ARKit channel that moves in the training rows.
    const used = ArkitBlendshapeNames.map((_, a) => a).filter((a) => training.some((row) => row[a] !== training[0][a]));
    const inputs = new Float32Array(training.length * used.length);
    training.forEach((row, t) => used.forEach((a, c) => (inputs[t * used.length + c] = row[a])));
    const names = used.map((a) => ArkitBlendshapeNames[a]);
    const arkit = fitLinearDriver("arkit", names, inputs, result.coefficients, options.ridge ?? 1e-6, names);
    const model = result.model.derive({ drivers: [arkit, flameDriverFromArkit(arkit)] });
    return { model, result, sequence, expressions, heldOutFrames };
}
