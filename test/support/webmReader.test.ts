import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ArrayBufferTarget, Muxer } from "webm-muxer";
import { readNpz } from "../../loaders/archives/npzArchive.js";
import { flameTrackFromArrays } from "../../loaders/flame/flameTrackFile.js";
import { createRandom } from "../../tools/synthetic/syntheticModels.js";
import { readWebm } from "./webmReader.js";

const assets = resolve(import.meta.dirname, "../../samples/assets");

/** Frames as `npm run make-video` hands them to webm-muxer: timestamps in µs, a key frame every `keyEvery`. */
function mux(frameCount: number, frameRate: number, keyEvery: number): { bytes: Uint8Array; sizes: number[] } {
    const random = createRandom(3);
    const muxer = new Muxer({ target: new ArrayBufferTarget(), video: { codec: "V_VP9", width: 320, height: 200, frameRate }, type: "webm", firstTimestampBehavior: "strict" });
    const sizes: number[] = [];
    for (let i = 0; i < frameCount; i++) {
        const data = Uint8Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256));
        sizes.push(data.length);
        muxer.addVideoChunkRaw(data, i % keyEvery === 0 ? "key" : "delta", Math.round((i * 1e6) / frameRate));
    }
    muxer.finalize();
    return { bytes: new Uint8Array(muxer.target.buffer), sizes };
}

describe("WebM reader (the tests' check of webm-muxer's files)", () => {
    it("reads what webm-muxer writes: codec, size, every frame with its time and key flag, a cue at each cluster", () => {
        const { bytes, sizes } = mux(72, 24, 24);
        const summary = readWebm(bytes);
        expect(summary).toMatchObject({ docType: "webm", codecId: "V_VP9", width: 320, height: 200 });
        expect(summary.frames.map((f) => f.key)).toEqual(sizes.map((_, i) => i % 24 === 0));
        expect(summary.frames.map((f) => f.bytes)).toEqual(sizes);
        // Matroska stores whole milliseconds at this timestamp scale (webm-muxer truncates).
        expect(summary.frames.map((f) => f.timestampMs)).toEqual(sizes.map((_, i) => Math.floor((i * 1000) / 24)));
        expect(summary.cues.map((c) => c.timeMs)).toEqual([0, 1000, 2000]);
        expect(summary.cues.every((c) => c.pointsAtCluster)).toBe(true);
    });

    it("says where a truncated file ends", () => {
        const { bytes } = mux(4, 24, 24);
        expect(() => readWebm(bytes.subarray(0, bytes.length - 3))).toThrow(/past its parent's end|past the end/);
    });

    it("the bundled performance video of samples/live: VP8, 64², one frame per track frame at 30 fps, a key frame and cue every second", () => {
        const video = readWebm(new Uint8Array(readFileSync(resolve(assets, "cartoon-head-performance.webm"))));
        const track = flameTrackFromArrays(readNpz(new Uint8Array(readFileSync(resolve(assets, "cartoon-head-track.npz"))), "cartoon-head-track.npz"), "cartoon-head-track.npz");
        expect(video).toMatchObject({ docType: "webm", codecId: "V_VP8", width: 64, height: 64 });
        expect(video.frames.length).toBe(track.frameCount);
        video.frames.forEach((f, t) => {
            expect(Math.abs(f.timestampMs - (t * 1000) / 30)).toBeLessThan(1);
            expect(f.key).toBe(t % 30 === 0);
        });
        // The duration is the last frame's time (webm-muxer writes no frame duration).
        expect(video.durationMs).toBeCloseTo(video.frames[video.frames.length - 1].timestampMs, 0);
        expect(video.cues.length).toBe(Math.ceil(track.frameCount / 30));
        expect(video.cues.every((c) => c.pointsAtCluster)).toBe(true);
    });
});
