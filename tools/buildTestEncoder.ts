/**
 * Builds the test face encoder (`npm run make-encoder`): renders the default avatar at known coefficients in
 * Chromium (each render also through the bundled video's codec and back), fits the linear encoder on both, writes
 * samples/assets/test-encoder.onnx and test-encoder.json.
 * Options: --extra=N random training mixes (default 150).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseGemFile } from "../loaders/gem/gemContainer.js";
import { flameTrackFromArrays } from "../loaders/flame/flameTrackFile.js";
import { readNpz } from "../loaders/archives/npzArchive.js";
import { repoRoot } from "./browser/browserSession.js";
import { DefaultAvatarHeldOutFrames } from "./synthetic/defaultAvatar.js";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { createProgressBar } from "./distill/progressBar.js";
import { fitTestEncoder, renderEncoderInputs, testEncoderDescriptor, TestEncoderFrameSize, trainingCoefficients } from "./encoder/testEncoder.js";

const extra = Number(process.argv.find((a) => a.startsWith("--extra="))?.slice(8) ?? 150);
const assets = resolve(repoRoot, "samples/assets");
const model = parseGemFile(readFileSync(resolve(assets, "cartoon-head.gem")), "cartoon-head.gem");
const track = flameTrackFromArrays(readNpz(new Uint8Array(readFileSync(resolve(assets, "cartoon-head-track.npz"))), "cartoon-head-track.npz"), "cartoon-head-track.npz");
const descriptor = testEncoderDescriptor(model);
const samples = trainingCoefficients(model, track, track.frameCount - DefaultAvatarHeldOutFrames, extra);
const progress = createProgressBar();
const started = performance.now();
const renderer = await openFrameRenderer(TestEncoderFrameSize, TestEncoderFrameSize);
let rendered: Awaited<ReturnType<typeof renderEncoderInputs>>;
try {
    rendered = await renderEncoderInputs(renderer, model, samples, descriptor, (done) => progress("rendering", done, samples.length));
} finally {
    await renderer.close();
}
const outputs = new Float32Array(samples.length * model.totalComponents);
samples.forEach((s, i) => outputs.set(s, i * model.totalComponents));
const fit = fitTestEncoder(rendered.inputs, outputs, descriptor, rendered.decodedInputs);
writeFileSync(resolve(assets, "test-encoder.onnx"), fit.onnx);
writeFileSync(resolve(assets, "test-encoder.json"), `${JSON.stringify(descriptor, null, 2)}\n`);
console.log(
    `\ntest encoder: ${samples.length} renders, ridge ${fit.ridge}, validation coefficient RMSE ${fit.validationRmse.toFixed(3)} σ, ${fit.onnx.length} bytes, ${((performance.now() - started) / 1000).toFixed(1)} s`
);
