import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera.js";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { afterEach, describe, expect, it } from "vitest";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { FlameAvatar } from "../../../plugin/flame/FlameAvatar.js";
import { flameForward, type FlameParameters } from "../../../core/flame/flameForward.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";

const { model } = parseFlameNpz(createTestFlameNpz(), "test-flame.npz");
let engine: NullEngine;
let scene: Scene;

afterEach(() => {
    scene?.dispose();
    engine?.dispose();
});

function randomParameters(random: () => number): FlameParameters {
    const r = (scale: number) => (random() * 2 - 1) * scale;
    return {
        shape: Array.from({ length: model.shapeCount }, () => r(2)),
        expression: Array.from({ length: model.expressionCount }, () => r(2)),
        globalPose: [r(0.4), r(0.6), r(0.2)],
        neckPose: [r(0.3), r(0.3), r(0.2)],
        jawPose: [Math.abs(r(0.4)), r(0.05), 0],
        eyePose: Array.from({ length: 6 }, () => r(0.3)),
        translation: [r(0.1), r(0.1), r(0.1)],
        eyelids: [Math.abs(r(1)), Math.abs(r(1))],
    };
}

describe("FlameAvatar wiring (Babylon morph targets + skeleton, evaluated by Babylon's CPU skinning)", () => {
    it("matches the reference forward pass on random parameters", () => {
        engine = new NullEngine();
        scene = new Scene(engine);
        new FreeCamera("c", new Vector3(0, 0, -1), scene);
        const avatar = new FlameAvatar(model, scene);
        const random = createRandom(31);
        for (let trial = 0; trial < 5; trial++) {
            const p = randomParameters(random);
            avatar.setParameters(p);
            expect(avatar.update()).toBe(true);
            avatar.skeleton.prepare(true);
            const babylon = avatar.mesh.getPositionData(true, true)!;
            const reference = flameForward(model, p).vertices;
            let worst = 0;
            let scale = 0;
            for (let i = 0; i < reference.length; i++) {
                worst = Math.max(worst, Math.abs(babylon[i] - reference[i]));
                scale = Math.max(scale, Math.abs(reference[i]));
            }
            expect(worst / scale).toBeLessThan(1e-5);
        }
        expect(avatar.update()).toBe(false);
    });

    it("reads its counts from the model and names the bones after FLAME's joints", () => {
        engine = new NullEngine();
        scene = new Scene(engine);
        const avatar = new FlameAvatar(model, scene, { parameters: { jawPose: [0.2, 0, 0] } });
        expect(avatar.shape.length).toBe(20);
        expect(avatar.expression.length).toBe(10);
        expect(avatar.skeleton.bones.map((b) => b.name)).toEqual(["global", "neck", "jaw", "leftEye", "rightEye"]);
        expect(avatar.mesh.morphTargetManager!.numTargets).toBe(10 + 2 + 36);
        expect(() => avatar.setParameters({ expression: new Array(11).fill(0) })).toThrow(RangeError);
        expect(() => avatar.setParameters({ jawPose: [NaN, 0, 0] })).toThrow(/jawPose\[0\]/);
    });

    it("dispose releases mesh, skeleton, morph targets and observer", async () => {
        engine = new NullEngine();
        scene = new Scene(engine);
        new FreeCamera("c", new Vector3(0, 0, -1), scene);
        const before = { meshes: scene.meshes.length, skeletons: scene.skeletons.length, managers: scene.morphTargetManagers.length };
        for (let i = 0; i < 20; i++) {
            const avatar = new FlameAvatar(model, scene);
            if (i % 2) {
                avatar.dispose();
            } else {
                avatar.mesh.dispose();
            }
        }
        // Babylon disposes morph-target textures on the next frame, and removes observers on the next tick.
        scene.render();
        await new Promise((r) => setTimeout(r, 0));
        expect({ meshes: scene.meshes.length, skeletons: scene.skeletons.length, managers: scene.morphTargetManagers.length }).toEqual(before);
        expect(scene.onBeforeRenderObservable.observers.length).toBe(0);
    });

    it("draws in any app: a skin-toned material of its own (disposed with it); a material the app gives stays the app's", () => {
        engine = new NullEngine();
        scene = new Scene(engine);
        const avatar = new FlameAvatar(model, scene);
        const own = avatar.mesh.material;
        expect(own?.getClassName()).toBe("StandardMaterial");
        expect(scene.materials).toContain(own);
        avatar.dispose();
        expect(scene.materials).not.toContain(own);
        const given = new StandardMaterial("app", scene);
        const second = new FlameAvatar(model, scene, { material: given });
        expect(second.mesh.material).toBe(given);
        second.dispose();
        expect(scene.materials).toContain(given);
    });
});
