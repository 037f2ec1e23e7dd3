import * as ort from "onnxruntime-web";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEncoderDescriptor, type EncoderDescriptor } from "../../../core/encoder/encoderDescriptor.js";
import { EncoderError } from "../../../core/errors/EncoderError.js";
import { FaceEncoderSession, type OrtModule } from "../../../core/encoder/FaceEncoderSession.js";
import { preprocessImage } from "../../../core/encoder/imagePreprocessing.js";
import { OneEuroFilter } from "../../../core/encoder/OneEuroFilter.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { writeOnnxModel } from "../../../tools/writers/onnxModelWriter.js";

const assets = resolve(__dirname, "../../../samples/assets");
const descriptorJson = readFileSync(resolve(assets, "test-encoder.json"), "utf8");
const onnx = new Uint8Array(readFileSync(resolve(assets, "test-encoder.onnx")));
const ortModule = ort as unknown as OrtModule;

describe("face encoder", () => {
    it("the ONNX writer's graphs run in onnxruntime and match a hand computation", async () => {
        const random = createRandom(5);
        const w = Float32Array.from({ length: 12 * 5 }, () => random() - 0.5);
        const b = Float32Array.from({ length: 5 }, () => random());
        const bytes = writeOnnxModel({
            name: "gemm",
            inputs: [{ name: "image", shape: [1, 3, 2, 2] }],
            outputs: [{ name: "out", shape: [1, 5] }],
            nodes: [
                { opType: "Flatten", inputs: ["image"], outputs: ["flat"], intAttributes: { axis: 1 } },
                { opType: "Gemm", inputs: ["flat", "w", "b"], outputs: ["out"], floatAttributes: { alpha: 2 } },
            ],
            initializers: [
                { name: "w", dims: [12, 5], data: w },
                { name: "b", dims: [5], data: b },
            ],
        });
        const session = await ort.InferenceSession.create(bytes);
        const x = Float32Array.from({ length: 12 }, () => random());
        const out = (await session.run({ image: new ort.Tensor("float32", x, [1, 3, 2, 2]) })).out.data as Float32Array;
        for (let j = 0; j < 5; j++) {
            const expected = b[j] + 2 * x.reduce((s, v, i) => s + v * w[i * 5 + j], 0);
            expect(Math.abs(out[j] - expected) / (Math.abs(expected) + 1e-6)).toBeLessThan(1e-5);
        }
    });

    it("loads the committed test encoder, checks it against its descriptor and encodes a frame", async () => {
        const descriptor = parseEncoderDescriptor(descriptorJson, "test-encoder.json");
        const session = await FaceEncoderSession.Create(ortModule, onnx, descriptor);
        const frame = new Uint8Array(64 * 64 * 4).fill(128);
        const { values, box } = await session.encode(frame, 64, 64);
        expect(values).toHaveLength(descriptor.output.channels.length);
        expect(values.every(Number.isFinite)).toBe(true);
        expect(box).toEqual(descriptor.crop.box);
    });

    it("refuses models whose input or output does not match the descriptor, and bad descriptors, with typed errors", async () => {
        const good = JSON.parse(descriptorJson) as EncoderDescriptor;
        const attempt = (patch: Partial<EncoderDescriptor>) => FaceEncoderSession.Create(ortModule, onnx, parseEncoderDescriptor({ ...good, ...patch }));
        await expect(attempt({ input: { ...good.input, width: 17 } })).rejects.toMatchObject({ code: "shape-mismatch", message: expect.stringContaining("[1, 3, 20, 17]") });
        await expect(attempt({ input: { ...good.input, name: "pixels" } })).rejects.toMatchObject({
            code: "shape-mismatch",
            message: expect.stringContaining('no input "pixels"'),
        });
        await expect(attempt({ output: { ...good.output, channels: good.output.channels.slice(1) } })).rejects.toMatchObject({
            code: "shape-mismatch",
            message: expect.stringContaining("the descriptor names 35 channels"),
        });
        await expect(attempt({ crop: { source: "model", output: "box", box: [0, 0, 1, 1] } })).rejects.toMatchObject({
            code: "shape-mismatch",
            message: expect.stringContaining('no output "box"'),
        });
        await expect(FaceEncoderSession.Create(ortModule, new Uint8Array([1, 2, 3]), good)).rejects.toBeInstanceOf(EncoderError);
        const bad = (patch: object) => () => parseEncoderDescriptor({ ...good, ...patch }, "enc.json");
        expect(bad({ version: 2 })).toThrow(/enc.json: version/);
        expect(bad({ input: { ...good.input, std: [1, 0, 1] } })).toThrow(/input.std/);
        expect(bad({ crop: { source: "fixed", box: [0, 0, 0, 1] } })).toThrow(/crop.box/);
        expect(bad({ output: { name: "x", channels: ["gem/position/0", "flame/jawPose/0"] } })).toThrow(/one space/);
        expect(bad({ smoothing: { beta: -1 } })).toThrow(/smoothing.beta/);
        expect(() => parseEncoderDescriptor("{", "enc.json")).toThrow(/not JSON/);
    });

    it("preprocessing crops, area-averages and normalises (NCHW)", () => {
        // A 4 × 4 image whose left half is red and right half blue; crop the whole frame to 2 × 2.
        const rgba = new Uint8Array(64);
        for (let y = 0; y < 4; y++) {
            for (let x = 0; x < 4; x++) {
                rgba.set(x < 2 ? [255, 0, 0, 255] : [0, 0, 255, 255], 4 * (y * 4 + x));
            }
        }
        const input = { name: "image", width: 2, height: 2, mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.5, 0.5, 0.5] as [number, number, number] };
        expect(Array.from(preprocessImage(rgba, 4, 4, [0, 0, 1, 1], input))).toEqual([1, -1, 1, -1, -1, -1, -1, -1, -1, 1, -1, 1]);
        // Half-pixel boundaries mix: a 1 × 1 output over the middle two columns averages red and blue.
        const one = { ...input, width: 1, height: 1 };
        const mixed = preprocessImage(rgba, 4, 4, [0.25, 0, 0.5, 1], one);
        expect(mixed[0]).toBeCloseTo(0, 6);
        expect(mixed[2]).toBeCloseTo(0, 6);
        // Outside the frame reads black.
        expect(preprocessImage(rgba, 4, 4, [1, 0, 1, 1], one)[0]).toBeCloseTo(-1, 6);
    });

    it("the One Euro filter removes jitter at rest and follows fast movement with little lag", () => {
        const random = createRandom(3);
        const filter = new OneEuroFilter(1, 0.3, 1);
        const dt = 1 / 30;
        const still: number[] = [];
        for (let t = 0; t < 120; t++) {
            still.push(filter.filter([0.5 + 0.05 * (random() - 0.5)], dt)[0]);
        }
        const spread = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + (x - 0.5) ** 2, 0) / v.length);
        expect(spread(still.slice(60))).toBeLessThan(0.5 * (0.05 / Math.sqrt(12))); // raw jitter std is 0.05/√12
        // A ramp of 3 units per second: after settling, the lag stays under 0.15 units (under 50 ms).
        filter.reset();
        let last = 0;
        for (let t = 0; t < 60; t++) {
            last = filter.filter([3 * t * dt], dt)[0];
        }
        expect(3 * 59 * dt - last).toBeLessThan(0.15);
        expect(filter.filter([NaN], dt)[0]).toBeCloseTo(last, 1); // a bad sample keeps the estimate
    });
});
