/**
 * Renders the bundled performance video of samples/live (`npm run make-video`): the default head performing its whole
 * track (training and held-out frames) at 30 fps, drawn by Babylon's splat pipeline in Chromium from the same camera
 * as the test encoder's training renders, encoded as VP8 with WebCodecs and muxed by webm-muxer to
 * samples/assets/cartoon-head-performance.webm (a cluster and a cue per key frame, one key frame a second). Frame t of the video is frame t of cartoon-head-track.npz.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { flameTrackFromArrays } from "../loaders/flame/flameTrackFile.js";
import { parseGemFile } from "../loaders/gem/gemContainer.js";
import { readNpz } from "../loaders/archives/npzArchive.js";
import { reconstructGaussians } from "../core/gemReconstruction.js";
import { repoRoot } from "./browser/browserSession.js";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { createProgressBar } from "./distill/progressBar.js";
import { TestEncoderFrameSize, TestEncoderVideo, trackFrameCoefficients } from "./encoder/testEncoder.js";
import { ArrayBufferTarget, Muxer } from "webm-muxer";

const file = "cartoon-head-performance.webm";
// The test encoder's training size and codec: its linear map reads the pixels of a 16 × 20 crop and is not robust to
// resampling (renders at 128² cost it 1 mm of position error).
const size = TestEncoderFrameSize;
const { frameRate, codec, codecId, bitrate, keyFrameInterval } = TestEncoderVideo;

const assets = resolve(repoRoot, "samples/assets");
const model = parseGemFile(readFileSync(resolve(assets, "cartoon-head.gem")), "cartoon-head.gem");
const track = flameTrackFromArrays(readNpz(new Uint8Array(readFileSync(resolve(assets, "cartoon-head-track.npz"))), "cartoon-head-track.npz"), "cartoon-head-track.npz");
const frameUs = 1e6 / frameRate;
const progress = createProgressBar();
const renderer = await openFrameRenderer(size, size);
let chunks: Awaited<ReturnType<typeof renderer.finishVideo>>;
try {
    await renderer.startVideo(codec, bitrate, frameRate);
    for (let t = 0; t < track.frameCount; t++) {
        await renderer.render(reconstructGaussians(model, trackFrameCoefficients(model, track, t)));
        await renderer.encodeFrame(Math.round(t * frameUs), Math.round(frameUs), t % keyFrameInterval === 0);
        progress("rendering", t + 1, track.frameCount);
    }
    chunks = await renderer.finishVideo();
} finally {
    await renderer.close();
}
const muxer = new Muxer({
    target: new ArrayBufferTarget(),
    video: { codec: codecId, width: size, height: size, frameRate },
    type: "webm",
    firstTimestampBehavior: "strict",
});
for (const chunk of chunks) {
    muxer.addVideoChunkRaw(chunk.data, chunk.key ? "key" : "delta", chunk.timestampUs);
}
muxer.finalize();
const webm = new Uint8Array(muxer.target.buffer);
writeFileSync(resolve(assets, file), webm);
console.log(`\nwrote samples/assets/${file}: ${chunks.length} frames, ${size}×${size}, ${codec} at ${bitrate / 1000} kbit/s target, ${webm.byteLength} bytes`);
