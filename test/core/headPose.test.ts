import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFlameNpz } from "../../loaders/flame/flameModelFile.js";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { AvatarAnimator } from "../../plugin/animation/AvatarAnimator.js";
import { arkitChannelNames } from "../../core/animation/channelNames.js";
import { flameJoints, flameShapedVertices, flameSkinningTransforms, rodrigues } from "../../core/flame/flameForward.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import "../../register.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { GemModel } from "../../core/GemModel.js";
import { headPoseMatrix, type GemHeadJoints } from "../../core/headPose.js";
import { createRandom, createRandomModel } from "../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz } from "../../tools/synthetic/testFlameModel.js";
import { useNullEngineScene } from "../support/nullEngineScene.js";

const assets = resolve(__dirname, "../../samples/assets");
const headModel = parseGemFile(readFileSync(resolve(assets, "cartoon-head.gem")), "cartoon-head.gem");
const makeScene = useNullEngineScene();

/** Applies a row-major column-vector 4 × 4 matrix to a point. */
function applyColumnMatrix(m: ArrayLike<number>, p: ArrayLike<number>): number[] {
    return [0, 1, 2].map((row) => m[4 * row] * p[0] + m[4 * row + 1] * p[1] + m[4 * row + 2] * p[2] + m[4 * row + 3]);
}

/** Largest |a − b| relative to the largest |b| (NaN never passes: the comparison with a number fails). */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let worst = 0;
    let scale = 1e-12;
    for (let i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(b[i]));
    }
    return Number.isNaN(worst) ? Infinity : worst / scale;
}

describe("GEM head pose (FLAME's neck-joint transform, applied rigidly)", () => {
    const { model: flame } = parseFlameNpz(createTestFlameNpz(), "test-flame.npz");
    const random = createRandom(41);
    const uniform = (range: number) => (random() * 2 - 1) * range;

    it("equals FLAME's kinematic chain: the neck joint's skinning transform A₁ plus translation, on random poses", () => {
        for (let trial = 0; trial < 20; trial++) {
            const shape = Array.from({ length: flame.shapeCount }, () => uniform(2));
            const joints = flameJoints(flame, flameShapedVertices(flame, shape));
            const pose = { globalPose: [0, 1, 2].map(() => uniform(0.6)), neckPose: [0, 1, 2].map(() => uniform(0.5)), translation: [0, 1, 2].map(() => uniform(0.2)) };
            const rotations = new Float64Array(flame.jointCount * 9);
            rotations.set(rodrigues(pose.globalPose), 0);
            rotations.set(rodrigues(pose.neckPose), 9);
            for (let j = 2; j < flame.jointCount; j++) {
                rotations.set(rodrigues([0, 0, 0]), 9 * j);
            }
            const a1 = flameSkinningTransforms(flame, rotations, joints).subarray(16, 32);
            const headJoints: GemHeadJoints = { global: joints.slice(0, 3), neck: joints.slice(3, 6) };
            const ours = headPoseMatrix(pose, headJoints);
            for (let p = 0; p < 8; p++) {
                const x = [uniform(0.15), uniform(0.15), uniform(0.15)];
                const expected = applyColumnMatrix(a1, x).map((v, i) => v + pose.translation[i]);
                expect(relativeError(applyColumnMatrix(ours, x), expected)).toBeLessThan(1e-6);
            }
        }
    });

    it("is the identity at zero pose, and a zero neck pose rotates about the root joint (upstream's root_RT)", () => {
        const joints: GemHeadJoints = { global: Float32Array.of(0, -0.14, -0.01), neck: Float32Array.of(0, -0.1, 0) };
        expect(relativeError(headPoseMatrix({}, joints), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])).toBeLessThan(1e-12);
        const m = headPoseMatrix({ globalPose: [0.3, -0.2, 0.1] }, joints);
        expect(relativeError(applyColumnMatrix(m, joints.global), joints.global)).toBeLessThan(1e-6);
    });

    it("poses a GemAvatar's mesh: world = placement ∘ head pose, in a left-handed scene mirrored in z as well", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(headModel, scene, { convertToSceneHandedness: true });
        avatar.mesh.position.set(0.5, 1.2, -0.3);
        avatar.mesh.rotation.y = 0.7;
        const placement = avatar.mesh.computeWorldMatrix(true).clone();
        const pose = { globalPose: [0.1, 0.4, -0.05], neckPose: [0.2, -0.1, 0], translation: [0.01, -0.02, 0.03] };
        avatar.setHeadPose(pose);
        const world = avatar.mesh.computeWorldMatrix(true);
        const m = headPoseMatrix(pose, headModel.headJoints);
        for (let p = 0; p < 8; p++) {
            const x = [uniform(0.1), uniform(0.1), uniform(0.1)];
            const posed = applyColumnMatrix(m, x);
            const expected = Vector3.TransformCoordinates(Vector3.FromArray(posed), placement);
            const actual = Vector3.TransformCoordinates(Vector3.FromArray(x), world);
            expect(relativeError(actual.asArray(), expected.asArray())).toBeLessThan(1e-5);
        }
        expect(Array.from(avatar.headPose.neckPose)).toEqual(Array.from(Float32Array.from(pose.neckPose)));
        avatar.setHeadPose({ globalPose: [0, 0, 0], neckPose: [0, 0, 0], translation: [0, 0, 0] });
        expect(avatar.mesh.computeWorldMatrix(true).equalsWithEpsilon(placement, 1e-6)).toBe(true);
        expect(() => avatar.setHeadPose({ neckPose: [0, NaN, 0] })).toThrow(RangeError);
        expect(() => avatar.setHeadPose({ translation: [0, 0] })).toThrow(/3 values/);
        avatar.dispose();
    });

    it("setFlameParameters poses the head from global pose, neck and translation; non-finite values count as 0", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(headModel, scene);
        avatar.setFlameParameters({ expression: [0.5], globalPose: [0, 0.3, 0], translation: [0, NaN, 0.02] });
        expect(Array.from(avatar.headPose.globalPose)).toEqual([0, Math.fround(0.3), 0]);
        expect(Array.from(avatar.headPose.translation)).toEqual([0, 0, Math.fround(0.02)]);
        avatar.dispose();
    });

    it("the animator writes FLAME head channels to the head pose (ARKit head yaw through the neck), or not with headPose: false", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(headModel, scene);
        const animator = AvatarAnimator.Attach(avatar);
        const flame = animator.addLayer({ name: "pose", channels: ["flame/globalPose/0", "flame/translation/2"] });
        flame.setChannels({ "flame/globalPose/0": 0.25, "flame/translation/2": 0.05 });
        scene.render();
        expect(avatar.headPose.globalPose[0]).toBeCloseTo(0.25, 6);
        expect(avatar.headPose.translation[2]).toBeCloseTo(0.05, 6);
        flame.setChannels({ "flame/globalPose/0": 0, "flame/translation/2": 0 });
        const arkit = animator.addLayer({ name: "arkit", channels: arkitChannelNames() });
        arkit.setChannel("arkit/headYaw", 0.4);
        scene.render();
        expect(avatar.headPose.neckPose[1]).toBeCloseTo(0.4, 6);
        const tip = Vector3.TransformCoordinates(new Vector3(0, 0, 0.1), avatar.mesh.computeWorldMatrix(true));
        expect(tip.x).toBeGreaterThan(0.03); // yaw about +y turns +z towards +x
        animator.dispose();
        avatar.dispose();

        const still = new GemAvatar(headModel, scene);
        const noPose = AvatarAnimator.Attach(still, { headPose: false });
        noPose.addLayer({ name: "pose", channels: ["flame/globalPose/1"] }).setChannel("flame/globalPose/1", 0.5);
        scene.render();
        expect(still.headPose.globalPose[1]).toBe(0);
        expect(still.mesh.computeWorldMatrix(true).isIdentity()).toBe(true);
        noPose.dispose();
        still.dispose();
    });

    it("the loader takes joints for files that lack them (upstream checkpoints), and a file's own joints win", async () => {
        const scene = makeScene();
        const joints = { global: [0, -0.12, -0.01], neck: [0, -0.08, 0] };
        const plain = createRandomModel({ gaussianCount: 40, seed: 3, components: { position: 2, opacity: 0, scale: 0, rotation: 0 } });
        const loaded = await ImportMeshAsync(serializeGemFile(plain), scene, { pluginExtension: ".gem", name: "plain.gem", pluginOptions: { gem: { flameJoints: joints } } });
        expect(Array.from(GemAvatar.FromMesh(loaded.meshes[0])!.model.headJoints!.neck)).toEqual(Array.from(Float32Array.from(joints.neck)));
        const own = await ImportMeshAsync(readFileSync(resolve(assets, "cartoon-head.gem")), scene, {
            pluginExtension: ".gem",
            name: "own.gem",
            pluginOptions: { gem: { flameJoints: joints } },
        });
        expect(Array.from(GemAvatar.FromMesh(own.meshes[0])!.model.headJoints!.neck)).toEqual(Array.from(headModel.headJoints!.neck));
    });

    it("reads the joints from the model's metadata and rejects malformed ones with a typed error naming the field", () => {
        expect(headModel.headJoints!.neck[1]).toBeLessThan(headModel.headJoints!.global[1] + 0.1);
        expect(headModel.headJoints!.neck[1]).toBeGreaterThan(headModel.headJoints!.global[1]);
        const model = createRandomModel({ gaussianCount: 50, seed: 2, components: { position: 2, opacity: 0, scale: 0, rotation: 0 } });
        expect(model.headJoints).toBeNull();
        const withJoints = (flameJoints: unknown) =>
            new GemModel({ gaussianCount: model.gaussianCount, groups: [...model.groups], metadata: { flameJoints }, fileName: "head.gem" });
        expect(() => withJoints({ global: [0, 0, 0], neck: [0, NaN, 0] })).toThrow(expect.objectContaining({ name: "GemFormatError", field: "metadata.flameJoints.neck" }));
        expect(() => withJoints([1, 2, 3])).toThrow(GemFormatError);
        expect(() => withJoints({ global: [0, 0], neck: [0, 0, 0] })).toThrow(/head\.gem: metadata\.flameJoints\.global: expected 3 finite numbers/);
        const bytes = serializeGemFile(withJoints({ global: [0, -0.1, 0], neck: [0, -0.05, 0.01] }));
        expect(Array.from(parseGemFile(bytes, "round-trip.gem").headJoints!.neck)).toEqual(Array.from(Float32Array.of(0, -0.05, 0.01)));
    });
});
