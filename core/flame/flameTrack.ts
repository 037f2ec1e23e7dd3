/**
 * Tracked FLAME parameter sequences (the data type; `loaders/flame/flameTrackFile.ts` reads them) as the public
 * trackers write them:
 * - VHAP / GaussianAvatars single files (`tracked_flame_params_*.npz`, `flame_param.npz`): `rotation`, `translation`,
 *   `neck_pose`, `jaw_pose` (T, 3), `eyes_pose` (T, 6), `expr` (T, E), `shape` (S,);
 * - the VHAP NeRF-style export, one `flame_param/{frame:05d}.npz` per frame with the same keys and T = 1.
 */
import { GemFormatError } from "../errors/GemFormatError.js";
import type { FlameModel } from "./FlameModel.js";
import type { FlameParameters } from "./flameForward.js";

/** A parameter sequence, frame-major. */
export interface FlameTrack {
    /** Frames T. */
    frameCount: number;
    /** Identity shape (not animated), or null when the file has none. */
    shape: Float32Array | null;
    /** Expression, T × expressionCount. */
    expression: Float32Array;
    /** Expression components per frame. */
    expressionCount: number;
    /** Root rotation, T × 3. */
    globalPose: Float32Array;
    /** Neck, T × 3. */
    neckPose: Float32Array;
    /** Jaw, T × 3. */
    jawPose: Float32Array;
    /** Eyes, T × 6. */
    eyePose: Float32Array;
    /** Translation, T × 3. */
    translation: Float32Array;
    /** Eyelid closure (left, right), T × 2: metrical-tracker's `eyelids`; zeros when the file has none. */
    eyelids: Float32Array;
}

/** Keys of the tracker files and the track field each fills (values per frame). */
export const FlameTrackKeys: { key: string; field: keyof Omit<FlameTrack, "frameCount" | "shape" | "expressionCount">; width: number | "expr" }[] = [
    { key: "expr", field: "expression", width: "expr" },
    { key: "rotation", field: "globalPose", width: 3 },
    { key: "neck_pose", field: "neckPose", width: 3 },
    { key: "jaw_pose", field: "jawPose", width: 3 },
    { key: "eyes_pose", field: "eyePose", width: 6 },
    { key: "translation", field: "translation", width: 3 },
    { key: "eyelids", field: "eyelids", width: 2 },
];

/**
 * Allocates a zero-filled track.
 * @param frameCount frames T
 * @param expressionCount expression components per frame
 * @param shape identity shape, or null
 * @returns the track
 */
export function createFlameTrack(frameCount: number, expressionCount: number, shape: Float32Array | null): FlameTrack {
    return {
        frameCount,
        expressionCount,
        shape,
        expression: new Float32Array(frameCount * expressionCount),
        globalPose: new Float32Array(frameCount * 3),
        neckPose: new Float32Array(frameCount * 3),
        jawPose: new Float32Array(frameCount * 3),
        eyePose: new Float32Array(frameCount * 6),
        translation: new Float32Array(frameCount * 3),
        eyelids: new Float32Array(frameCount * 2),
    };
}

/**
 * Concatenates per-frame tracks (the NeRF-style export) in the given order.
 * @param frames one track per frame file
 * @param fileName for errors
 * @returns the sequence
 */
export function concatenateFlameTracks(frames: readonly FlameTrack[], fileName: string): FlameTrack {
    if (frames.length === 0) {
        throw new GemFormatError("invalid-descriptor", fileName, "frames", "at least one frame", 0);
    }
    const e = frames[0].expressionCount;
    const total = frames.reduce((n, f) => n + f.frameCount, 0);
    const out = createFlameTrack(total, e, frames[0].shape);
    let at = 0;
    frames.forEach((frame, i) => {
        if (frame.expressionCount !== e) {
            throw new GemFormatError("size-mismatch", fileName, `frame ${i} expr`, `${e} components like frame 0`, frame.expressionCount);
        }
        for (const { field, width } of FlameTrackKeys) {
            out[field].set(frame[field], at * (width === "expr" ? e : width));
        }
        at += frame.frameCount;
    });
    return out;
}

/**
 * Checks a track against a model: expression components must match (or be truncated on request).
 * @param track the track
 * @param model the model
 * @param fileName for errors
 * @param allowTruncation keep the first components when the track has more than the model
 * @returns the track, possibly with fewer expression components
 */
export function fitFlameTrackToModel(track: FlameTrack, model: FlameModel, fileName: string, allowTruncation = false): FlameTrack {
    const e = model.expressionCount;
    if (track.expressionCount === e) {
        return track;
    }
    if (!allowTruncation || track.expressionCount < e) {
        throw new GemFormatError("size-mismatch", fileName, "expr components", `${e} (the model's expression count)`, track.expressionCount);
    }
    const expression = new Float32Array(track.frameCount * e);
    for (let t = 0; t < track.frameCount; t++) {
        expression.set(track.expression.subarray(t * track.expressionCount, t * track.expressionCount + e), t * e);
    }
    return { ...track, expression, expressionCount: e, shape: track.shape ? track.shape.slice(0, model.shapeCount) : null };
}

/** The animated FLAME parameters of one track frame. */
export type FlameFrameParameters = Pick<FlameParameters, "expression" | "jawPose" | "eyePose" | "eyelids" | "neckPose" | "globalPose" | "translation">;

/**
 * FLAME parameters of frame t of a track.
 * @param track the track
 * @param t frame
 * @param canonical leave out global pose, neck and translation (GEM's bases live in the head frame)
 * @returns the parameters (views into the track)
 */
export function trackFrameParameters(track: FlameTrack, t: number, canonical: boolean): FlameFrameParameters {
    const at = (values: Float32Array, width: number) => values.subarray(t * width, (t + 1) * width);
    const parameters: FlameFrameParameters = {
        expression: at(track.expression, track.expressionCount),
        jawPose: at(track.jawPose, 3),
        eyePose: at(track.eyePose, 6),
        eyelids: at(track.eyelids, 2),
    };
    if (!canonical) {
        parameters.neckPose = at(track.neckPose, 3);
        parameters.globalPose = at(track.globalPose, 3);
        parameters.translation = at(track.translation, 3);
    }
    return parameters;
}
