/**
 * Reads tracked FLAME parameter sequences from the arrays of a VHAP / GaussianAvatars npz (see `FlameTrack`).
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { createFlameTrack, FlameTrackKeys, type FlameTrack } from "../../core/flame/flameTrack.js";
import type { NdArray } from "../archives/ndArray.js";
import { requireFinite } from "../../core/errors/requireFinite.js";

function floats(array: NdArray): Float32Array {
    return array.data instanceof Float32Array ? array.data.slice() : Float32Array.from(array.data as ArrayLike<number>);
}

/**
 * Reads a single-file sequence (or one per-frame file, T = 1).
 * @param arrays arrays by key
 * @param fileName for errors
 * @returns the track
 */
export function flameTrackFromArrays(arrays: ReadonlyMap<string, NdArray>, fileName: string): FlameTrack {
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
    const frameCount = expr.shape.length === 2 ? expr.shape[0] : 1;
    const expressionCount = expr.shape[expr.shape.length - 1] ?? 0;
    const track = createFlameTrack(frameCount, expressionCount, arrays.has("shape") ? floats(arrays.get("shape")!) : null);
    for (const { key, field, width } of FlameTrackKeys) {
        const array = arrays.get(key);
        if (!array) {
            continue;
        }
        const w = width === "expr" ? expressionCount : width;
        if (array.data.length !== frameCount * w) {
            throw new GemFormatError("size-mismatch", fileName, `${key}.shape`, `(${frameCount}, ${w}) like expr`, `(${array.shape.join(", ")})`);
        }
        track[field].set(requireFinite(floats(array), fileName, key));
    }
    return track;
}
