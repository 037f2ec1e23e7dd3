/**
 * The FLAME-layout head derived from ICT-FaceKit (the FLAME sample's model): it loads through the FLAME reader, its
 * joints sit where they were placed, its skinning weights are a partition of unity, the jaw joint opens the mouth as
 * ICT's own jawOpen shape does, and the committed file is what the tool writes.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { flameForward, flameJoints, flameShapedVertices } from "../../../core/flame/flameForward.js";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { readIctFaceKit } from "../../../tools/synthetic/ictFaceKitFile.js";
import { createIctFlameNpz, ictFlameExpressionNames } from "../../../tools/synthetic/ictFlameModel.js";

const inflate = (data: Uint8Array, size: number) => new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }));
const kit = readIctFaceKit();
const committed = new Uint8Array(readFileSync(resolve(__dirname, "../../../samples/assets/ict-flame.npz")));

describe("ICT-derived FLAME-layout head", () => {
    it("is what the tool writes, and loads with 10 shape and the ARKit expression components", () => {
        expect(Buffer.from(createIctFlameNpz(kit, (d) => new Uint8Array(deflateRawSync(d, { level: 9 })))).equals(committed)).toBe(true);
        const { model } = parseFlameNpz(committed, "ict-flame.npz", {}, inflate);
        expect(model.shapeCount).toBe(10);
        expect(model.expressionCount).toBe(ictFlameExpressionNames(kit).length);
        expect(ictFlameExpressionNames(kit)).not.toContain("jawOpen");
        expect(model.vertexCount).toBeGreaterThan(10000);
    });

    it("places its joints where they were put, skins with weights summing to one, and opens the mouth with the jaw joint", () => {
        const { model } = parseFlameNpz(committed, "ict-flame.npz", {}, inflate);
        const joints = flameJoints(model, flameShapedVertices(model));
        expect(Array.from(joints.subarray(0, 6))).toEqual([0, -0.105, -0.03, 0, -0.06, -0.018].map((v) => expect.closeTo(v, 5)));
        const w = model.data.weights;
        for (let i = 0; i < model.vertexCount; i++) {
            expect(Math.abs(w[5 * i] + w[5 * i + 1] + w[5 * i + 2] + w[5 * i + 3] + w[5 * i + 4] - 1)).toBeLessThan(1e-5);
        }
        // The chin (Multi-PIE landmark 8; the face part's vertices keep their numbers) goes down when the jaw opens; the
        // top of the head stays.
        const rest = flameForward(model, {}).vertices;
        const open = flameForward(model, { jawPose: [0.3, 0, 0] }).vertices;
        const chin = kit.landmarks68[8];
        let top = 0;
        for (let i = 0; i < model.vertexCount; i++) {
            if (rest[3 * i + 1] > rest[3 * top + 1]) {
                top = i;
            }
        }
        expect(rest[3 * chin + 1] - open[3 * chin + 1]).toBeGreaterThan(0.01);
        expect(Math.abs(rest[3 * top + 1] - open[3 * top + 1])).toBeLessThan(1e-6);
    });
});
