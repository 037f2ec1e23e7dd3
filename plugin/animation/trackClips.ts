/**
 * Clips from recorded tracks: a FLAME track (VHAP, GaussianAvatars, metrical-tracker) as a clip over `flame/…`.
 */
import type { FlameTrack } from "../../loaders/flameTrack";
import { ExpressionClip } from "./ExpressionClip";

/**
 * A FLAME track as a clip, one key per frame, on every channel that moves (identity shape excluded).
 * @param track the track
 * @param frameRate source frames per second
 * @param name clip name
 * @returns the clip
 */
export function createFlameTrackClip(track: FlameTrack, frameRate = 30, name = "flameTrack"): ExpressionClip {
    const clip = new ExpressionClip(name, frameRate);
    const fields: [string, Float32Array, number][] = [
        ["expression", track.expression, track.expressionCount],
        ["globalPose", track.globalPose, 3],
        ["neckPose", track.neckPose, 3],
        ["jawPose", track.jawPose, 3],
        ["eyePose", track.eyePose, 6],
        ["translation", track.translation, 3],
        ["eyelids", track.eyelids, 2],
    ];
    for (const [field, values, width] of fields) {
        for (let c = 0; c < width; c++) {
            let moves = false;
            for (let t = 0; t < track.frameCount && !moves; t++) {
                moves = values[t * width + c] !== 0;
            }
            if (!moves) {
                continue;
            }
            for (let t = 0; t < track.frameCount; t++) {
                clip.setKey(`flame/${field}/${c}`, t, values[t * width + c]);
            }
        }
    }
    return clip;
}
