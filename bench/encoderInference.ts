/**
 * Row 6: the test face encoder's cost per frame in onnxruntime-web (WASM, Node), against an Identity graph over the
 * same input tensor (onnxruntime's own per-call floor), and against the 33 ms budget of a 30 fps camera.
 */
import * as ort from "onnxruntime-web";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEncoderDescriptor } from "../core/encoder/encoderDescriptor.js";
import { FaceEncoderSession, type OrtModule } from "../core/encoder/FaceEncoderSession.js";
import { repoRoot } from "../tools/browser/browserSession.js";
import { writeOnnxModel } from "../tools/writers/onnxModelWriter.js";
import { median } from "./statistics.js";

/** One measurement. */
export interface EncoderInferenceRow {
    /** Preprocessing (crop, resize, normalise) + inference, ms per frame, median. */
    encodeMs: number;
    /** Inference alone, ms, median. */
    inferenceMs: number;
    /** An Identity graph on the same input, ms, median. */
    identityMs: number;
    /** Frames measured. */
    frames: number;
}

/**
 * Measures the committed test encoder.
 * @param frames frames after warm-up
 * @returns medians
 */
export async function measureEncoderInference(frames: number): Promise<EncoderInferenceRow> {
    const assets = resolve(repoRoot, "samples/assets");
    const descriptor = parseEncoderDescriptor(readFileSync(resolve(assets, "test-encoder.json"), "utf8"), "test-encoder.json");
    const module = ort as unknown as OrtModule;
    const session = await FaceEncoderSession.Create(module, new Uint8Array(readFileSync(resolve(assets, "test-encoder.onnx"))), descriptor);
    const { name, width, height } = descriptor.input;
    const identity = await ort.InferenceSession.create(
        writeOnnxModel({
            name: "identity",
            inputs: [{ name, shape: [1, 3, height, width] }],
            outputs: [{ name: "out", shape: [1, 3, height, width] }],
            nodes: [{ opType: "Identity", inputs: [name], outputs: ["out"] }],
            initializers: [],
        })
    );
    const frame = new Uint8Array(64 * 64 * 4).map((_, i) => (i * 37) & 255);
    const input = new ort.Tensor("float32", new Float32Array(3 * width * height), [1, 3, height, width]);
    const encode: number[] = [];
    const inference: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < frames + 5; i++) {
        const start = performance.now();
        const result = await session.encode(frame, 64, 64);
        const total = performance.now() - start;
        const t = performance.now();
        await identity.run({ [name]: input });
        const identityMs = performance.now() - t;
        if (i >= 5) {
            encode.push(total);
            inference.push(result.inferenceMs);
            floor.push(identityMs);
        }
    }
    await session.releaseAsync();
    return { encodeMs: median(encode), inferenceMs: median(inference), identityMs: median(floor), frames };
}
