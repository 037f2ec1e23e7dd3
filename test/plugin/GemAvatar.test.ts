import { ImportMeshAsync, LoadAssetContainerAsync, SceneLoader } from "@babylonjs/core/Loading/sceneLoader.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { GemFileLoader } from "../../loaders/gem/GemFileLoader.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import "../../register.js";
import { serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { evaluateDriver, flameDriverInputs } from "../../core/gemDrivers.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { GemBasisTextures } from "../../materials/GemBasisTextures.js";
import { createRandomModel } from "../../tools/synthetic/syntheticModels.js";
import { postedToSortWorkers, sortWorkerState, useNullEngineScene } from "../support/nullEngineScene.js";

// The splat mesh's sort worker is a stub that records what it is sent.
const posted = postedToSortWorkers;
const makeScene = useNullEngineScene();
let scene: Scene;

function setup(): Scene {
    scene = makeScene();
    return scene;
}

const model = createRandomModel({ gaussianCount: 700, seed: 4 });
const file = serializeGemFile(model, { basisDtype: "float16" });

describe("GemAvatar and the .gem loader on NullEngine", () => {
    it("imports through ImportMeshAsync from bytes, with the given name and initial coefficients", async () => {
        setup();
        const coefficients = Array.from({ length: model.totalComponents }, (_, i) => (i % 3) * 0.5);
        const result = await ImportMeshAsync(file, scene, { pluginExtension: ".gem", name: "actor.gem", pluginOptions: { gem: { coefficients } } });
        expect(result.meshes).toHaveLength(1);
        const avatar = GemAvatar.FromMesh(result.meshes[0])!;
        expect(avatar).toBeTruthy();
        expect(avatar.mesh.name).toBe("actor");
        expect(Array.from(avatar.coefficients)).toEqual(coefficients.map(Math.fround));
        expect(avatar.mesh.gaussianCount).toBe(700);
        expect(avatar.mesh.scaling.z).toBe(-1); // right-handed data in a left-handed scene
        expect(scene.meshes).toContain(avatar.mesh);
    });

    it("imports the committed default avatar from a data URL", async () => {
        setup();
        const bytes = readFileSync(resolve(__dirname, "../../samples/assets/cartoon-head.gem"));
        const result = await ImportMeshAsync(`data:application/octet-stream;base64,${bytes.toString("base64")}`, scene, { pluginExtension: ".gem" });
        const avatar = GemAvatar.FromMesh(result.meshes[0])!;
        expect(avatar.model.getGroup("position").componentNames![0]).toBe("geometry.0");
        // FLAME parameters drive it through the stored map.
        const driver = avatar.model.getDriver("flame")!;
        avatar.setFlameParameters({ jawPose: [0.25, 0, 0], expression: [1] });
        const expected = evaluateDriver(driver, flameDriverInputs(driver, { jawPose: [0.25, 0, 0], expression: [1] }));
        expect(Array.from(avatar.coefficients)).toEqual(Array.from(expected));
        expect(avatar.coefficients.some((c) => c !== 0)).toBe(true);
        // Its track, through the FLAME loader, becomes an AnimationGroup over the coefficients.
        const track = readFileSync(resolve(__dirname, "../../samples/assets/cartoon-head-track.npz"));
        const tracks = await ImportMeshAsync(new Uint8Array(track), scene, { pluginExtension: ".npz", pluginOptions: { flame: { targetAvatar: avatar } } });
        const group = tracks.animationGroups[0];
        expect(group.targetedAnimations).toHaveLength(avatar.model.totalComponents);
        expect(group.targetedAnimations[0].animation.targetProperty).toBe("coefficients.0");
        group.start(false);
        group.goToFrame(100);
        group.pause();
        const keys = group.targetedAnimations.map((t) => t.animation.getKeys()[100].value as number);
        expect(Array.from(avatar.coefficients)).toEqual(keys.map(Math.fround));
    });

    it("refuses to play a FLAME track on a GEM model without a FLAME map", async () => {
        setup();
        const result = await ImportMeshAsync(file, scene, { pluginExtension: ".gem" });
        const avatar = GemAvatar.FromMesh(result.meshes[0])!;
        const track = readFileSync(resolve(__dirname, "../../samples/assets/cartoon-head-track.npz"));
        await expect(ImportMeshAsync(new Uint8Array(track), scene, { pluginExtension: ".npz", name: "t.npz", pluginOptions: { flame: { targetAvatar: avatar } } })).rejects.toThrow(
            /flame driver map/
        );
        expect(() => avatar.setFlameParameters({})).toThrow(/no "flame" driver/);
    });

    it("rejects a corrupt file with a GemFormatError naming the file", async () => {
        setup();
        const bad = file.slice(0, file.byteLength - 8);
        await expect(ImportMeshAsync(bad, scene, { pluginExtension: ".gem", name: "broken.gem" })).rejects.toSatisfy(
            (e: unknown) => e instanceof GemFormatError || /broken\.gem/.test(String((e as Error).message))
        );
        expect(scene.meshes).toHaveLength(0);
    });

    it("LoadAssetContainerAsync keeps the mesh and material out of the scene until added", async () => {
        setup();
        const container = await LoadAssetContainerAsync(file, scene, { pluginExtension: ".gem" });
        expect(container.meshes).toHaveLength(1);
        expect(scene.meshes).not.toContain(container.meshes[0]);
        container.addAllToScene();
        expect(scene.meshes).toContain(container.meshes[0]);
        container.dispose();
        expect(scene.meshes).toHaveLength(0);
    });

    it("validates coefficients: wrong lengths, unknown groups and non-finite values throw", () => {
        setup();
        const avatar = new GemAvatar(model, scene);
        expect(() => avatar.setCoefficients([1, 2])).toThrow(RangeError);
        expect(() => avatar.setCoefficients(new Array(model.totalComponents).fill(NaN))).toThrow(/NaN/);
        expect(() => avatar.setGroupCoefficients("nose", [1])).toThrow(/no group "nose"/);
        expect(() => avatar.setGroupCoefficients("position", new Array(99).fill(0))).toThrow(RangeError);
        avatar.setGroupCoefficients("scale", [0.5]);
        expect(avatar.getGroupCoefficients("scale")[0]).toBe(0.5);
        expect(avatar.coefficients[model.coefficientOffsets[2]]).toBe(0.5);
    });

    it("falls back to CPU reconstruction where multiple float render targets are missing", () => {
        setup();
        const avatar = new GemAvatar(model, scene);
        expect(avatar.reconstructionPass).toBeNull();
        scene.render();
        expect(avatar.reconstructionCount).toBe(1);
        expect(avatar.isUpToDate).toBe(true);
        expect(avatar.mesh.splatCount).toBeGreaterThanOrEqual(700);
        scene.render();
        expect(avatar.reconstructionCount).toBe(1); // nothing changed, nothing redone
        avatar.coefficients[1] = 1;
        scene.render();
        expect(avatar.reconstructionCount).toBe(2);
        avatar.dispose();
    });

    it("dispose releases every texture, observer, material and mesh it created, over repeated cycles", async () => {
        setup();
        const textures = () => scene.textures.length;
        const baseline = { textures: textures(), meshes: scene.meshes.length, materials: scene.materials.length, observers: scene.onBeforeRenderObservable.observers.length };
        for (let cycle = 0; cycle < 100; cycle++) {
            const a = new GemAvatar(model, scene, { name: "a" });
            const b = new GemAvatar(model, scene, { name: "b" });
            scene.render();
            expect(textures()).toBeGreaterThan(baseline.textures);
            a.dispose();
            b.mesh.dispose(); // disposing the mesh disposes its avatar
            expect(b.mesh.gemAvatar).toBeNull();
        }
        // Babylon removes observers on the next tick.
        await new Promise((resolve) => setTimeout(resolve, 0));
        expect(textures()).toBe(baseline.textures);
        expect(scene.meshes.length).toBe(baseline.meshes);
        expect(scene.materials.length).toBe(baseline.materials);
        expect(scene.onBeforeRenderObservable.observers.length).toBe(baseline.observers);
    });

    it("basis textures are shared per model and engine, and released with the last holder", () => {
        setup();
        const count = () => scene.textures.length;
        const before = count();
        const first = GemBasisTextures.Acquire(model, scene);
        const second = GemBasisTextures.Acquire(model, scene);
        expect(second).toBe(first);
        expect(first.referenceCount).toBe(2);
        // Five means and four bases (colour is static).
        expect(count() - before).toBe(9);
        expect(first.groups[4].basis).toBeNull();
        first.release();
        expect(count() - before).toBe(9);
        second.release();
        expect(count()).toBe(before);
        const third = GemBasisTextures.Acquire(model, scene);
        expect(third).not.toBe(first);
        expect(third.referenceCount).toBe(1);
        third.release();
    });

    it("sends the deformed centres to the sort worker when coefficients change", () => {
        setup();
        const avatar = new GemAvatar(model, scene);
        scene.render();
        posted.length = 0;
        avatar.coefficients[0] = 2;
        expect(avatar.update()).toBe(true);
        const group = model.groups[0];
        const sigma = Math.sqrt(group.eigenvalues[0]);
        const basis = group.basis!.data as Float32Array;
        expect(posted.some((message) => message.command === "positionsUpdate")).toBe(true);
        // What the sort worker now holds.
        const positions = sortWorkerState.positions!;
        for (const g of [0, 17, 699]) {
            for (let c = 0; c < 3; c++) {
                expect(positions[4 * g + c]).toBeCloseTo(group.mean[3 * g + c] + 2 * sigma * basis[3 * g + c], 6);
            }
        }
        // Unchanged coefficients: no new work.
        posted.length = 0;
        expect(avatar.update()).toBe(false);
        expect(posted).toHaveLength(0);
        avatar.dispose();
    });
});

describe("the loader reads upstream GEM checkpoints directly", () => {
    it("imports a .ptk through ImportMeshAsync", async () => {
        setup();
        const ptk = readFileSync(resolve(__dirname, "../fixtures/upstream-gem-tiny.ptk"));
        const result = await ImportMeshAsync(new Uint8Array(ptk), scene, { pluginExtension: ".ptk", name: "UNION10_253.ptk" });
        const avatar = GemAvatar.FromMesh(result.meshes[0])!;
        expect(avatar.mesh.name).toBe("UNION10_253");
        expect(avatar.model.gaussianCount).toBe(50);
        expect(avatar.model.totalComponents).toBe(9);
    });
});

describe("Babylon's conventions on GEM avatars", () => {
    it("types pluginOptions.gem, raises onModelParsedObservable on the loader SceneLoader activates, and loads no performance from bytes", async () => {
        setup();
        const parsed: number[] = [];
        const observer = SceneLoader.OnPluginActivatedObservable.add((plugin) => {
            if (plugin instanceof GemFileLoader) {
                plugin.onModelParsedObservable.add((m) => parsed.push(m.gaussianCount));
            }
        });
        const result = await ImportMeshAsync(file, scene, { pluginExtension: ".gem", pluginOptions: { gem: { performance: true, name: "typed" } } });
        SceneLoader.OnPluginActivatedObservable.remove(observer);
        expect(parsed).toEqual([700]);
        expect(result.meshes[0].name).toBe("typed");
        // From bytes there is no file URL to resolve a performance against, nor to keep for scene files.
        expect(result.animationGroups).toEqual([]);
        expect(GemAvatar.FromMesh(result.meshes[0])!.source).toBe(null);
    });

    it("dispose(doNotRecurse) keeps the mesh's children, as AbstractMesh.dispose(true) does; dispose() takes them along", () => {
        setup();
        const keep = new GemAvatar(model, scene, { name: "keep" });
        const hat = new TransformNode("hat", scene);
        hat.parent = keep.mesh;
        keep.dispose(true);
        expect(keep.mesh.isDisposed()).toBe(true);
        expect(hat.isDisposed()).toBe(false);
        const take = new GemAvatar(model, scene, { name: "take" });
        const glasses = new TransformNode("glasses", scene);
        glasses.parent = take.mesh;
        take.dispose();
        expect(glasses.isDisposed()).toBe(true);
    });
});
