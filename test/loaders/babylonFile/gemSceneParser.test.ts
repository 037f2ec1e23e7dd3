import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { RegisterGemSceneParser, restoreGemAvatarState } from "../../../loaders/babylonFile/gemSceneParser.js";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { GemAvatar } from "../../../plugin/GemAvatar.js";
import { GemSplatMesh } from "../../../plugin/GemSplatMesh.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { captureGemAvatarState } from "../../../plugin/gemAvatarState.js";
import { useNullEngineScene } from "../../support/nullEngineScene.js";

const model = parseGemFile(readFileSync(resolve(import.meta.dirname, "../../../samples/assets/cartoon-head.gem")), "cartoon-head.gem");
const makeScene = useNullEngineScene();

describe("GEM avatars in .babylon files", () => {
    it("serializes an avatar's mesh as a splat mesh without splat data, with its model URL and live state", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(model, scene, { name: "head" });
        avatar.source = "http://127.0.0.1:8080/assets/cartoon-head.gem";
        avatar.coefficients[1] = 0.75;
        avatar.setHeadPose({ neckPose: [0.1, 0, 0] });
        const animator = AvatarAnimator.Attach(avatar);
        animator.addLayer({ name: "talk", channels: animator.channelsOf("flame"), weight: 0.5, mask: ["flame/jawPose/*"] });
        const serialized = avatar.mesh.serialize();
        expect(serialized.type).toBe("GaussianSplattingMesh");
        expect("splatsData" in serialized).toBe(false);
        expect(serialized.gem).toEqual(captureGemAvatarState(avatar, avatar.source));
        expect((serialized.gem as any).animator.layers[0]).toMatchObject({ name: "talk", weight: 0.5, mask: ["flame/jawPose/*"] });
    });

    it("creates a GemSplatMesh for a saved avatar, and Babylon's own splat mesh for other splat meshes", () => {
        const scene = makeScene();
        RegisterGemSceneParser();
        RegisterGemSceneParser(); // idempotent
        const withoutSource = Mesh._GaussianSplattingMeshParser({ name: "a", gem: { version: 1, source: null } } as any, scene);
        expect(withoutSource).toBeInstanceOf(GemSplatMesh);
        const plain = Mesh._GaussianSplattingMeshParser({ name: "b" } as any, scene);
        expect(plain).not.toBeInstanceOf(GemSplatMesh);
        expect(plain.getClassName()).toBe("GaussianSplattingMesh");
    });

    it("restores coefficients, head pose and animator layers, refusing values of the wrong length or not finite", () => {
        const scene = makeScene();
        const source = new GemAvatar(model, scene, { name: "a" });
        source.coefficients[2] = -0.4;
        source.setHeadPose({ globalPose: [0, 0.2, 0] });
        const animator = AvatarAnimator.Attach(source);
        animator.addLayer({ name: "talk", channels: animator.channelsOf("flame"), weight: 0.3 }).values[0] = 0.25;
        const state = captureGemAvatarState(source, null);
        const target = new GemAvatar(model, scene, { name: "b" });
        restoreGemAvatarState(target, state, "scene.babylon");
        expect(captureGemAvatarState(target, null)).toEqual(state);
        const fresh = new GemAvatar(model, scene, { name: "c" });
        expect(() => restoreGemAvatarState(fresh, { ...state, coefficients: state.coefficients.slice(1) }, "scene.babylon")).toThrow(/gem\.coefficients/);
        expect(() => restoreGemAvatarState(fresh, { ...state, coefficients: state.coefficients.map(() => Number.NaN) }, "scene.babylon")).toThrow(/finite/);
        expect(() => restoreGemAvatarState(fresh, { ...state, headPose: { ...state.headPose, translation: [0, 0] } }, "scene.babylon")).toThrow(/headPose\.translation/);
    });
});
