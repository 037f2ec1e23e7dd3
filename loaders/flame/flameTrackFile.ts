/**
 * Reads tracked FLAME parameter sequences from the arrays of a VHAP / GaussianAvatars npz (see `FlameTrack`).
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { createFlameTrack, FlameTrackKeys, type FlameTrack } from "../../core/flame/flameTrack.js";
import { requireKind, type NdArray } from "../archives/ndArray.js";
import { requireWithin } from "../../core/errors/requireFinite.js";

/** Keys every VHAP / GaussianAvatars track holds; `eyelids` (metrical-tracker) is the only optional one. */
export const FlameTrackRequiredKeys: readonly string[] = ["expr", "rotation", "neck_pose", "jaw_pose", "eyes_pose", "translation"];

/** How a track reader treats a missing pose key. */
export interface FlameTrackReadOptions {
    /**
     * `error` (default): a missing required key is a typed error naming it. `zero`: the key is filled with zeros (the
     * rest pose) and named in {@link FlameTrackRead.defaultedKeys}, for hand-made files that hold only some parameters.
     */
    missingKeys?: "error" | "zero";
}

/** A track and what the reader had to assume. */
export interface FlameTrackRead {
    /** The track. */
    track: FlameTrack;
    /** Keys that were absent and filled with zeros (`eyelids` when absent, plus any allowed by `missingKeys: "zero"`). */
    defaultedKeys: string[];
}

function floats(array: NdArray): Float32Array {
    return array.data instanceof Float32Array ? array.data.slice() : Float32Array.from(array.data as ArrayLike<number>);
}

/**
 * Physical ranges of a track's values: shape, expression and eyelid coefficients within ±100 (σ units: trackers stay
 * within a few), rotations (axis-angle, radians) within ±4π, translations within ±1000 (metres). Beyond them a track is
 * refused as `out-of-range`.
 */
export const FlameTrackRanges = { maxCoefficient: 100, maxRotationRadians: 4 * Math.PI, maxTranslation: 1000 } as const;

function flameTrackRange(field: string): number {
    if (field === "translation") {
        return FlameTrackRanges.maxTranslation;
    }
    return field === "expression" || field === "eyelids" ? FlameTrackRanges.maxCoefficient : FlameTrackRanges.maxRotationRadians;
}

/**
 * Reads a single-file sequence (or one per-frame file, T = 1), reporting which keys were defaulted.
 * @param arrays arrays by key
 * @param fileName for errors
 * @param options what to do with missing keys
 * @returns the track and the defaulted keys
 */
export function readFlameTrack(arrays: ReadonlyMap<string, NdArray>, fileName: string, options: FlameTrackReadOptions = {}): FlameTrackRead {
    const expr = arrays.get("expr");
    if (!expr) {
        throw new GemFormatError(
            "invalid-descriptor",
            fileName,
            "expr",
            "a (T, E) expression array (a VHAP/GaussianAvatars FLAME track)",
            `missing; keys: ${[...arrays.keys()].join(", ")}`
        );
    }
    const missing = FlameTrackRequiredKeys.filter((key) => !arrays.has(key));
    if (missing.length > 0 && options.missingKeys !== "zero") {
        throw new GemFormatError(
            "invalid-descriptor",
            fileName,
            missing.join(", "),
            `present (a VHAP/GaussianAvatars track has ${FlameTrackRequiredKeys.join(", ")}; pass missingKeys: "zero" to fill absent ones with the rest pose)`,
            "missing"
        );
    }
    if (expr.shape.length < 1 || expr.shape.length > 2) {
        throw new GemFormatError("size-mismatch", fileName, "expr.shape", "(T, E) or (E,)", `(${expr.shape.join(", ")})`);
    }
    const frameCount = expr.shape.length === 2 ? expr.shape[0] : 1;
    const expressionCount = expr.shape[expr.shape.length - 1];
    let shape: Float32Array | null = null;
    const shapeArray = arrays.get("shape");
    if (shapeArray) {
        shape = requireWithin(floats(requireKind(shapeArray, "float", fileName, "shape")), FlameTrackRanges.maxCoefficient, fileName, "shape");
    }
    const track = createFlameTrack(frameCount, expressionCount, shape);
    const defaultedKeys: string[] = [];
    for (const { key, field, width } of FlameTrackKeys) {
        const array = arrays.get(key);
        if (!array) {
            defaultedKeys.push(key);
            continue;
        }
        requireKind(array, "float", fileName, key);
        const w = width === "expr" ? expressionCount : width;
        if (array.data.length !== frameCount * w) {
            throw new GemFormatError("size-mismatch", fileName, `${key}.shape`, `(${frameCount}, ${w}) like expr`, `(${array.shape.join(", ")})`);
        }
        track[field].set(requireWithin(floats(array), flameTrackRange(field), fileName, key));
    }
    return { track, defaultedKeys };
}

/**
 * Reads a single-file sequence (or one per-frame file, T = 1); every required key must be present.
 * @param arrays arrays by key
 * @param fileName for errors
 * @returns the track
 */
export function flameTrackFromArrays(arrays: ReadonlyMap<string, NdArray>, fileName: string): FlameTrack {
    return readFlameTrack(arrays, fileName).track;
}
