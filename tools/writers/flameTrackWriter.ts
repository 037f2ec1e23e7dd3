/**
 * Writes a FLAME track as a VHAP-style single-file npz (`rotation`, `translation`, `neck_pose`, `jaw_pose`,
 * `eyes_pose`, `expr`, `shape`, plus metrical-tracker's `eyelids`).
 */
import type { FlameTrack } from "../../core/flame/flameTrack.js";
import { writeNpz } from "./npzWriter.js";

/**
 * Encodes a track.
 * @param track the track
 * @returns npz bytes
 */
export function flameTrackNpz(track: FlameTrack): Uint8Array {
    const t = track.frameCount;
    const f32 = (data: Float32Array, width: number) => ({ descr: "<f4", shape: [t, width], data });
    return writeNpz({
        rotation: f32(track.globalPose, 3),
        translation: f32(track.translation, 3),
        neck_pose: f32(track.neckPose, 3),
        jaw_pose: f32(track.jawPose, 3),
        eyes_pose: f32(track.eyePose, 6),
        expr: f32(track.expression, track.expressionCount),
        eyelids: f32(track.eyelids, 2),
        ...(track.shape ? { shape: { descr: "<f4", shape: [track.shape.length], data: track.shape } } : {}),
    });
}
