import type { Scene } from "@babylonjs/core/scene.js";
import { describe, expect, it } from "vitest";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { FlameAvatar } from "../../../plugin/flame/FlameAvatar.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { flameChannelNames } from "../../../core/animation/channelNames.js";
import { ExpressionClip } from "../../../plugin/animation/ExpressionClip.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";
import { useNullEngineScene } from "../../support/nullEngineScene.js";

const makeScene = useNullEngineScene();
let scene: Scene;
function setup(): Scene {
    scene = makeScene();
    return scene;
}

describe("ExpressionClip", () => {
    function sampleClip(): ExpressionClip {
        const clip = new ExpressionClip("smile-blink", 30);
        clip.setKey("flame/expression/0", 0, 0);
        clip.setKey("flame/expression/0", 30, 1.2);
        clip.setKey("flame/expression/0", 15, 0.3);
        clip.setKey("flame/eyelids/0", 10, 0);
        clip.setKey("flame/eyelids/0", 14, 1);
        clip.setKey("flame/eyelids/0", 18, 0);
        return clip;
    }

    it("evaluates linearly between keys and holds outside them", () => {
        const clip = sampleClip();
        expect(clip.getKeys("flame/expression/0")!.frames).toEqual([0, 15, 30]);
        expect(clip.evaluateChannel("flame/expression/0", 7.5)).toBeCloseTo(0.15, 6);
        expect(clip.evaluateChannel("flame/expression/0", 20)).toBeCloseTo(0.3 + (0.9 * 5) / 15, 6);
        expect(clip.evaluateChannel("flame/eyelids/0", 2)).toBe(0);
        expect(clip.evaluateChannel("flame/eyelids/0", 40)).toBe(0);
        expect(clip.lastFrame).toBe(30);
        expect(clip.duration).toBe(1);
        clip.setKey("flame/expression/0", 15, 0.5);
        expect(clip.getKeys("flame/expression/0")!.values).toEqual([0, 0.5, 1.2]);
        expect(clip.removeKey("flame/expression/0", 15)).toBe(true);
        expect(clip.removeKey("flame/expression/0", 15)).toBe(false);
    });

    it("round-trips through JSON and through a Babylon AnimationGroup (Inspector edits come back)", () => {
        setup();
        const clip = sampleClip();
        const back = ExpressionClip.FromJSON(JSON.stringify(clip));
        expect(back.toJSON()).toEqual(clip.toJSON());
        const animator = AvatarAnimator.Attach(new FlameAvatar(parseFlameNpz(createTestFlameNpz({ expressionCount: 4 }), "test.npz").model, scene));
        const layer = animator.addLayer({ name: "clip", channels: flameChannelNames(4) });
        const group = clip.createAnimationGroup(layer, scene);
        expect(group.to).toBe(30);
        group.targetedAnimations[0].animation.getKeys()[1].value = 0.9; // as the curve editor would
        const edited = ExpressionClip.FromAnimationGroup(group);
        expect(edited.getKeys("flame/expression/0")!.values).toEqual([0, 0.9, 1.2]);
        expect(edited.channels.sort()).toEqual(clip.channels.sort());
    });

    it("Babylon playback of the clip on a layer reproduces evaluate() at every sampled frame", () => {
        setup();
        const avatar = new FlameAvatar(parseFlameNpz(createTestFlameNpz({ expressionCount: 4 }), "test.npz").model, scene);
        const animator = AvatarAnimator.Attach(avatar);
        const layer = animator.addLayer({ name: "clip", channels: flameChannelNames(4) });
        const clip = sampleClip();
        const group = layer.playClip(clip, scene, false);
        group.pause(); // frames are set by hand below
        for (const frame of [0, 5, 12.5, 14, 22, 30]) {
            group.goToFrame(frame);
            scene.render();
            expect(avatar.expression[0]).toBeCloseTo(clip.evaluateChannel("flame/expression/0", frame)!, 5);
            expect(avatar.eyelids[0]).toBeCloseTo(clip.evaluateChannel("flame/eyelids/0", frame)!, 5);
        }
        layer.stopClips();
        expect(scene.animationGroups).toHaveLength(0);
    });

    it("rejects malformed clip files with typed errors naming the field", () => {
        const json = sampleClip().toJSON();
        const bad = (patch: object) => () => ExpressionClip.FromJSON({ ...json, ...patch }, "bad-clip.json");
        expect(bad({ version: 99 })).toThrow(/bad-clip.json: version/);
        expect(bad({ frameRate: 0 })).toThrow(/frameRate/);
        expect(
            bad({
                channels: [
                    {
                        channel: "flame/jawPose/0",
                        keys: [
                            [0, 1],
                            [0, 2],
                        ],
                    },
                ],
            })
        ).toThrow(/strictly increasing/);
        expect(bad({ channels: [{ channel: "flame/jawPose/0", keys: [[0, NaN]] }] })).toThrow(expect.objectContaining({ code: "non-finite", channels: ["flame/jawPose/0"] }));
        expect(bad({ channels: [{ channel: "flame/jawPose/0", keys: [] }] })).toThrow(/keys/);
        expect(
            bad({
                channels: [
                    { channel: "a/b", keys: [[0, 1]] },
                    { channel: "a/b", keys: [[0, 1]] },
                ],
            })
        ).toThrow(/twice/);
        expect(() => ExpressionClip.FromJSON("[1,2", "x.json")).toThrow(/not JSON/);
    });
});
