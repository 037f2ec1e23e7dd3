/**
 * LAM avatar zips: a synthetic zip in LAM's layout (tools/synthetic/lamAvatar.ts, built from ICT-FaceKit's face) loads
 * through the scene loader (glTF parts read by Babylon's own glTF loader) as a GEM avatar whose centres follow LAM's
 * renderer exactly: rest vertex + offset + Σ ARKit weight × morph delta; several load into one scene, each driven on
 * its own; damaged zips give typed errors.
 */
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { deflateRawSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { ArkitBlendshapeNames } from "../../../core/animation/arkitBlendshapes.js";
import { arkitChannelNames } from "../../../core/animation/channelNames.js";
import { reconstructGaussians } from "../../../core/gemReconstruction.js";
import { RegisterGemAvatarLoaders } from "../../../loaders/dynamic.js";
import { registerBuiltInLoaders } from "@babylonjs/loaders/dynamic.js";
import { parseLamOffsetPly } from "../../../loaders/lam/lamGaussians.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { GemAvatar } from "../../../plugin/GemAvatar.js";
import { readIctFaceKit } from "../../../tools/synthetic/ictFaceKitFile.js";
import { createLamAvatarParts, zipLamAvatar, type LamAvatarParts } from "../../../tools/synthetic/lamAvatar.js";
import { writeZip } from "../../../tools/writers/npzWriter.js";
import { useNullEngineScene } from "../../support/nullEngineScene.js";

const deflate = (data: Uint8Array) => new Uint8Array(deflateRawSync(data));
const makeScene = useNullEngineScene();
let parts: LamAvatarParts;
let zip: Uint8Array;

/** Largest difference between reconstructed centres and LAM's: rest vertex + offset + Σ weight × morph delta. */
function worstCentreError(positions: Float32Array, weights: Readonly<Record<string, number>>): number {
    const g = parts.offsets.length / 3;
    let worst = 0;
    for (let i = 0; i < 3 * g; i++) {
        let expected = parts.vertices[i] + parts.offsets[i];
        for (const [name, w] of Object.entries(weights)) {
            expected += w * parts.morphDeltas[parts.morphNames.indexOf(name) * 3 * g + i];
        }
        worst = Math.max(worst, Math.abs(positions[i] - expected));
    }
    return worst;
}

async function load(scene: Scene, bytes: Uint8Array, name: string): Promise<GemAvatar> {
    // Babylon's scene loader wraps a plugin's error in a RuntimeError; the typed error is its innerError.
    const result = await ImportMeshAsync(bytes, scene, { pluginExtension: ".zip", name }).catch((error: { innerError?: unknown }) => {
        throw error.innerError ?? error;
    });
    const avatar = GemAvatar.FromMesh(result.meshes[0]);
    expect(avatar).not.toBeNull();
    return avatar!;
}

describe("LAM avatar zips", () => {
    beforeAll(() => {
        RegisterGemAvatarLoaders();
        registerBuiltInLoaders();
        parts = createLamAvatarParts(readIctFaceKit(), { vertices: 1500 });
        zip = zipLamAvatar(parts, deflate);
    });

    it("load as an ARKit-driven GEM avatar whose centres are LAM's: rest vertex + offset + Σ weight × morph delta", async () => {
        const scene = makeScene();
        const avatar = await load(scene, zip, "synthetic.zip");
        const model = avatar.model;
        expect(model.gaussianCount).toBe(1500);
        expect(model.coefficientUnits).toBe("raw");
        expect(model.getGroup("position").components).toBe(parts.morphNames.length);
        expect(model.getDriver("arkit")!.inputs).toEqual(parts.morphNames);
        expect(parts.morphNames.length).toBe(51);
        // Head pose pivots about the head bone's rest position (hip + neckUpper + head translations).
        expect(Array.from(model.headJoints!.neck)).toEqual([expect.closeTo(0, 6), expect.closeTo(-0.06, 6), expect.closeTo(-0.02, 6)]);
        const weights: Record<string, number> = { jawOpen: 0.8, mouthSmileLeft: 0.5, eyeBlinkRight: 1 };
        avatar.setArkitWeights(weights);
        const ours = reconstructGaussians(model, avatar.coefficients);
        expect(worstCentreError(ours.positions, weights)).toBeLessThan(1e-6);
        // Colours are LAM's f_dc read as RGB, scales exp'd, opacities sigmoid'd.
        const ply = parseLamOffsetPly(parts.offsetPly, "offset.ply");
        expect(Array.from(ours.colors.subarray(0, 6))).toEqual(Array.from(ply.colors.subarray(0, 6)));
        expect(ours.scales[0]).toBeCloseTo(0.0016, 7);
        expect(ours.opacities[0]).toBeCloseTo(1 / (1 + Math.exp(-4)), 6);
        const lam = avatar.mesh.metadata.lam;
        expect(lam.animationGlb).toMatch(/present/);
        expect(lam.vertexOrder).toMatch(/^1500 indices/);
        expect(model.metadata.vertexPairing).toMatch(/row i ↔ skin.glb vertex i/);
        avatar.dispose();
    });

    it("loads an export whose skin.glb reorders the vertices through vertex_order.json, and refuses one it cannot pair", async () => {
        const scene = makeScene();
        const reordered = createLamAvatarParts(readIctFaceKit(), { vertices: 1500, exportOrder: "reordered" });
        // The same avatar: identical ply rows, the glb's vertices in another order.
        expect(reordered.offsetPly).toEqual(parts.offsetPly);
        expect(reordered.rowOfGlbVertex.some((row, j) => row !== j)).toBe(true);
        const expected = reconstructGaussians((await load(scene, zip, "flame-order.zip")).model, new Float32Array(parts.morphNames.length));
        const avatar = await load(scene, zipLamAvatar(reordered, deflate), "reordered.zip");
        expect(avatar.model.metadata.vertexPairing).toMatch(/through vertex_order.json and the skin sorted along -z/);
        const weights = { jawOpen: 0.7, mouthPucker: 0.4 };
        avatar.setArkitWeights(weights);
        const ours = reconstructGaussians(avatar.model, avatar.coefficients);
        expect(worstCentreError(ours.positions, weights)).toBeLessThan(1e-6);
        expect(Array.from(ours.colors)).toEqual(Array.from(expected.colors));
        // Read row i ↔ vertex i (as LAM's renderer does), that export is a scrambled cloud: the loader never draws it.
        const folder = `${reordered.id}/`;
        const withoutOrder = writeZip({ [`${folder}skin.glb`]: reordered.skinGlb, [`${folder}offset.ply`]: reordered.offsetPly });
        await expect(load(scene, withoutOrder, "scrambled.zip")).rejects.toMatchObject({
            name: "GemFormatError",
            code: "invalid-descriptor",
            field: "offset.ply ↔ skin.glb vertex order",
        });
        // A vertex_order.json that is not the rows by height (here shuffled) cannot pair them either.
        const shuffledOrder = [...reordered.vertexOrder];
        for (let i = shuffledOrder.length - 1; i > 0; i--) {
            const j = (i * 7919) % (i + 1);
            [shuffledOrder[i], shuffledOrder[j]] = [shuffledOrder[j], shuffledOrder[i]];
        }
        const wrongOrder = writeZip({
            [`${folder}skin.glb`]: reordered.skinGlb,
            [`${folder}offset.ply`]: reordered.offsetPly,
            [`${folder}vertex_order.json`]: new TextEncoder().encode(JSON.stringify(shuffledOrder)),
        });
        await expect(load(scene, wrongOrder, "wrong-order.zip")).rejects.toMatchObject({ field: "offset.ply ↔ skin.glb vertex order" });
        // Not a permutation of the vertices.
        const notPermutation = writeZip({
            [`${folder}skin.glb`]: reordered.skinGlb,
            [`${folder}offset.ply`]: reordered.offsetPly,
            [`${folder}vertex_order.json`]: new TextEncoder().encode(JSON.stringify(new Array(1500).fill(3))),
        });
        await expect(load(scene, notPermutation, "repeated.zip")).rejects.toMatchObject({
            field: "offset.ply ↔ skin.glb vertex order",
            actual: expect.stringMatching(/not a permutation/),
        });
        // Where row i ↔ vertex i is right, the list is not needed: a stale one does not refuse the avatar.
        const stale = writeZip({
            [`${parts.id}/skin.glb`]: parts.skinGlb,
            [`${parts.id}/offset.ply`]: parts.offsetPly,
            [`${parts.id}/vertex_order.json`]: new TextEncoder().encode(JSON.stringify([0, 1, 2])),
        });
        expect((await load(scene, stale, "stale-order.zip")).model.metadata.vertexPairing).toMatch(/row i ↔ skin.glb vertex i/);
    });

    it("puts several in one scene, each driven through its own animator by ARKit channels", async () => {
        const scene = makeScene();
        const a = await load(scene, zip, "a.zip");
        const b = await load(scene, zip, "b.zip");
        const animators = [a, b].map((avatar) => AvatarAnimator.Attach(avatar));
        expect(animators[0].spaces).toEqual(["flame", "arkit", "gem"]);
        animators[0].addLayer({ name: "face", channels: arkitChannelNames(false) }).setChannels({ "arkit/jawOpen": 1 });
        animators[1].addLayer({ name: "face", channels: arkitChannelNames(false) }).setChannels({ "arkit/mouthPucker": 1 });
        scene.render();
        const jaw = parts.morphNames.indexOf("jawOpen");
        const pucker = parts.morphNames.indexOf("mouthPucker");
        expect(a.coefficients[jaw]).toBeCloseTo(1, 6);
        expect(a.coefficients[pucker]).toBe(0);
        expect(b.coefficients[pucker]).toBeCloseTo(1, 6);
        expect(b.coefficients[jaw]).toBe(0);
        expect(ArkitBlendshapeNames).toContain("mouthPucker");
        expect(scene.meshes.filter((m) => m.getClassName() === "GemSplatMesh").length).toBe(2);
        // The temporary glTF containers left nothing behind.
        expect(scene.skeletons.length).toBe(0);
        expect(scene.morphTargetManagers.length).toBe(0);
    });

    it("refuses damaged zips with typed errors naming what is wrong", async () => {
        const scene = makeScene();
        const folder = `${parts.id}/`;
        const files = { [`${folder}skin.glb`]: parts.skinGlb, [`${folder}offset.ply`]: parts.offsetPly };
        await expect(load(scene, writeZip({ [`${folder}offset.ply`]: parts.offsetPly }), "noskin.zip")).rejects.toMatchObject({
            name: "GemFormatError",
            field: "offset.ply, skin.glb",
        });
        const fewer = createLamAvatarParts(readIctFaceKit(), { vertices: 1400 });
        await expect(load(scene, writeZip({ ...files, [`${folder}offset.ply`]: fewer.offsetPly }), "mismatch.zip")).rejects.toMatchObject({
            name: "GemFormatError",
            code: "size-mismatch",
            field: "skin.glb mesh",
        });
        await expect(load(scene, writeZip({ ...files, [`${folder}vertex_order.json`]: new TextEncoder().encode('{"a": 1}') }), "order.zip")).rejects.toMatchObject({
            field: "vertex_order.json",
        });
        await expect(load(scene, writeZip({ ...files, [`${folder}skin.glb`]: parts.skinGlb.slice(0, 100) }), "cut.zip")).rejects.toMatchObject({
            name: "GemFormatError",
            field: "skin.glb",
        });
    });
});
