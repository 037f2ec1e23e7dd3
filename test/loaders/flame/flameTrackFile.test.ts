import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera.js";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { concatenateFlameTracks, fitFlameTrackToModel } from "../../../core/flame/flameTrack.js";
import { flameTrackFromArrays } from "../../../loaders/flame/flameTrackFile.js";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { GemFormatError } from "../../../core/errors/GemFormatError.js";
import { FlameAvatar } from "../../../plugin/flame/FlameAvatar.js";
import { createFlameTrackAnimationGroup } from "../../../plugin/flame/flameTrackAnimation.js";
import { installSortWorkerStub } from "../../support/nullEngineScene.js";
import { writeNpz, type NpyInput } from "../../../tools/writers/npzWriter.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";

const { model } = parseFlameNpz(createTestFlameNpz(), "test-flame.npz");
const random = createRandom(12);
const f32 = (shape: number[], scale: number): NpyInput => ({
    descr: "<f4",
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (random() * 2 - 1) * scale),
});

/** A track in the VHAP / GaussianAvatars single-file layout. */
function vhapTrack(frames: number, expressionCount = model.expressionCount): Record<string, NpyInput> {
    return {
        rotation: f32([frames, 3], 0.2),
        translation: f32([frames, 3], 0.05),
        neck_pose: f32([frames, 3], 0.2),
        jaw_pose: f32([frames, 3], 0.2),
        eyes_pose: f32([frames, 6], 0.2),
        shape: f32([model.shapeCount], 1),
        expr: f32([frames, expressionCount], 1),
        static_offset: f32([1, 4, 3], 0.001),
    };
}

let engine: NullEngine;
let scene: Scene;
afterEach(() => {
    scene?.dispose();
    engine?.dispose();
});

describe("FLAME tracks", () => {
    it("plays a VHAP single-file track as an AnimationGroup at the source frame rate", () => {
        engine = new NullEngine();
        scene = new Scene(engine);
        new FreeCamera("c", new Vector3(0, 0, -1), scene);
        const track = fitFlameTrackToModel(flameTrackFromArrays(readNpz(writeNpz(vhapTrack(12)), "track.npz"), "track.npz"), model, "track.npz");
        expect(track.frameCount).toBe(12);
        const avatar = new FlameAvatar(model, scene);
        const group = createFlameTrackAnimationGroup(track, avatar, scene, 25);
        expect(group.targetedAnimations.length).toBe(model.expressionCount + 18);
        expect(group.targetedAnimations[0].animation.framePerSecond).toBe(25);
        expect(Array.from(avatar.shape)).toEqual(Array.from(track.shape!));
        group.start(true);
        group.pause();
        for (const frame of [0, 5, 11]) {
            group.goToFrame(frame);
            expect(avatar.expression[3]).toBeCloseTo(track.expression[frame * model.expressionCount + 3], 6);
            expect(avatar.jawPose[0]).toBeCloseTo(track.jawPose[frame * 3], 6);
            expect(avatar.eyePose[5]).toBeCloseTo(track.eyePose[frame * 6 + 5], 6);
            expect(avatar.translation[1]).toBeCloseTo(track.translation[frame * 3 + 1], 6);
        }
        group.dispose();
    });

    it("reads the per-frame NeRF-style export (T = 1 per file) and concatenates in order", () => {
        const files = [0, 1, 2].map((i) => flameTrackFromArrays(readNpz(writeNpz(vhapTrack(1)), `${i}.npz`), `flame_param/0000${i}.npz`));
        const track = concatenateFlameTracks(files, "flame_param/");
        expect(track.frameCount).toBe(3);
        expect(track.jawPose[6]).toBe(files[2].jawPose[0]);
    });

    it("reads np.savez_compressed tracks with an inflater, and refuses them with a clear error without one", () => {
        const deflated = deflateCompressedNpz(vhapTrack(4));
        expect(
            flameTrackFromArrays(
                readNpz(deflated, "c.npz", (d) => new Uint8Array(inflateRawSync(d))),
                "c.npz"
            ).frameCount
        ).toBe(4);
        expect(() => readNpz(deflated, "c.npz")).toThrow(/deflate/);
    });

    it("rejects a track whose expression count differs from the model's, unless truncation is asked for", () => {
        const track = flameTrackFromArrays(readNpz(writeNpz(vhapTrack(5, 100)), "t.npz"), "t.npz");
        expect(() => fitFlameTrackToModel(track, model, "t.npz")).toThrow(/expr components: expected 10/);
        expect(fitFlameTrackToModel(track, model, "t.npz", true).expressionCount).toBe(10);
        const fewer = flameTrackFromArrays(readNpz(writeNpz(vhapTrack(5, 4)), "t.npz"), "t.npz");
        expect(() => fitFlameTrackToModel(fewer, model, "t.npz", true)).toThrow(GemFormatError);
    });

    it("rejects inconsistent frame counts, NaN values and files that are not tracks", () => {
        const bad = vhapTrack(5);
        bad.jaw_pose = f32([4, 3], 0.1);
        expect(() => flameTrackFromArrays(readNpz(writeNpz(bad), "b.npz"), "b.npz")).toThrow(/jaw_pose\.shape/);
        const nan = vhapTrack(5);
        (nan.rotation.data as Float32Array)[7] = NaN;
        expect(() => flameTrackFromArrays(readNpz(writeNpz(nan), "n.npz"), "n.npz")).toThrow(/rotation\[7\]/);
        expect(() => flameTrackFromArrays(readNpz(createTestFlameNpz(), "model.npz"), "model.npz")).toThrow(/expr/);
    });
});

/** A deflate-compressed npz, as np.savez_compressed writes. */
function deflateCompressedNpz(arrays: Record<string, NpyInput>): Uint8Array {
    return writeNpz(arrays, (data) => new Uint8Array(deflateRawSync(data)));
}

describe("FLAME scene loader", () => {
    it("imports a model npz as a FlameAvatar and a track npz as an AnimationGroup on it", async () => {
        const { ImportMeshAsync } = await import("@babylonjs/core/Loading/sceneLoader.js");
        await import("../../../register.js");
        engine = new NullEngine();
        scene = new Scene(engine);
        new FreeCamera("c", new Vector3(0, 0, -1), scene);
        const result = await ImportMeshAsync(createTestFlameNpz(), scene, { pluginExtension: ".npz", name: "head.npz" });
        const avatar = FlameAvatar.FromMesh(result.meshes[0])!;
        expect(avatar.mesh.name).toBe("head");
        expect(result.skeletons).toHaveLength(1);
        expect(avatar.mesh.scaling.z).toBe(-1);
        const compressed = deflateCompressedNpz(vhapTrack(6));
        const tracks = await ImportMeshAsync(compressed, scene, { pluginExtension: ".npz", name: "track.npz", pluginOptions: { flame: { targetAvatar: avatar, frameRate: 25 } } });
        expect(tracks.animationGroups).toHaveLength(1);
        expect(tracks.animationGroups[0].to).toBe(5);
        await expect(ImportMeshAsync(compressed, scene, { pluginExtension: ".npz", name: "track.npz" })).rejects.toThrow(/targetAvatar/);
        const wrong = writeNpz(vhapTrack(3, 100));
        await expect(ImportMeshAsync(wrong, scene, { pluginExtension: ".npz", name: "t100.npz", pluginOptions: { flame: { targetAvatar: avatar } } })).rejects.toThrow(
            /expr components/
        );
    });
});

describe("FLAME scene loader with rigged Gaussians", () => {
    it("loads a model npz carrying gaussians_* keys, a rig-only npz and a GaussianAvatars PLY onto a target avatar", async () => {
        const { ImportMeshAsync } = await import("@babylonjs/core/Loading/sceneLoader.js");
        await import("../../../register.js");
        const { RiggedGaussianAvatar } = await import("../../../plugin/flame/RiggedGaussianAvatar.js");
        const { createTestRig } = await import("../../../tools/synthetic/testRig.js");
        const { riggedGaussianArrays, createTestFlameArraysForRig } = await loadWriters();
        const { writeGaussianAvatarsPly } = await import("../../../tools/writers/gaussianPlyWriter.js");
        engine = new NullEngine();
        scene = new Scene(engine);
        new FreeCamera("c", new Vector3(0, 0, -1), scene);
        installSortWorkerStub();
        const rig = createTestRig(model, 2);
        const combined = writeNpz({ ...createTestFlameArraysForRig(), ...riggedGaussianArrays(rig) });
        const result = await ImportMeshAsync(combined, scene, { pluginExtension: ".npz", name: "rigged.npz" });
        expect(result.meshes).toHaveLength(2);
        const avatar = FlameAvatar.FromMesh(result.meshes[0])!;
        expect(result.meshes[1].parent).toBe(avatar.mesh);
        const rigOnly = await ImportMeshAsync(writeNpz(riggedGaussianArrays(rig)), scene, {
            pluginExtension: ".npz",
            name: "rig.npz",
            pluginOptions: { flame: { targetAvatar: avatar } },
        });
        expect(rigOnly.meshes).toHaveLength(1);
        const ply = await ImportMeshAsync(writeGaussianAvatarsPly(rig), scene, {
            pluginExtension: ".npz",
            name: "point_cloud.ply",
            pluginOptions: { flame: { targetAvatar: avatar } },
        });
        expect(ply.meshes).toHaveLength(1);
        const bad = { ...riggedGaussianArrays(rig) };
        bad.gaussians_binding = { descr: "<i4", shape: [rig.count], data: Int32Array.from(rig.binding, () => 99999) };
        await expect(ImportMeshAsync(writeNpz(bad), scene, { pluginExtension: ".npz", name: "bad.npz", pluginOptions: { flame: { targetAvatar: avatar } } })).rejects.toThrow(
            /gaussians_binding\[0\]/
        );
        // CPU fallback on NullEngine: the Gaussians are placed where the reference puts them.
        const rigged = new RiggedGaussianAvatar(rig, avatar, scene);
        expect(rigged.pass).toBeNull();
        expect(rigged.renderCount).toBe(1);
        rigged.dispose();
    });
});

async function loadWriters() {
    const { riggedGaussianArrays } = await import("../../../tools/writers/npzWriter.js");
    const { createTestFlameArrays } = await import("../../../tools/synthetic/testFlameModel.js");
    return { riggedGaussianArrays, createTestFlameArraysForRig: () => createTestFlameArrays() };
}
