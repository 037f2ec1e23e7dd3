import type { Scene } from "@babylonjs/core/scene.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { GemAvatar } from "../../../plugin/GemAvatar.js";
import { GemModel } from "../../../core/GemModel.js";
import { FlameAvatar } from "../../../plugin/flame/FlameAvatar.js";
import { AnimationChannelError } from "../../../core/errors/AnimationChannelError.js";
import { ArkitBlendshapeNames, ArkitRotationNames } from "../../../core/animation/arkitBlendshapes.js";
import { createArkitToFlameMap } from "../../../core/animation/arkitToFlameMap.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { ChannelLayout } from "../../../core/animation/ChannelLayout.js";
import { arkitChannelNames, channelMatches, flameChannelNames, gemChannelNames } from "../../../core/animation/channelNames.js";
import { ExpressionClip } from "../../../plugin/animation/ExpressionClip.js";
import { parseLiveLinkFaceCsv, parseTimecode } from "../../../plugin/animation/liveLinkFaceCsv.js";
import { RetargetMap } from "../../../core/animation/RetargetMap.js";
import { clipWindow, createFlameTrackClip } from "../../../plugin/animation/trackClips.js";
import { flameTrackFromArrays } from "../../../loaders/flame/flameTrackFile.js";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";
import { writeLiveLinkFaceCsv } from "../../../tools/writers/liveLinkFaceCsvWriter.js";
import { useNullEngineScene } from "../../support/nullEngineScene.js";

const assets = resolve(__dirname, "../../../samples/assets");
const headModel = parseGemFile(readFileSync(resolve(assets, "default-head.gem")), "default-head.gem");

const makeScene = useNullEngineScene();
let scene: Scene;
function setup(): Scene {
    scene = makeScene();
    return scene;
}

function randomMap(name: string, source: string[], target: string[], seed: number): RetargetMap {
    const random = createRandom(seed);
    return new RetargetMap(
        name,
        source,
        target,
        Float32Array.from({ length: source.length * target.length }, () => random() * 2 - 1),
        Float32Array.from({ length: target.length }, () => random() - 0.5)
    );
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) ** 2;
        den += b[i] ** 2;
    }
    const e = Math.sqrt(num / Math.max(den, 1e-30));
    return Number.isNaN(e) ? Infinity : e;
}

describe("channel names and layouts", () => {
    it("names every space without dots and matches * patterns", () => {
        expect(ArkitBlendshapeNames).toHaveLength(52);
        expect(new Set(ArkitBlendshapeNames).size).toBe(52);
        expect(arkitChannelNames()).toHaveLength(61);
        expect(flameChannelNames(10)).toHaveLength(10 + 3 + 3 + 3 + 6 + 3 + 2);
        const gem = gemChannelNames(headModel);
        expect(gem).toHaveLength(headModel.totalComponents);
        expect(gem[0]).toBe("gem/position/0");
        for (const name of [...arkitChannelNames(), ...flameChannelNames(10, 3), ...gem]) {
            expect(name).not.toContain(".");
        }
        expect(channelMatches("flame/jawPose/*", "flame/jawPose/2")).toBe(true);
        expect(channelMatches("flame/jawPose/*", "flame/eyePose/2")).toBe(false);
        expect(channelMatches("arkit/mouth*Left", "arkit/mouthSmileLeft")).toBe(true);
        expect(channelMatches("arkit/mouth*Left", "arkit/mouthSmileRight")).toBe(false);
        expect(channelMatches("*", "gem/scale/3")).toBe(true);
        const layout = new ChannelLayout(["a/x", "a/y", "b/z"]);
        expect(Array.from(layout.mask(["a/*"]))).toEqual([1, 1, 0]);
        expect(() => new ChannelLayout(["a/x", "a/x"])).toThrow(AnimationChannelError);
    });
});

describe("RetargetMap", () => {
    it("composes: (A then B)(x) equals B(A(x)) on random inputs, including channels B reads that A does not drive", () => {
        const a = randomMap("A", ["s/0", "s/1", "s/2"], ["m/0", "m/1", "m/2", "m/3"], 1);
        const b = randomMap("B", ["m/0", "m/2", "m/3", "m/9"], ["t/0", "t/1"], 2);
        const ab = a.compose(b);
        const random = createRandom(3);
        for (let trial = 0; trial < 20; trial++) {
            const x = Float32Array.from({ length: 3 }, () => random() * 4 - 2);
            const middle = a.apply(x);
            const named: Record<string, number> = {};
            a.target.forEach((n, i) => (named[n] = middle[i]));
            const expected = b.applyNamed(named);
            const got = ab.apply(x);
            expect(relativeError(got, [expected["t/0"], expected["t/1"]])).toBeLessThan(1e-5);
        }
        expect(() => a.compose(randomMap("C", ["q/0"], ["t/0"], 4))).toThrow(/no channel/);
    });

    it("neutral calibration sends the captured neutral to the uncalibrated zero-input output", () => {
        const map = randomMap("M", ["s/0", "s/1"], ["t/0", "t/1", "t/2"], 5);
        const calibrated = map.calibrateNeutral({ "s/0": 0.2, "s/1": -0.1 });
        expect(relativeError(calibrated.apply([0.2, -0.1]), map.bias)).toBeLessThan(1e-6);
        // A movement away from neutral is mapped by the same matrix.
        const delta = Float32Array.from(calibrated.apply([0.7, 0.4])).map((v, i) => v - map.bias[i]);
        const direct = Float32Array.from(map.apply([0.5, 0.5])).map((v, i) => v - map.bias[i]);
        expect(relativeError(delta, direct)).toBeLessThan(1e-5);
    });

    it("round-trips through JSON and rejects bad files with typed errors", () => {
        const map = randomMap("M", ["s/0", "s/1"], ["t/0"], 6);
        const back = RetargetMap.FromJSON(JSON.stringify(map.toJSON()));
        expect(Array.from(back.matrix)).toEqual(Array.from(map.matrix));
        expect(back.target).toEqual(map.target);
        const json = map.toJSON();
        const bad = (patch: object) => () => RetargetMap.FromJSON({ ...json, ...patch }, "bad.json");
        expect(bad({ version: 2 })).toThrow(/version/);
        expect(bad({ format: "other" })).toThrow(/format/);
        expect(bad({ matrix: [1] })).toThrow(/matrix: expected 2 numbers/);
        expect(bad({ bias: [NaN] })).toThrow(AnimationChannelError);
        expect(bad({ source: ["s/0", "s/0"] })).toThrow(/twice/);
        expect(() => RetargetMap.FromJSON("{not json", "x.json")).toThrow(/x.json: not JSON/);
    });

    it("the ARKit map drives FLAME jaw, eyelids, gaze and named expressions with FLAME's axis conventions", () => {
        const names = ["smile", "pucker", undefined, "mouthLeft"];
        const map = createArkitToFlameMap({ expressionNames: names });
        const out = map.applyNamed({
            "arkit/jawOpen": 1,
            "arkit/mouthSmileLeft": 1,
            "arkit/mouthSmileRight": 1,
            "arkit/eyeBlinkRight": 0.5,
            "arkit/eyeLookOutLeft": 1,
            "arkit/eyeLookOutRight": 1,
            "arkit/mouthRight": 1,
        });
        expect(out["flame/jawPose/0"]).toBeCloseTo(0.35, 6);
        expect(out["flame/expression/0"]).toBeCloseTo(1, 6);
        expect(out["flame/expression/3"]).toBeCloseTo(-1, 6);
        expect(out["flame/eyelids/1"]).toBeCloseTo(0.5, 6);
        expect(out["flame/eyelids/0"]).toBe(0);
        // Both eyes turned out: the left eye towards +x (yaw > 0), the right eye towards −x.
        expect(out["flame/eyePose/1"]).toBeGreaterThan(0);
        expect(out["flame/eyePose/4"]).toBeLessThan(0);
        expect(map.target).not.toContain("flame/expression/2");
    });
});

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

describe("clipWindow", () => {
    it("resamples a window of a clip at whole frames, wrapping at the track length", () => {
        const clip = new ExpressionClip("ramp", 30);
        clip.setKey("flame/jawPose/0", 0, 0);
        clip.setKey("flame/jawPose/0", 9, 0.9);
        const window = clipWindow(clip, 10, 8, 4, "w");
        expect([0, 1, 2, 3].map((t) => window.evaluateChannel("flame/jawPose/0", t)!)).toEqual([0.8, 0.9, 0, 0.1].map((v) => expect.closeTo(v, 6)));
        expect(window.name).toBe("w");
        expect(window.frameRate).toBe(30);
    });
});

describe("Live Link Face CSV import", () => {
    it("reads timecodes, the 52 blendshapes and head rotations into an arkit clip, clamping weights to [0, 1]", () => {
        const frames = Array.from({ length: 5 }, (_, t) => {
            const values: Record<string, number> = { jawOpen: t / 4, eyeBlinkLeft: t === 2 ? 1.02 : 0.1, headYaw: 0.05 * t };
            return values;
        });
        const text = writeLiveLinkFaceCsv(frames, { startTimecode: "10:20:30:58.250", frameRate: 60 });
        const { clip, frameCount, clampedCount, hasRotations } = parseLiveLinkFaceCsv(text, { fileName: "take.csv" });
        expect(frameCount).toBe(5);
        expect(hasRotations).toBe(true);
        expect(clampedCount).toBe(1);
        expect(clip.name).toBe("take");
        expect(clip.frameRate).toBe(60);
        expect(clip.getKeys("arkit/jawOpen")!.frames).toEqual([0, 1, 2, 3, 4]);
        expect(clip.getKeys("arkit/jawOpen")!.values[3]).toBeCloseTo(0.75, 6);
        expect(clip.evaluateChannel("arkit/eyeBlinkLeft", 2)).toBe(1);
        expect(clip.evaluateChannel("arkit/headYaw", 4)).toBeCloseTo(0.2, 6);
        expect(clip.channels).toHaveLength(52 + ArkitRotationNames.length);
        expect(parseTimecode("00:00:01:30.5", 60)).toBeCloseTo(1 + 30.5 / 60, 9);
        expect(parseTimecode("1.25", 60)).toBe(1.25);
        expect(parseTimecode("yesterday", 60)).toBeNull();
    });

    it("names what is wrong: missing columns, ragged rows, non-numeric values, time going backwards", () => {
        const good = writeLiveLinkFaceCsv([{ jawOpen: 0.1 }, { jawOpen: 0.2 }], { frameRate: 60 });
        const [header, ...rows] = good.trim().split("\n");
        const dropColumn = (name: string) => {
            const cells = header.split(",");
            const at = cells.indexOf(name);
            return [
                cells.filter((_, i) => i !== at).join(","),
                ...rows.map((r) =>
                    r
                        .split(",")
                        .filter((_, i) => i !== at)
                        .join(",")
                ),
            ].join("\n");
        };
        expect(() => parseLiveLinkFaceCsv(dropColumn("MouthSmileLeft"), { fileName: "a.csv" })).toThrow(
            expect.objectContaining({ code: "invalid-clip", channels: ["arkit/mouthSmileLeft"] })
        );
        expect(() => parseLiveLinkFaceCsv(dropColumn("Timecode"))).toThrow(/Timecode/);
        expect(() => parseLiveLinkFaceCsv(dropColumn("HeadRoll"))).toThrow(/rotation columns/);
        expect(() => parseLiveLinkFaceCsv(`${header}\n${rows[0]},7`)).toThrow(/line 2: .* fields/);
        expect(() => parseLiveLinkFaceCsv(`${header}\n${rows[0].replace(/,0\.1,/, ",abc,")}`)).toThrow(expect.objectContaining({ code: "non-finite" }));
        expect(() => parseLiveLinkFaceCsv(`${header}\n${rows[1]}\n${rows[0]}`)).toThrow(/does not increase/);
        expect(() => parseLiveLinkFaceCsv(header)).toThrow(/at least one frame/);
    });
});

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
        const track = flameTrackFromArrays(readNpz(new Uint8Array(readFileSync(resolve(assets, "default-head-track.npz"))), "default-head-track.npz"), "default-head-track.npz");
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
