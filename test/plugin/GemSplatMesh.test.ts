import { computeMaxExtents } from "@babylonjs/core/Meshes/meshUtils.js";
import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import { describe, expect, it } from "vitest";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { createRandomModel } from "../../tools/synthetic/syntheticModels.js";
import { useNullEngineScene } from "../support/nullEngineScene.js";

const makeScene = useNullEngineScene();

describe("GemSplatMesh", () => {
    it("reports its own class name and its deformed centres as vertex positions, so computeMaxExtents frames the avatar", () => {
        const scene = makeScene();
        const model = createRandomModel({ gaussianCount: 300, seed: 9 });
        const avatar = new GemAvatar(model, scene, { name: "a", convertToSceneHandedness: false });
        expect(avatar.mesh.getClassName()).toBe("GemSplatMesh");
        avatar.coefficients[0] = 1.5;
        avatar.update();
        const positions = avatar.mesh.getVerticesData(VertexBuffer.PositionKind)!;
        expect(positions.length).toBe(3 * Math.max(avatar.mesh.getTotalVertices(), 300));
        expect(Array.from(positions.slice(0, 900))).toEqual(Array.from(avatar.positions));
        // Padding repeats the last centre (Babylon counts splats padded to its batch size).
        for (let i = 300; i < positions.length / 3; i++) {
            expect(positions[3 * i]).toBe(avatar.positions[897]);
        }
        const [extent] = computeMaxExtents([avatar.mesh]);
        const min = [0, 1, 2].map((axis) => Math.min(...Array.from({ length: 300 }, (_, g) => avatar.positions[3 * g + axis])));
        const max = [0, 1, 2].map((axis) => Math.max(...Array.from({ length: 300 }, (_, g) => avatar.positions[3 * g + axis])));
        expect(
            extent.minimum
                .asArray()
                .map((v, i) => v - min[i])
                .every((d) => Math.abs(d) < 1e-6)
        ).toBe(true);
        expect(
            extent.maximum
                .asArray()
                .map((v, i) => v - max[i])
                .every((d) => Math.abs(d) < 1e-6)
        ).toBe(true);
        // Other kinds still come from the drawn geometry.
        expect(avatar.mesh.getVerticesData(VertexBuffer.NormalKind)).toBe(null);
    });
});
