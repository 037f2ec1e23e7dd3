/**
 * The project's own test face encoder: a real ONNX graph (Flatten → Gemm) fitted by ridge regression from renders of
 * the default avatar at known coefficients (Chromium, Babylon's splat pipeline) to those coefficients. Small and
 * linear on purpose: it exists to exercise the live-encoder path end to end with a model whose error is measurable.
 */
import type { FlameTrack } from "../../core/flame/flameTrack.js";
import { trackFrameParameters } from "../../core/flame/flameTrack.js";
import { gemChannelNames } from "../../core/animation/channelNames.js";
import type { EncoderDescriptor } from "../../core/encoder/encoderDescriptor.js";
import { preprocessImage } from "../../core/encoder/imagePreprocessing.js";
import { evaluateDriver, flameDriverInputs } from "../../core/gemDrivers.js";
import type { GemModel } from "../../core/GemModel.js";
import { reconstructGaussians } from "../../core/gemReconstruction.js";
import type { FrameRenderer } from "../distill/frameRenderer.js";
import { fitLinearDriver } from "../distill/ridgeRegression.js";
import { writeOnnxModel } from "../writers/onnxModelWriter.js";
import { createRandom } from "../synthetic/syntheticModels.js";

/** The descriptor of the test encoder (the model file name is filled in by the writer). */
export function testEncoderDescriptor(model: GemModel, modelFile = "test-encoder.onnx"): EncoderDescriptor {
    return {
        format: "gem-face-encoder",
        version: 1,
        model: modelFile,
        input: { name: "image", width: 16, height: 20, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
        crop: { source: "fixed", box: [0.25, 0.22, 0.5, 0.62] },
        output: { name: "coefficients", channels: gemChannelNames(model) },
        smoothing: { minCutoff: 1.5, beta: 0.3, derivativeCutoff: 1 },
    };
}

/** Frame size the test encoder is trained and tested on. */
export const TestEncoderFrameSize = 64;

/**
 * The video codec of the bundled performance video (samples/live), which the encoder's training renders also go
 * through: a linear map fitted on exact renders only turns the few grey levels a codec moves into millimetres.
 */
export const TestEncoderVideo = { codec: "vp8", codecId: "V_VP8", bitrate: 400_000, frameRate: 30, keyFrameInterval: 30 } as const;

/**
 * The GEM coefficients of one frame of the default head's track, through the model's FLAME map: what the performer
 * shows at that frame (in the training renders and in the bundled performance video).
 * @param model the default avatar
 * @param track its track
 * @param t frame
 * @returns the coefficient vector
 */
export function trackFrameCoefficients(model: GemModel, track: FlameTrack, t: number): Float32Array {
    const driver = model.getDriver("flame")!;
    return evaluateDriver(driver, flameDriverInputs(driver, trackFrameParameters(track, t, false)));
}

/**
 * Coefficient vectors of the training set: the track's training frames through the model's FLAME map, plus random
 * mixes of the same FLAME inputs (so the fit sees each input vary on its own).
 * @param model the default avatar
 * @param track its track
 * @param trainingFrames frames of the track used (the rest is held out)
 * @param extra number of random mixes
 * @param seed seed
 * @returns frame-major coefficient vectors
 */
export function trainingCoefficients(model: GemModel, track: FlameTrack, trainingFrames: number, extra: number, seed = 11): Float32Array[] {
    const driver = model.getDriver("flame")!;
    const samples: Float32Array[] = [];
    for (let t = 0; t < trainingFrames; t++) {
        samples.push(trackFrameCoefficients(model, track, t));
    }
    const random = createRandom(seed);
    const inputs = new Float32Array(driver.inputs.length);
    for (let s = 0; s < extra; s++) {
        driver.inputs.forEach((input, i) => {
            const range = input.startsWith("jawPose.0")
                ? [0, 0.3]
                : input.startsWith("jawPose")
                  ? [-0.05, 0.05]
                  : input.startsWith("eyePose")
                    ? [-0.3, 0.3]
                    : input.startsWith("eyelids")
                      ? [0, 1]
                      : [-0.4, 1.3];
            inputs[i] = random() < 0.5 ? range[0] + random() * (range[1] - range[0]) : 0;
        });
        samples.push(evaluateDriver(driver, inputs));
    }
    return samples;
}

/**
 * Renders coefficient vectors and preprocesses the frames as the encoder will; the same frames also go through a
 * {@link TestEncoderVideo} encode and decode (WebCodecs) and are preprocessed again.
 * @param renderer an open frame renderer of TestEncoderFrameSize²
 * @param model the model
 * @param samples coefficient vectors
 * @param descriptor the encoder's descriptor
 * @param onProgress called after each frame
 * @returns frame-major input tensors (3 × h × w each) of the exact and of the decoded frames, and the raw frames
 */
export async function renderEncoderInputs(
    renderer: FrameRenderer,
    model: GemModel,
    samples: readonly Float32Array[],
    descriptor: EncoderDescriptor,
    onProgress?: (done: number) => void
): Promise<{ inputs: Float32Array; decodedInputs: Float32Array; frames: Uint8Array[] }> {
    const size = 3 * descriptor.input.width * descriptor.input.height;
    const inputs = new Float32Array(samples.length * size);
    const decodedInputs = new Float32Array(samples.length * size);
    const frames: Uint8Array[] = [];
    const { codec, bitrate, frameRate, keyFrameInterval } = TestEncoderVideo;
    const frameUs = 1e6 / frameRate;
    await renderer.startVideo(codec, bitrate, frameRate);
    let width = 0;
    let height = 0;
    for (const [i, coefficients] of samples.entries()) {
        const image = await renderer.render(reconstructGaussians(model, coefficients));
        await renderer.encodeFrame(Math.round(i * frameUs), Math.round(frameUs), i % keyFrameInterval === 0);
        frames.push(image.pixels);
        ({ width, height } = image);
        preprocessImage(image.pixels, width, height, descriptor.crop.box, descriptor.input, inputs.subarray(i * size, (i + 1) * size));
        onProgress?.(i + 1);
    }
    const decoded = await renderer.decodeVideo(codec, await renderer.finishVideo());
    if (decoded.length !== samples.length) {
        throw new Error(`video round trip gave ${decoded.length} frames for ${samples.length}`);
    }
    decoded.forEach((pixels, i) => preprocessImage(pixels, width, height, descriptor.crop.box, descriptor.input, decodedInputs.subarray(i * size, (i + 1) * size)));
    return { inputs, decodedInputs, frames };
}

/**
 * Fits the encoder's weights (ridge regression, penalty chosen on the last fifth of the samples) and writes the ONNX
 * graph `image [1,3,h,w] → Flatten → Gemm → coefficients [1,K]`.
 * @param inputs frame-major input tensors
 * @param outputs frame-major coefficient vectors
 * @param descriptor the descriptor
 * @param decodedInputs the same frames after a video round trip (optional; trained on too)
 * @returns the model bytes and the chosen penalty with its validation error
 */
export function fitTestEncoder(
    inputs: Float32Array,
    outputs: Float32Array,
    descriptor: EncoderDescriptor,
    decodedInputs?: Float32Array
): { onnx: Uint8Array; ridge: number; validationRmse: number } {
    const p = 3 * descriptor.input.width * descriptor.input.height;
    const q = descriptor.output.channels.length;
    const n = inputs.length / p;
    const split = Math.floor(n * 0.8);
    const names = Array.from({ length: p }, (_, i) => `pixel.${i}`);
    // Training rows: the exact frames, and their decoded copies when given (same targets). The penalty is chosen on
    // the held-back fifth as a player would show it (decoded when given).
    const stack = (a: Float32Array, b: Float32Array | undefined) => {
        if (!b) {
            return a;
        }
        const out = new Float32Array(a.length + b.length);
        out.set(a);
        out.set(b, a.length);
        return out;
    };
    const validation = decodedInputs ?? inputs;
    const fitInputs = stack(inputs.subarray(0, split * p), decodedInputs?.subarray(0, split * p));
    const fitOutputs = stack(outputs.subarray(0, split * q), decodedInputs && outputs.subarray(0, split * q));
    let best = { ridge: 1e-3, validationRmse: Infinity };
    for (const ridge of [1e-4, 1e-3, 1e-2, 1e-1, 1]) {
        const map = fitLinearDriver("encoder", names, fitInputs, fitOutputs, ridge);
        let sum = 0;
        for (let t = split; t < n; t++) {
            const predicted = evaluateDriver(map, validation.subarray(t * p, (t + 1) * p));
            for (let j = 0; j < q; j++) {
                sum += (predicted[j] - outputs[t * q + j]) ** 2;
            }
        }
        const rmse = Math.sqrt(sum / ((n - split) * q));
        if (rmse < best.validationRmse) {
            best = { ridge, validationRmse: rmse };
        }
    }
    const map = fitLinearDriver("encoder", names, stack(inputs, decodedInputs), stack(outputs, decodedInputs && outputs), best.ridge);
    // Gemm takes B as [P, Q]: transpose the row-major Q × P map.
    const weights = new Float32Array(p * q);
    for (let j = 0; j < q; j++) {
        for (let i = 0; i < p; i++) {
            weights[i * q + j] = map.matrix[j * p + i];
        }
    }
    const { input, output } = descriptor;
    const onnx = writeOnnxModel({
        name: "gem-test-encoder",
        docString: `Linear test encoder for the default avatar: ${input.width}×${input.height} RGB crop → ${q} GEM coefficients (ridge ${best.ridge}).`,
        inputs: [{ name: input.name, shape: [1, 3, input.height, input.width] }],
        outputs: [{ name: output.name, shape: [1, q] }],
        nodes: [
            { opType: "Flatten", inputs: [input.name], outputs: ["flat"], intAttributes: { axis: 1 } },
            { opType: "Gemm", inputs: ["flat", "weights", "bias"], outputs: [output.name] },
        ],
        initializers: [
            { name: "weights", dims: [p, q], data: weights },
            { name: "bias", dims: [q], data: map.bias },
        ],
    });
    return { onnx, ...best };
}
