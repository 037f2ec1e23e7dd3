/**
 * Distillation of a FLAME-driven teacher: the rigged Gaussians posed by a track become a GEM model, and a linear map
 * from the track's FLAME parameters to the GEM coefficients is fitted on the same frames and stored in the model,
 * so FLAME tracks drive the GEM avatar without the mesh.
 */
import type { FlameTrack } from "../../core/flame/flameTrack.js";
import type { FlameModel } from "../../core/flame/FlameModel.js";
import type { RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { canonicalHeadJoints, headJointsMetadata } from "../../core/headPose.js";
import { distillGem, type DistillationOptions, type DistillationResult } from "./gemDistillation.js";
import { riggedFlameSequence, type GaussianSequence } from "./gaussianSequence.js";
import { fitLinearDriver } from "./ridgeRegression.js";

/** Options of {@link distillFlameTeacher}. */
export interface FlameDistillationOptions extends Omit<DistillationOptions, "trainingFrames"> {
    /** Frames at the end of the track kept out of fitting (for evaluation). */
    heldOutFrames?: number;
    /** Fit and store the FLAME → coefficient map (default true). */
    fitFlameMap?: boolean;
    /** Ridge penalty of the map, relative to the mean input variance. */
    ridge?: number;
    /** Labels of the expression components, for the map's inputs (sliders). */
    expressionLabels?: string[];
}

/** Result of {@link distillFlameTeacher}. */
export interface FlameDistillationResult extends DistillationResult {
    /** The teacher as a frame sequence (canonical head frame). */
    sequence: GaussianSequence;
    /** Frames held out. */
    heldOutFrames: number[];
}

/** FLAME parameter arrays the map may read, with their width per frame. */
const mapSources = [
    { field: "expression", label: (i: number, labels?: string[]) => labels?.[i] ?? `expression ${i}` },
    { field: "jawPose", label: (i: number) => ["jaw open", "jaw sideways", "jaw roll"][i] },
    { field: "eyePose", label: (i: number) => `${i < 3 ? "left" : "right"} eye ${["pitch", "yaw", "roll"][i % 3]}` },
    { field: "eyelids", label: (i: number) => `${i === 0 ? "left" : "right"} eyelid` },
] as const;

/**
 * Distils a FLAME-rigged Gaussian teacher posed by a track.
 * @param model FLAME model
 * @param rig Gaussians bound to its faces
 * @param track driving sequence
 * @param options components, regions, held-out frames, map fitting
 * @returns the model (with a `flame` driver), training coefficients, spectra, the sequence and the held-out frames
 */
export function distillFlameTeacher(model: FlameModel, rig: RiggedGaussians, track: FlameTrack, options: FlameDistillationOptions = {}): FlameDistillationResult {
    const heldOut = options.heldOutFrames ?? 0;
    const trainingFrames = Array.from({ length: Math.max(0, track.frameCount - heldOut) }, (_, i) => i);
    const sequence = riggedFlameSequence(model, rig, track, { name: options.name ?? "FLAME teacher" });
    // The pivots of the avatar's rigid head pose: root and neck joints of the canonical mesh (expression 0).
    const flameJoints = headJointsMetadata(canonicalHeadJoints(model, track.shape ?? undefined));
    const result = distillGem(sequence, { ...options, trainingFrames, metadata: { ...options.metadata, flameJoints } });
    let gem = result.model;
    if (options.fitFlameMap ?? true) {
        // Inputs: every FLAME parameter that moves in the training frames.
        const columns: { name: string; label: string; values: Float32Array }[] = [];
        for (const source of mapSources) {
            const all = track[source.field];
            const width = all.length / track.frameCount;
            for (let i = 0; i < width; i++) {
                const values = Float32Array.from(trainingFrames, (t) => all[t * width + i]);
                if (values.some((v) => v !== values[0])) {
                    columns.push({ name: `${source.field}.${i}`, label: source.label(i, options.expressionLabels), values });
                }
            }
        }
        const f = trainingFrames.length;
        const inputs = new Float32Array(f * columns.length);
        columns.forEach((column, c) => column.values.forEach((v, t) => (inputs[t * columns.length + c] = v)));
        const driver = fitLinearDriver(
            "flame",
            columns.map((c) => c.name),
            inputs,
            result.coefficients,
            options.ridge ?? 1e-6,
            columns.map((c) => c.label)
        );
        gem = gem.derive({ drivers: [driver] });
    }
    return { ...result, model: gem, sequence, heldOutFrames: Array.from({ length: heldOut }, (_, i) => track.frameCount - heldOut + i) };
}
