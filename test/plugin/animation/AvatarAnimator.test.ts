import type { Scene } from "@babylonjs/core/scene.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { GemAvatar } from "../../../plugin/GemAvatar.js";
import { GemModel } from "../../../core/GemModel.js";
import { AnimationChannelError } from "../../../core/errors/AnimationChannelError.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { arkitChannelNames } from "../../../core/animation/channelNames.js";
import { ExpressionClip } from "../../../plugin/animation/ExpressionClip.js";
import { RetargetMap } from "../../../core/animation/RetargetMap.js";
import { createFlameTrackClip } from "../../../plugin/animation/trackClips.js";
import { flameTrackFromArrays } from "../../../loaders/flame/flameTrackFile.js";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { useNullEngineScene } from "../../support/nullEngineScene.js";
import { relativeError } from "../../support/relativeError.js";

const assets = resolve(import.meta.dirname, "../../../samples/assets");

const headModel = parseGemFile(readFileSync(resolve(assets, "cartoon-head.gem")), "cartoon-head.gem");

const makeScene = useNullEngineScene();
let scene: Scene;
function setup(): Scene {
    scene = makeScene();
    return scene;
}

describe("AvatarAnimator on a GEM avatar (default head, FLAME map)", () => {
    function driverCoefficients(parameters: Record<string, number>): Float32Array {
        const driver = headModel.getDriver("flame")!;
        const map = RetargetMap.FromGemDriver(headModel)!;
        expect(map.source.length).toBe(driver.inputs.length);
        const named = map.applyNamed(parameters);
        return Float32Array.from(map.target, (n) => named[n]);
    }

    it("FLAME, ARKit and GEM layers reach the coefficients through the maps; one reconstruction per changed frame", () => {
        setup();
        const avatar = new GemAvatar(headModel, scene);
        const animator = AvatarAnimator.Attach(avatar);
        expect(animator.spaces).toEqual(["flame", "gem"]);
        const flame = animator.addLayer({ name: "flame", channels: animator.channelsOf("flame") });
        flame.setChannels({ "flame/jawPose/0": 0.2, "flame/expression/0": 0.8 });
        scene.render();
        expect(relativeError(avatar.coefficients, driverCoefficients({ "flame/jawPose/0": 0.2, "flame/expression/0": 0.8 }))).toBeLessThan(1e-5);
        const count = avatar.reconstructionCount;
        scene.render();
        scene.render();
        expect(avatar.reconstructionCount).toBe(count); // nothing changed: no upload
        expect(animator.writeCount).toBe(1);

        // ARKit on top, override at weight 1: replaces what it drives (jaw), leaves the expression it does not drive.
        const arkit = animator.addLayer({ name: "arkit", channels: arkitChannelNames() });
        arkit.setChannels({ "arkit/jawOpen": 0.5 });
        scene.render();
        expect(animator.getChannel("flame/jawPose/0")).toBeCloseTo(0.175, 6);
        // A layer given its own map keeps it when the animator's ARKit map changes; the others follow the new map.
        const jawOnly = new RetargetMap("jaw only", ["arkit/jawOpen"], ["flame/jawPose/0"], Float32Array.of(0.1));
        const own = animator.addLayer({ name: "own", channels: ["arkit/jawOpen"], map: jawOnly, weight: 0 });
        const defaultMap = animator.arkitMap;
        animator.arkitMap = new RetargetMap("doubled jaw", ["arkit/jawOpen"], ["flame/jawPose/0"], Float32Array.of(0.7));
        own.setChannel("arkit/jawOpen", 1);
        own.weight = 1;
        scene.render();
        expect(animator.getChannel("flame/jawPose/0")).toBeCloseTo(0.1, 6);
        own.weight = 0;
        scene.render();
        expect(animator.getChannel("flame/jawPose/0")).toBeCloseTo(0.35, 6); // the "arkit" layer: 0.5 × 0.7
        animator.arkitMap = defaultMap;
        animator.removeLayer(own);
        scene.render();
        expect(animator.getChannel("flame/jawPose/0")).toBeCloseTo(0.175, 6);
        const arkitToGem = animator.arkitMap.compose(RetargetMap.FromGemDriver(headModel)!);
        expect(arkitToGem.target).toHaveLength(headModel.totalComponents);
        expect(avatar.reconstructionCount).toBe(count + 4);

        // A GEM layer blends last, directly on coefficients.
        const gem = animator.addLayer({ name: "gem", channels: ["gem/position/0"], weight: 0.5 });
        gem.setChannel("gem/position/0", 2);
        const before = animator.getChannel("gem/position/0")!;
        scene.render();
        expect(avatar.coefficients[0]).toBeCloseTo((before + 2) / 2, 5);
        animator.dispose();
        expect(avatar.mesh.behaviors).toHaveLength(0);
    });

    it("weights, cross-fades, additive layers and masks follow their formulas", () => {
        setup();
        const avatar = new GemAvatar(headModel, scene);
        const animator = new AvatarAnimator(avatar);
        const channels = animator.channelsOf("flame");
        const a = animator.addLayer({ name: "a", channels });
        const b = animator.addLayer({ name: "b", channels, weight: 0.25 });
        a.setChannels({ "flame/expression/1": 1, "flame/jawPose/0": 0.1 });
        b.setChannels({ "flame/expression/1": -1, "flame/jawPose/0": 0.3 });
        animator.evaluate();
        expect(animator.getChannel("flame/expression/1")).toBeCloseTo(0.75 * 1 + 0.25 * -1, 6);
        b.mask = ["flame/jawPose/*"]; // "jaw only"
        animator.evaluate();
        expect(animator.getChannel("flame/expression/1")).toBeCloseTo(1, 6);
        expect(animator.getChannel("flame/jawPose/0")).toBeCloseTo(0.75 * 0.1 + 0.25 * 0.3, 6);
        b.mask = null;
        b.mode = "additive";
        b.weight = 1;
        animator.evaluate();
        expect(animator.getChannel("flame/expression/1")).toBeCloseTo(0, 6);
        expect(animator.getChannel("flame/jawPose/0")).toBeCloseTo(0.4, 6);
        b.mode = "override";
        b.weight = 0;
        animator.crossFade(a, b, 1);
        animator.evaluate(0.25);
        expect(a.weight).toBeCloseTo(0.75, 6);
        expect(b.weight).toBeCloseTo(0.25, 6);
        animator.evaluate(1);
        expect(a.weight).toBe(0);
        expect(b.weight).toBe(1);
        expect(animator.getChannel("flame/jawPose/0")).toBeCloseTo(0.3, 6);
        animator.dispose();
    });

    it("bad input: unknown channels, unroutable spaces, NaN and huge values never reach the avatar", () => {
        setup();
        const avatar = new GemAvatar(headModel, scene);
        const animator = new AvatarAnimator(avatar);
        expect(() => animator.addLayer({ name: "x", channels: ["flame/expression/60"] })).toThrow(
            expect.objectContaining({ code: "unknown-channel", channels: ["flame/expression/60"] })
        );
        expect(() => animator.addLayer({ name: "y", channels: ["gem/position/99"] })).toThrow(AnimationChannelError);
        expect(() => animator.addLayer({ name: "z", channels: ["flame/jawPose/0", "gem/position/0"] })).toThrow(expect.objectContaining({ code: "no-route" }));
        expect(() => animator.addLayer({ name: "w", channels: ["jaw"] })).toThrow(expect.objectContaining({ code: "no-route" }));
        const layer = animator.addLayer({ name: "l", channels: ["flame/jawPose/0", "flame/expression/0"] });
        const clip = new ExpressionClip("foreign");
        clip.setKey("flame/neckPose/0", 0, 1);
        expect(() => layer.playClip(clip, scene)).toThrow(expect.objectContaining({ code: "unknown-channel" }));
        expect(() => layer.setChannel("flame/jawPose/0", NaN)).toThrow(expect.objectContaining({ code: "non-finite" }));
        expect(layer.setValues([Infinity, 0.5])).toBe(1);
        layer.values[0] = NaN; // an animation or a user writing straight into values
        layer.values[1] = 1e9;
        animator.evaluate();
        expect(animator.getChannel("flame/jawPose/0")).toBe(0);
        expect(animator.getChannel("flame/expression/0")).toBe(4); // documented clamp
        for (const c of avatar.coefficients) {
            expect(Number.isFinite(c) && Math.abs(c) <= 5).toBe(true);
        }
        expect(() => (layer.weight = NaN)).toThrow(AnimationChannelError);
        layer.weight = 7;
        expect(layer.weight).toBe(1);
        // A GEM model without a FLAME map cannot take FLAME or ARKit layers.
        const bare = new GemModel({ gaussianCount: headModel.gaussianCount, groups: headModel.groups.map((g) => ({ ...g })) });
        const plain = new AvatarAnimator(new GemAvatar(bare, scene));
        expect(plain.spaces).toEqual(["gem"]);
        expect(() => plain.addLayer({ name: "f", channels: ["flame/jawPose/0"] })).toThrow(expect.objectContaining({ code: "no-route" }));
        expect(() => plain.addLayer({ name: "a", channels: ["arkit/jawOpen"] })).toThrow(expect.objectContaining({ code: "no-route" }));
    });

    it("a FLAME track clip drives the avatar like the track's own AnimationGroup", () => {
        setup();
        const track = flameTrackFromArrays(readNpz(new Uint8Array(readFileSync(resolve(assets, "cartoon-head-track.npz"))), "cartoon-head-track.npz"), "cartoon-head-track.npz");
        const clip = createFlameTrackClip(track, 30);
        expect(clip.lastFrame).toBe(track.frameCount - 1);
        const avatar = new GemAvatar(headModel, scene);
        const animator = AvatarAnimator.Attach(avatar);
        const layer = animator.addLayer({ name: "track", channels: animator.channelsOf("flame") });
        const group = layer.playClip(clip, scene, false);
        group.pause();
        const reference = new GemAvatar(headModel, scene, { name: "reference" });
        for (const t of [3, 100, 250]) {
            group.goToFrame(t);
            scene.render();
            reference.setFlameParameters({
                expression: track.expression.subarray(t * 10, t * 10 + 10),
                jawPose: track.jawPose.subarray(3 * t, 3 * t + 3),
                eyePose: track.eyePose.subarray(6 * t, 6 * t + 6),
                eyelids: track.eyelids.subarray(2 * t, 2 * t + 2),
            });
            expect(relativeError(avatar.coefficients, reference.coefficients)).toBeLessThan(1e-4);
        }
    });

    it("goes with its avatar: disposing the avatar's mesh disposes the animator's layers and their clip groups", async () => {
        setup();
        const observers = scene.onBeforeRenderObservable.observers.length;
        const avatar = new GemAvatar(headModel, scene, { name: "leaving" });
        const animator = AvatarAnimator.Attach(avatar);
        const clip = new ExpressionClip("c");
        clip.setKey("flame/jawPose/0", 0, 0);
        clip.setKey("flame/jawPose/0", 10, 0.2);
        const group = animator.addLayer({ name: "clip", channels: animator.channelsOf("flame") }).playClip(clip, scene);
        expect(scene.animationGroups).toContain(group);
        avatar.mesh.dispose();
        expect(scene.animationGroups).not.toContain(group);
        expect(animator.layers).toHaveLength(0);
        // Babylon unregisters observers on the next tick.
        await new Promise((wake) => setTimeout(wake, 0));
        expect(scene.onBeforeRenderObservable.observers.length).toBe(observers);
    });

    it("100 avatars with animators added and removed leave no meshes, materials, observers or behaviors behind", async () => {
        setup();
        const observersBefore = scene.onBeforeRenderObservable.observers.length;
        const meshesBefore = scene.meshes.length;
        const materialsBefore = scene.materials.length;
        const groupsBefore = scene.animationGroups.length;
        const clip = new ExpressionClip("c");
        clip.setKey("flame/jawPose/0", 0, 0);
        clip.setKey("flame/jawPose/0", 10, 0.2);
        const small = new GemModel({
            gaussianCount: 64,
            groups: headModel.groups.map((g) => ({ ...g, mean: g.mean.subarray(0, 64 * g.channels), basis: null, components: 0, eigenvalues: new Float32Array(0) })),
            drivers: [],
        });
        for (let i = 0; i < 100; i++) {
            const avatar = new GemAvatar(i % 2 ? small : headModel, scene, { name: `a${i}` });
            const animator = AvatarAnimator.Attach(avatar);
            if (i % 2 === 0) {
                animator.addLayer({ name: "clip", channels: animator.channelsOf("flame") }).playClip(clip, scene);
            }
            scene.render();
            if (i % 3 === 0) {
                avatar.mesh.dispose(); // the mesh goes first: the behavior detaches, the avatar disposes
                animator.dispose();
            } else {
                animator.dispose();
                avatar.dispose();
            }
        }
        await new Promise((r) => setTimeout(r, 10)); // Babylon removes observers on a later tick
        expect(scene.onBeforeRenderObservable.observers.length).toBe(observersBefore);
        expect(scene.meshes.length).toBe(meshesBefore);
        expect(scene.materials.length).toBe(materialsBefore);
        expect(scene.animationGroups.length).toBe(groupsBefore);
        expect(scene.textures.length).toBe(0);
    });
});
