/**
 * A GEM avatar whose model takes ARKit weights directly (the realistic default heads): the animator blends in
 * FLAME → ARKit → GEM stages, ARKit layers reach the model's `arkit` map without passing through FLAME, FLAME jaw/eye
 * layers arrive through the inverse of the ARKit → FLAME map, and ARKit head rotations pose the head.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import { Logger } from "@babylonjs/core/Misc/logger.js";
import { describe, expect, it } from "vitest";
import { ArkitBlendshapeNames } from "../../../core/animation/arkitBlendshapes.js";
import { createArkitToFlameMap, createFlameToArkitMap } from "../../../core/animation/arkitToFlameMap.js";
import { arkitChannelNames } from "../../../core/animation/channelNames.js";
import { RetargetMap } from "../../../core/animation/RetargetMap.js";
import { evaluateDriver } from "../../../core/gemDrivers.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { GemAvatar } from "../../../plugin/GemAvatar.js";
import { createRandomModel } from "../../../tools/synthetic/syntheticModels.js";
import { flameDriverFromArkit } from "../../../tools/distill/arkitDistillation.js";
import { lcgRandom } from "../../support/lcgRandom.js";
import { useNullEngineScene } from "../../support/nullEngineScene.js";
import { relativeError } from "../../support/relativeError.js";

const random = lcgRandom(21);
const base = createRandomModel({ gaussianCount: 40, components: { position: 6, scale: 2, rotation: 3 }, seed: 21 });
const names = ArkitBlendshapeNames.filter((name) => name !== "tongueOut");
const arkit = {
    name: "arkit",
    inputs: [...names],
    labels: [...names],
    matrix: Float32Array.from({ length: base.totalComponents * names.length }, () => (random() - 0.5) * 2),
    bias: Float32Array.from({ length: base.totalComponents }, () => (random() - 0.5) * 0.2),
};
const model = base.derive({ drivers: [arkit, flameDriverFromArkit(arkit)], metadata: { flameJoints: { global: [0, -0.1, -0.03], neck: [0, -0.06, -0.02] } } });

const makeScene = useNullEngineScene();

describe("AvatarAnimator on an ARKit-driven GEM avatar", () => {
    it("blends FLAME → ARKit → GEM; ARKit layers drive the arkit map directly, all 51 shapes of it", () => {
        const scene: Scene = makeScene();
        const avatar = new GemAvatar(model, scene);
        const animator = AvatarAnimator.Attach(avatar);
        expect(animator.spaces).toEqual(["flame", "arkit", "gem"]);
        const layer = animator.addLayer({ name: "face", channels: arkitChannelNames(false) });
        const weights: Record<string, number> = {};
        names.forEach((name, i) => (weights[`arkit/${name}`] = ((i * 37) % 11) / 11));
        layer.setChannels(weights);
        scene.render();
        const expected = evaluateDriver(
            arkit,
            names.map((name) => weights[`arkit/${name}`])
        );
        expect(relativeError(avatar.coefficients, expected)).toBeLessThan(1e-5);
        // The arkit map as a retarget map reads arkit/<name> channels.
        expect(RetargetMap.FromGemDriver(model, "arkit")!.source[0]).toBe(`arkit/${names[0]}`);
    });

    it("FLAME jaw, eyelid and eye channels arrive as the ARKit weights the ARKit → FLAME map would have made them from", () => {
        const scene: Scene = makeScene();
        const avatar = new GemAvatar(model, scene);
        const animator = AvatarAnimator.Attach(avatar);
        const flame = animator.addLayer({ name: "flame", channels: animator.channelsOf("flame") });
        flame.setChannels({ "flame/jawPose/0": 0.175, "flame/eyelids/1": 0.6 });
        scene.render();
        expect(animator.getChannel("arkit/jawOpen")).toBeCloseTo(0.5, 5);
        expect(animator.getChannel("arkit/eyeBlinkRight")).toBeCloseTo(0.6, 5);
        const inputs = names.map((name) => (name === "jawOpen" ? 0.5 : name === "eyeBlinkRight" ? 0.6 : 0));
        expect(relativeError(avatar.coefficients, evaluateDriver(arkit, inputs))).toBeLessThan(1e-4);
        // The model's own flame map (for FLAME tracks through the loader) agrees with the animator.
        const viaFlameDriver = new Float32Array(model.totalComponents);
        avatar.setFlameParameters({ jawPose: [0.175, 0, 0], eyelids: [0, 0.6] });
        viaFlameDriver.set(avatar.coefficients);
        expect(relativeError(viaFlameDriver, evaluateDriver(arkit, inputs))).toBeLessThan(1e-4);
    });

    it("ARKit head rotations pose the head about the neck joint (pitch negated, as the ARKit → FLAME map does)", () => {
        const scene: Scene = makeScene();
        const avatar = new GemAvatar(model, scene);
        const animator = AvatarAnimator.Attach(avatar);
        const head = animator.addLayer({ name: "head", channels: ["arkit/headYaw", "arkit/headPitch", "arkit/headRoll"] });
        head.setChannels({ "arkit/headYaw": 0.3, "arkit/headPitch": 0.1, "arkit/headRoll": -0.05 });
        scene.render();
        expect(Array.from(avatar.headPose.neckPose)).toEqual([expect.closeTo(-0.1, 6), expect.closeTo(0.3, 6), expect.closeTo(-0.05, 6)]);
    });

    it("the FLAME → ARKit map inverts the ARKit → FLAME map on the channels it maps", () => {
        const forward = createArkitToFlameMap({ headRotation: "none" });
        const back = createFlameToArkitMap();
        for (const [name, value] of [
            ["jawOpen", 0.7],
            ["eyeBlinkLeft", 0.4],
        ] as const) {
            const flame = forward.applyNamed({ [`arkit/${name}`]: value });
            expect(back.applyNamed(flame)[`arkit/${name}`]).toBeCloseTo(value, 5);
        }
        // Opposed pairs (look up / look down, jaw left / right) drive one FLAME rotation: the inverse splits it between
        // them with opposite signs (least squares), and maps back to the same rotation.
        const gaze = forward.applyNamed({ "arkit/eyeLookUpRight": 0.8 });
        const split = back.applyNamed(gaze);
        expect(split["arkit/eyeLookUpRight"]).toBeCloseTo(0.4, 5);
        expect(split["arkit/eyeLookDownRight"]).toBeCloseTo(-0.4, 5);
        expect(forward.applyNamed(split)["flame/eyePose/3"]).toBeCloseTo(gaze["flame/eyePose/3"], 5);
        const side = back.applyNamed({ "flame/jawPose/1": 0.1 });
        expect(side["arkit/jawLeft"]).toBeCloseTo(0.5, 5);
        expect(side["arkit/jawRight"]).toBeCloseTo(-0.5, 5);
    });

    it("setArkitWeights: the 52 names are a type (a typo does not compile), unknown names and weights outside [0, 1] warn once, non-finite weights are refused", () => {
        const scene: Scene = makeScene();
        const avatar = new GemAvatar(model, scene);
        const warnings: string[] = [];
        const warn = Logger.Warn;
        Logger.Warn = (message: string | unknown[]) => void warnings.push(String(message));
        try {
            avatar.setArkitWeights({ jawOpen: 0.5, mouthSmileLeft: 0.25 });
            const expected = evaluateDriver(
                arkit,
                names.map((name) => (name === "jawOpen" ? 0.5 : name === "mouthSmileLeft" ? 0.25 : 0))
            );
            expect(relativeError(avatar.coefficients, expected)).toBeLessThan(1e-6);
            expect(warnings).toEqual([]);
            // @ts-expect-error a typo is a compile error
            avatar.setArkitWeights({ jawOpn: 1 });
            // @ts-expect-error a typo is a compile error
            avatar.setArkitWeights({ jawOpn: 1 });
            expect(warnings.filter((w) => w.includes('"jawOpn"'))).toHaveLength(1);
            avatar.setArkitWeights({ jawOpen: 5 });
            avatar.setArkitWeights({ jawOpen: 5 });
            expect(warnings.filter((w) => w.includes("jawOpen = 5"))).toHaveLength(1);
            const before = avatar.coefficients.slice();
            for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
                expect(() => avatar.setArkitWeights({ mouthSmileRight: bad })).toThrow(
                    expect.objectContaining({ name: "AnimationChannelError", code: "non-finite", channels: ["mouthSmileRight"] })
                );
            }
            expect(Array.from(avatar.coefficients)).toEqual(Array.from(before));
        } finally {
            Logger.Warn = warn;
        }
        avatar.dispose();
    });
});
