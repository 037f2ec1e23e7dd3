/**
 * Framing an avatar: its world box (a splat mesh's Gaussians, a FLAME mesh), a camera pointed so that the whole box is
 * in view, and a recentre that brings an avatar loaded at standing height (as LAM avatars are) to the origin.
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { describe, expect, it } from "vitest";
import { parseFlameNpz } from "../../loaders/flame/flameModelFile.js";
import { FrameAvatar, GetAvatarFramingInfo, RecentreAvatar } from "../../plugin/AvatarFraming.js";
import { FlameAvatar } from "../../plugin/flame/FlameAvatar.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { createRandomModel } from "../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz } from "../../tools/synthetic/testFlameModel.js";
import { useNullEngineScene } from "../support/nullEngineScene.js";

const makeScene = useNullEngineScene();

/** Whether a world point projects inside the camera's view. */
function inView(camera: ArcRotateCamera, point: Vector3): boolean {
    const scene = camera.getScene();
    const engine = scene.getEngine();
    const viewport = camera.viewport.toGlobal(engine.getRenderWidth(), engine.getRenderHeight());
    const projected = Vector3.Project(point, Matrix.Identity(), scene.getTransformMatrix(), viewport);
    return projected.x >= 0 && projected.x <= viewport.width && projected.y >= 0 && projected.y <= viewport.height && projected.z > 0 && projected.z < 1;
}

describe("avatar framing", () => {
    it("frames a GEM avatar lifted to standing height: target on its centre, every corner of its box in view; recentre brings it to the origin", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(createRandomModel({ gaussianCount: 200, seed: 5 }), scene);
        avatar.mesh.position.set(0.2, 1.6, -0.3);
        scene.render();
        const info = GetAvatarFramingInfo(avatar);
        expect(info.center.y).toBeGreaterThan(1.3);
        expect(info.radius).toBeGreaterThan(0);
        const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2, 0.7, Vector3.Zero(), scene);
        scene.activeCamera = camera;
        // Babylon's default near plane (1 m) and a target at the origin: the lifted head is not in view.
        expect(inView(camera, info.center)).toBe(false);
        FrameAvatar(camera, avatar);
        scene.render();
        expect(Vector3.Distance(camera.target, info.center)).toBeLessThan(1e-6);
        for (const x of [info.min.x, info.max.x]) {
            for (const y of [info.min.y, info.max.y]) {
                for (const z of [info.min.z, info.max.z]) {
                    expect(inView(camera, new Vector3(x, y, z))).toBe(true);
                }
            }
        }
        expect(camera.minZ).toBeLessThan(camera.radius - info.radius);
        const moved = RecentreAvatar(avatar);
        expect(Vector3.Distance(moved, info.center.negate())).toBeLessThan(1e-6);
        expect(GetAvatarFramingInfo(avatar).center.length()).toBeLessThan(1e-5);
        avatar.dispose();
    });

    it("recentres a parented FLAME avatar through its parent's rotation and scale", () => {
        const scene = makeScene();
        const { model } = parseFlameNpz(createTestFlameNpz(), "test-flame.npz");
        const parent = new TransformNode("rig", scene);
        parent.rotation.y = 0.7;
        parent.scaling.setAll(2);
        parent.position.set(1, 2, 3);
        const avatar = new FlameAvatar(model, scene);
        avatar.mesh.parent = parent;
        const target = new Vector3(0.5, 1, -1);
        RecentreAvatar(avatar, target);
        expect(Vector3.Distance(GetAvatarFramingInfo(avatar).center, target)).toBeLessThan(1e-5);
        avatar.dispose();
    });
});
