import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { flameTrackFromArrays } from "../../../loaders/flame/flameTrackFile.js";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { readWebm, writeWebm, type WebmFrame } from "../../../tools/writers/webmFile.js";

const assets = resolve(__dirname, "../../../samples/assets");

describe("WebM muxer (tools/webmFile.ts)", () => {
    it("writes what it is given: codec, size, duration, every frame with its time and key flag, cues at the clusters", () => {
        const random = createRandom(3);
        const frames: WebmFrame[] = Array.from({ length: 40 }, (_, i) => ({
            timestampMs: (i * 1000) / 24,
            key: i % 12 === 0,
            data: Uint8Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)),
        }));
        const bytes = writeWebm({ codecId: "V_VP9", width: 320, height: 200, frameDurationMs: 1000 / 24, frames });
        const summary = readWebm(bytes);
        expect(summary).toMatchObject({ docType: "webm", codecId: "V_VP9", width: 320, height: 200 });
        expect(summary.durationMs).toBeCloseTo((40 * 1000) / 24, 6);
        expect(summary.frames.map((f) => f.key)).toEqual(frames.map((f) => f.key));
        expect(summary.frames.map((f) => f.bytes)).toEqual(frames.map((f) => f.data.length));
        // Matroska stores whole milliseconds at this timestamp scale.
        expect(summary.frames.map((f) => f.timestampMs)).toEqual(frames.map((f) => Math.round(f.timestampMs)));
        expect(summary.cues.map((c) => c.timeMs)).toEqual([0, 500, 1000, 1500]);
        expect(summary.cues.every((c) => c.pointsAtCluster)).toBe(true);
    });

    it("refuses a first frame that is not a key frame, and a reader meeting a truncated file says where", () => {
        const frame = { timestampMs: 0, key: false, data: new Uint8Array(4) };
        expect(() => writeWebm({ codecId: "V_VP8", width: 2, height: 2, frameDurationMs: 40, frames: [frame] })).toThrow(/first frame must be a key frame/);
        const bytes = writeWebm({ codecId: "V_VP8", width: 2, height: 2, frameDurationMs: 40, frames: [{ ...frame, key: true }, frame] });
        expect(() => readWebm(bytes.subarray(0, bytes.length - 3))).toThrow(/past its parent's end|past the end/);
    });

    it("the bundled performance video of samples/live: VP8, 64², one frame per track frame at 30 fps, a key frame and cue every second", () => {
        const video = readWebm(new Uint8Array(readFileSync(resolve(assets, "default-head-performance.webm"))));
        const track = flameTrackFromArrays(readNpz(new Uint8Array(readFileSync(resolve(assets, "default-head-track.npz"))), "default-head-track.npz"), "default-head-track.npz");
        expect(video).toMatchObject({ docType: "webm", codecId: "V_VP8", width: 64, height: 64 });
        expect(video.frames.length).toBe(track.frameCount);
        video.frames.forEach((f, t) => {
            expect(Math.abs(f.timestampMs - (t * 1000) / 30)).toBeLessThanOrEqual(0.5);
            expect(f.key).toBe(t % 30 === 0);
        });
        expect(video.durationMs).toBeCloseTo((track.frameCount * 1000) / 30, 0);
        expect(video.cues.length).toBe(Math.ceil(track.frameCount / 30));
        expect(video.cues.every((c) => c.pointsAtCluster)).toBe(true);
    });
});
