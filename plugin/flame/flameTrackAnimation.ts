import { Animation } from "@babylonjs/core/Animations/animation.js";
import { AnimationGroup } from "@babylonjs/core/Animations/animationGroup.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { trackFrameParameters, type FlameTrack } from "../../core/flame/flameTrack.js";
import type { FlameAvatar } from "./FlameAvatar.js";
import type { GemAvatar } from "../GemAvatar.js";
import { evaluateDriver, flameDriverInputs } from "../../core/gemDrivers.js";

/**
 * Turns a FLAME track into a Babylon AnimationGroup over the avatar's parameter arrays (targets such as
 * `expression.7`, `jawPose.0`), one key per source frame at the source frame rate, so Babylon's playback, looping,
 * speed, blending and the Inspector's curve editor apply. Between keys Babylon interpolates linearly (axis-angle
 * components included, which is exact at the keys and a close approximation between them for tracker-rate data).
 * @param track the sequence (expression count must match the avatar's; see fitFlameTrackToModel)
 * @param avatar the avatar to drive
 * @param scene the scene
 * @param frameRate source frames per second (VHAP/NeRSemble tracks: the capture rate, commonly 25 or 30)
 * @param name group name
 * @returns the group (not started)
 */
export function createFlameTrackAnimationGroup(track: FlameTrack, avatar: FlameAvatar, scene: Scene, frameRate = 30, name = "flameTrack"): AnimationGroup {
    if (track.expressionCount !== avatar.expression.length) {
        throw new RangeError(`createFlameTrackAnimationGroup: track has ${track.expressionCount} expression components, the avatar ${avatar.expression.length}`);
    }
    const group = new AnimationGroup(name, scene);
    const channels: { property: "expression" | "globalPose" | "neckPose" | "jawPose" | "eyePose" | "translation" | "eyelids"; values: Float32Array; width: number }[] = [
        { property: "expression", values: track.expression, width: track.expressionCount },
        { property: "globalPose", values: track.globalPose, width: 3 },
        { property: "neckPose", values: track.neckPose, width: 3 },
        { property: "jawPose", values: track.jawPose, width: 3 },
        { property: "eyePose", values: track.eyePose, width: 6 },
        { property: "translation", values: track.translation, width: 3 },
    ];
    if (avatar.model.data.eyelidDirections && track.eyelids.some((v) => v !== 0)) {
        channels.push({ property: "eyelids", values: track.eyelids, width: 2 });
    }
    for (const { property, values, width } of channels) {
        for (let c = 0; c < width; c++) {
            const animation = new Animation(`${property}.${c}`, `${property}.${c}`, frameRate, Animation.ANIMATIONTYPE_FLOAT, Animation.ANIMATIONLOOPMODE_CYCLE);
            const keys = new Array(track.frameCount);
            for (let t = 0; t < track.frameCount; t++) {
                keys[t] = { frame: t, value: values[t * width + c] };
            }
            animation.setKeys(keys);
            group.addTargetedAnimation(animation, avatar);
        }
    }
    if (track.shape) {
        avatar.setParameters({ shape: track.shape.subarray(0, avatar.shape.length) });
    }
    return group;
}

/**
 * Turns a FLAME track into an AnimationGroup over a GEM avatar's coefficients (`coefficients.k`), through the model's
 * `flame` driver map: the map is evaluated at every source frame, so between keys Babylon interpolates coefficients
 * (exact for a linear map). Head pose and translation are not part of the map; they belong to the avatar's transform.
 * @param track the sequence
 * @param avatar a GEM avatar whose model carries a `flame` driver
 * @param scene the scene
 * @param frameRate source frames per second
 * @param name group name
 * @returns the group (not started)
 */
export function createGemFlameTrackAnimationGroup(track: FlameTrack, avatar: GemAvatar, scene: Scene, frameRate = 30, name = "flameTrack"): AnimationGroup {
    const driver = avatar.model.getDriver("flame");
    if (!driver) {
        throw new RangeError(`createGemFlameTrackAnimationGroup: the avatar's model has no "flame" driver map`);
    }
    const k = avatar.coefficients.length;
    const values = new Float32Array(track.frameCount * k);
    const inputs = new Float32Array(driver.inputs.length);
    for (let t = 0; t < track.frameCount; t++) {
        flameDriverInputs(driver, trackFrameParameters(track, t, false), inputs);
        evaluateDriver(driver, inputs, values.subarray(t * k, (t + 1) * k));
    }
    const group = new AnimationGroup(name, scene);
    for (let c = 0; c < k; c++) {
        const animation = new Animation(`coefficients.${c}`, `coefficients.${c}`, frameRate, Animation.ANIMATIONTYPE_FLOAT, Animation.ANIMATIONLOOPMODE_CYCLE);
        const keys = new Array(track.frameCount);
        for (let t = 0; t < track.frameCount; t++) {
            keys[t] = { frame: t, value: values[t * k + c] };
        }
        animation.setKeys(keys);
        group.addTargetedAnimation(animation, avatar);
    }
    return group;
}
