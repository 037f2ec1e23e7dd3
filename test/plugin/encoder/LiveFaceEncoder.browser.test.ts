import * as ort from "onnxruntime-web";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { trackFrameParameters } from "../../../core/flame/flameTrack.js";
import { flameTrackFromArrays } from "../../../loaders/flame/flameTrackFile.js";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { parseEncoderDescriptor } from "../../../core/encoder/encoderDescriptor.js";
import { FaceEncoderSession, type OrtModule } from "../../../core/encoder/FaceEncoderSession.js";
import { evaluateDriver, flameDriverInputs } from "../../../core/gemDrivers.js";
import { reconstructGaussians } from "../../../core/gemReconstruction.js";
import { saveScreenshot } from "../../../tools/browser/browserSession.js";
import { centreDistanceRmseMm } from "../../support/positionError.js";
import { DefaultAvatarHeldOutFrames } from "../../../tools/synthetic/defaultAvatar.js";
import { openFrameRenderer, type FrameRenderer } from "../../../tools/distill/frameRenderer.js";
import { TestEncoderFrameSize } from "../../../tools/encoder/testEncoder.js";

const assets = resolve(__dirname, "../../../samples/assets");
const model = parseGemFile(readFileSync(resolve(assets, "cartoon-head.gem")), "cartoon-head.gem");
const track = flameTrackFromArrays(readNpz(new Uint8Array(readFileSync(resolve(assets, "cartoon-head-track.npz"))), "track.npz"), "track.npz");
let renderer: FrameRenderer;

describe("the test face encoder on held-out renders (Chromium renders, onnxruntime WASM)", () => {
    beforeAll(async () => {
        renderer = await openFrameRenderer(TestEncoderFrameSize, TestEncoderFrameSize);
    }, 300_000);

    afterAll(async () => {
        await renderer?.close();
    });

    it("recovers coefficients that drive the avatar back to the rendered expression", async () => {
        const descriptor = parseEncoderDescriptor(readFileSync(resolve(assets, "test-encoder.json"), "utf8"), "test-encoder.json");
        const session = await FaceEncoderSession.Create(ort as unknown as OrtModule, new Uint8Array(readFileSync(resolve(assets, "test-encoder.onnx"))), descriptor);
        const driver = model.getDriver("flame")!;
        const first = track.frameCount - DefaultAvatarHeldOutFrames;
        const frames = Array.from({ length: 12 }, (_, i) => first + 5 * i);
        let encoderError = 0;
        let meanFaceError = 0;
        let coefficientError = 0;
        let inference = 0;
        const neutral = new Float32Array(model.totalComponents);
        for (const t of frames) {
            const truth = evaluateDriver(driver, flameDriverInputs(driver, trackFrameParameters(track, t, false)));
            const image = await renderer.render(reconstructGaussians(model, truth));
            const { values, inferenceMs } = await session.encode(image.pixels, image.width, image.height);
            inference += inferenceMs / frames.length;
            encoderError += centreDistanceRmseMm(model, values, truth) / frames.length;
            meanFaceError += centreDistanceRmseMm(model, neutral, truth) / frames.length;
            coefficientError += Math.sqrt(values.reduce((s, v, k) => s + (v - truth[k]) ** 2, 0) / values.length) / frames.length;
            if (t === frames[6]) {
                saveScreenshot("encoder-input-heldout", image.png);
                saveScreenshot("encoder-recovered-heldout", (await renderer.render(reconstructGaussians(model, values))).png);
            }
        }
        console.log(
            `test encoder, ${frames.length} held-out frames: position RMSE ${encoderError.toFixed(3)} mm through recovered coefficients vs ${meanFaceError.toFixed(3)} mm for the mean face; coefficient RMSE ${coefficientError.toFixed(3)} σ; inference ${inference.toFixed(2)} ms/frame (Node WASM)`
        );
        expect(Number.isFinite(encoderError)).toBe(true);
        // Stated error (measured 0.35 mm vs 2.8 mm for the neutral face): under 0.6 mm, and under a quarter of the
        // neutral face's distance to the truth.
        expect(encoderError).toBeLessThan(0.6);
        expect(encoderError).toBeLessThan(0.25 * meanFaceError);
    }, 300_000);
});
