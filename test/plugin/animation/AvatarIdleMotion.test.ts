/**
 * Idle motion on an avatar and the live-driver blend: the idle layer moves the eyes and head of an ARKit-driven avatar;
 * the tracker wins while it follows a face, and when it loses it the voice (mouth) and idle (eyes, head) take over,
 * cross-faded, with the state reported.
 */
import { describe, expect, it } from "vitest";
import { arkitChannelNames } from "../../../core/animation/channelNames.js";
import type { FaceTrackingState } from "../../../core/tracking/TrackingSupervisor.js";
import { parseGemFile, serializeGemFile } from "../../../loaders/gem/gemContainer.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { AvatarIdleMotion, LiveDriverBlend, type LiveDriverState } from "../../../plugin/animation/AvatarIdleMotion.js";
import { GemAvatar } from "../../../plugin/GemAvatar.js";
import { createRandomModel } from "../../../tools/synthetic/syntheticModels.js";
import { countNodeAllocations, describeSites } from "../../support/nodeAllocations.js";
import { useNullEngineScene } from "../../support/nullEngineScene.js";

const makeScene = useNullEngineScene();

/** A small model with an ARKit map in which every blendshape moves its own coefficient. */
function arkitAvatarModel() {
    const model = createRandomModel({ gaussianCount: 64, components: { position: 52 }, seed: 3 });
    const inputs = arkitChannelNames(false).map((name) => name.slice("arkit/".length));
    const matrix = new Float32Array(model.totalComponents * inputs.length);
    for (let k = 0; k < inputs.length; k++) matrix[k * inputs.length + k] = 1;
    return parseGemFile(serializeGemFile(model.derive({ drivers: [{ name: "arkit", inputs, matrix, bias: new Float32Array(model.totalComponents) }] })), "arkit.gem");
}

describe("AvatarIdleMotion", () => {
    it("blinks and moves the eyes of an avatar through its animator, seeded per avatar, without allocating, and can be switched off and removed", async () => {
        const scene = makeScene();
        const avatars = [0, 1].map(() => new GemAvatar(arkitAvatarModel(), scene));
        const animators = avatars.map((avatar) => AvatarAnimator.Attach(avatar));
        const idles = animators.map((animator, i) => AvatarIdleMotion.Attach(animator, { seed: 11 + i }));
        expect(idles[0].layer.layout.names).toContain("arkit/eyeBlinkLeft");
        const blinkSlot = arkitChannelNames(false).indexOf("arkit/eyeBlinkLeft");
        let closedFrames = [0, 0];
        let together = 0;
        // Thirty simulated seconds at 30 fps, each avatar's animator evaluated after its idle step.
        for (let frame = 0; frame < 900; frame++) {
            const closed = idles.map((idle, i) => {
                idle.update(1 / 30);
                animators[i].evaluate(1 / 30);
                return (animators[i].getChannel("arkit/eyeBlinkLeft") ?? 0) > 0.5;
            });
            closedFrames = closedFrames.map((n, i) => n + (closed[i] ? 1 : 0));
            if (closed[0] && closed[1]) together++;
        }
        expect(idles[0].generator.blinkCount).toBeGreaterThanOrEqual(3);
        expect(closedFrames[0]).toBeGreaterThan(0);
        expect(closedFrames[1]).toBeGreaterThan(0);
        // Two seeds do not blink in step.
        expect(together).toBeLessThan(Math.min(...closedFrames));
        // The blend reaches the avatar's coefficients (the map moves coefficient k with blendshape k).
        idles[0].generator.values.fill(0);
        for (let guard = 0; guard < 3000 && (animators[0].getChannel("arkit/eyeBlinkLeft") ?? 0) < 0.9; guard++) {
            idles[0].update(1 / 30);
            animators[0].evaluate(1 / 30);
        }
        expect(avatars[0].coefficients[blinkSlot]).toBeGreaterThan(0.5);
        // Steady frames allocate nothing (a headset frame cannot afford a collection).
        const { plugin } = await countNodeAllocations(() => {
            for (let frame = 0; frame < 300; frame++) {
                idles[1].update(1 / 30);
                animators[1].evaluate(1 / 30);
            }
        });
        expect(plugin.count, describeSites(plugin)).toBe(0);
        idles[0].enabled = false;
        const held = Array.from(idles[0].layer.values);
        idles[0].update(1);
        expect(Array.from(idles[0].layer.values)).toEqual(held);
        idles[0].dispose();
        expect(animators[0].getLayer("idle")).toBeUndefined();
        expect(idles[0].isDisposed()).toBe(true);
    });
});

describe("LiveDriverBlend", () => {
    it("gives the tracker the avatar while it follows a face, and voice and idle when it loses it, cross-fading and reporting", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(arkitAvatarModel(), scene);
        const animator = AvatarAnimator.Attach(avatar);
        const idle = AvatarIdleMotion.Attach(animator, { seed: 2 });
        const voiceLayer = animator.addLayer({ name: "voice", channels: ["arkit/jawOpen", "arkit/mouthFunnel"] });
        const trackerLayer = animator.addLayer({ name: "tracker", channels: arkitChannelNames(false) });
        const tracker = { state: "starting" as FaceTrackingState, layer: trackerLayer };
        const voice = { active: false, layer: voiceLayer };
        const states: LiveDriverState[] = [];
        const blend = new LiveDriverBlend(animator, { tracker, voice, idle, fadeSeconds: 0.3 });
        blend.onStateChangedObservable.add((state) => states.push(state));
        expect(blend.state).toBe("idle");
        expect([trackerLayer.weight, voiceLayer.weight, idle.layer.weight]).toEqual([0, 0, 1]);
        trackerLayer.setChannels({ "arkit/jawOpen": 0.8 });
        voiceLayer.setChannels({ "arkit/jawOpen": 0.3 });
        const step = (seconds: number) => {
            for (let t = 0; t < seconds; t += 1 / 30) {
                blend.update();
                idle.update(1 / 30);
                animator.evaluate(1 / 30);
            }
        };
        // The tracker finds a face: it fades in over 0.3 s and wins.
        tracker.state = "tracking";
        step(0.1);
        expect(blend.state).toBe("tracker");
        expect(trackerLayer.weight).toBeGreaterThan(0);
        expect(trackerLayer.weight).toBeLessThan(1);
        step(0.5);
        expect([trackerLayer.weight, idle.layer.weight]).toEqual([1, 0]);
        expect(animator.getChannel("arkit/jawOpen")).toBeCloseTo(0.8, 5);
        // It loses the face while the user speaks: the voice drives the mouth, idle the eyes.
        tracker.state = "no-face";
        voice.active = true;
        step(0.5);
        expect(blend.state).toBe("voice");
        expect([trackerLayer.weight, voiceLayer.weight, idle.layer.weight]).toEqual([0, 1, 1]);
        expect(animator.getChannel("arkit/jawOpen")).toBeCloseTo(0.3, 5);
        // Silence: idle alone.
        voice.active = false;
        step(0.5);
        expect(blend.state).toBe("idle");
        expect(voiceLayer.weight).toBe(0);
        expect(states).toEqual(["tracker", "voice", "idle"]);
        blend.dispose();
        expect(blend.isDisposed()).toBe(true);
    });
});
