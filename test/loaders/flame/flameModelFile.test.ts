import { describe, expect, it } from "vitest";
import { flameModelFromArrays, parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { GemFormatError } from "../../../core/errors/GemFormatError.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";

const npz = createTestFlameNpz();
const { model } = parseFlameNpz(npz, "test-flame.npz");

describe("FLAME model npz", () => {
    it("reads counts from the file: vertices, faces, 20 shape + 10 expression components, 5 joints", () => {
        expect(model.vertexCount).toBe(362);
        expect(model.data.faces.length / 3).toBe(720);
        expect(model.shapeCount).toBe(20);
        expect(model.expressionCount).toBe(10);
        expect(model.jointCount).toBe(5);
        expect(Array.from(model.data.parents)).toEqual([-1, 0, 1, 1, 1]);
        expect(model.poseFeatureCount).toBe(36);
    });

    it("is generated deterministically", () => {
        expect(Buffer.from(createTestFlameNpz()).equals(Buffer.from(npz))).toBe(true);
    });

    const arrays = () => readNpz(npz, "x.npz");
    it("rejects missing keys, mismatched shapes and NaN with typed errors naming the key", () => {
        const missing = arrays();
        missing.delete("posedirs");
        expect(() => flameModelFromArrays(missing, { fileName: "m.npz" })).toThrow(/m\.npz: posedirs/);
        const wrongWeights = arrays();
        const w = wrongWeights.get("weights")!;
        wrongWeights.set("weights", { ...w, shape: [w.shape[0], 4], data: w.data.subarray(0, w.shape[0] * 4) });
        expect(() => flameModelFromArrays(wrongWeights, { fileName: "m.npz" })).toThrow(/weights\.shape/);
        const nan = arrays();
        (nan.get("shapedirs")!.data as Float32Array)[17] = NaN;
        expect(() => flameModelFromArrays(nan, { fileName: "m.npz" })).toThrow(GemFormatError);
        const split = arrays();
        split.delete("n_shape");
        split.delete("n_expr");
        expect(() => flameModelFromArrays(split, { fileName: "m.npz" })).toThrow(/n_shape key, or the shapeCount option/);
        expect(flameModelFromArrays(split, { shapeCount: 25 }).model.expressionCount).toBe(5);
    });

    it("reports unknown keys instead of failing", () => {
        const extra = arrays();
        extra.set("tex_dir", { dtype: "int32", shape: [2], data: new Int32Array([1, 2]) });
        expect(flameModelFromArrays(extra).ignoredKeys).toEqual(["tex_dir"]);
    });

    it("rejects truncated files at every cut point with typed errors", () => {
        for (let cut = 0; cut < npz.byteLength; cut += 4099) {
            expect(() => parseFlameNpz(npz.subarray(0, cut), "cut.npz")).toThrow(GemFormatError);
        }
    });

    it("rejects a model whose faces index past the vertices", () => {
        const bad = arrays();
        const f = bad.get("f")!;
        const faces = Uint32Array.from(f.data as Uint32Array);
        faces[5] = 100000;
        bad.set("f", { ...f, data: faces });
        expect(() => flameModelFromArrays(bad, { fileName: "m.npz" })).toThrow(/f\[5\]/);
    });
});
