/**
 * Clips from recorded tracks: a FLAME track (VHAP, GaussianAvatars, metrical-tracker) as a clip over `flame/…`, and
 * clips baked through a retarget map.
 */
import type { FlameTrack } from "../../core/flame/flameTrack.js";
import { AnimationChannelError } from "../../core/errors/AnimationChannelError.js";
import { ExpressionClip } from "./ExpressionClip.js";
import type { RetargetMap } from "../../core/animation/RetargetMap.js";

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

/**
 * Bakes a clip through a retarget map (for example an ARKit recording into FLAME channels): the result is keyed at
 * every frame any source channel is keyed at, which is exact for linear keys only at those frames, and in between
 * because the map is affine and both clips interpolate linearly.
 * @param clip source clip (channels outside the map's sources are dropped)
 * @param map the map
 * @param name name of the new clip (default the source's)
 * @returns a clip over the map's targets
 */
export function retargetClip(clip: ExpressionClip, map: RetargetMap, name = clip.name): ExpressionClip {
    const used = clip.channels.filter((c) => map.source.includes(c));
    if (used.length === 0) {
        throw new AnimationChannelError("no-route", clip.name, `none of the clip's channels is a source of "${map.name}"`, clip.channels);
    }
    const frames = [...new Set(used.flatMap((c) => clip.getKeys(c)!.frames))].sort((a, b) => a - b);
    const result = new ExpressionClip(name, clip.frameRate);
    const input = new Float32Array(map.source.length);
    const output = new Float32Array(map.target.length);
    for (const frame of frames) {
        map.source.forEach((channel, i) => (input[i] = clip.evaluateChannel(channel, frame) ?? 0));
        map.apply(input, output);
        map.target.forEach((channel, j) => result.setKey(channel, frame, output[j]));
    }
    return result;
}

/**
 * A window of a clip, resampled at whole frames and wrapping at `frameCount`: gives each avatar of a crowd or a room its
 * own piece of one performance.
 * @param clip the whole clip
 * @param frameCount frames after which the source wraps (the track's length)
 * @param start first source frame
 * @param length frames in the window
 * @param name name of the new clip
 * @returns a clip of `length` keys per channel
 */
export function clipWindow(clip: ExpressionClip, frameCount: number, start: number, length: number, name = `${clip.name}[${start}]`): ExpressionClip {
    const window = new ExpressionClip(name, clip.frameRate);
    for (const channel of clip.channels) {
        for (let t = 0; t < length; t++) {
            window.setKey(channel, t, clip.evaluateChannel(channel, (start + t) % frameCount)!);
        }
    }
    return window;
}
