import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ArkitBlendshapeNames } from "../../../core/animation/arkitBlendshapes.js";
import { parseLamExpressionTrack } from "../../../plugin/animation/lamExpressionTrack.js";
import { lcgRandom } from "../../support/lcgRandom.js";

const trackPath = resolve(__dirname, "../../../samples/assets/lam-arkit-track/talking.json");

describe("LAM expression track import", () => {
    it("reads the shipped 32 s talking track: 973 frames at 30 fps, 52 arkit channels, weights as stored", () => {
        const text = readFileSync(trackPath, "utf8");
        const json = JSON.parse(text) as { names: string[]; frames: { weights: number[] }[] };
        const { clip, frameCount, clampedCount, ignoredNames, missingNames, hasHeadPose } = parseLamExpressionTrack(text, { fileName: "talking.json" });
        expect(frameCount).toBe(973);
        expect(clampedCount).toBe(0);
        expect(ignoredNames).toEqual([]);
        expect(missingNames).toEqual([]);
        expect(hasHeadPose).toBe(true);
        expect(clip.name).toBe("talking");
        expect(clip.frameRate).toBe(30);
        expect(clip.channels).toHaveLength(52);
        const random = lcgRandom(3);
        for (let i = 0; i < 50; i++) {
            const frame = Math.floor(random() * frameCount);
            const c = Math.floor(random() * 52);
            expect(clip.evaluateChannel(`arkit/${json.names[c]}`, frame)).toBeCloseTo(json.frames[frame].weights[c], 6);
        }
        // The talking track opens the jaw and blinks.
        const jaw = clip.getKeys("arkit/jawOpen")!.values;
        expect(Math.max(...jaw)).toBeGreaterThan(0.2);
        expect(Math.max(...clip.getKeys("arkit/eyeBlinkLeft")!.values)).toBeGreaterThan(0.5);
    });

    it("keeps a subset of names, clamps weights to [0, 1], and reports unknown names", () => {
        const track = {
            names: ["jawOpen", "notAShape", "eyeBlinkLeft"],
            frames: [
                { weights: [0.2, 5, 1.2], time: 0 },
                { weights: [0.4, 5, -0.1], time: 1 / 30 },
            ],
        };
        const result = parseLamExpressionTrack(track, { fileName: "small.json" });
        expect(result.ignoredNames).toEqual(["notAShape"]);
        expect(result.missingNames).toHaveLength(ArkitBlendshapeNames.length - 2);
        expect(result.clampedCount).toBe(2);
        expect(result.clip.evaluateChannel("arkit/eyeBlinkLeft", 0)).toBe(1);
        expect(result.clip.evaluateChannel("arkit/jawOpen", 1)).toBeCloseTo(0.4, 6);
        expect(result.hasHeadPose).toBe(false);
    });

    it("names what is wrong: not this layout, a short weight row, a non-finite weight, time going backwards", () => {
        const frame = (weights: unknown[], time?: number) => ({ weights, time });
        expect(() => parseLamExpressionTrack("[1, 2]", { fileName: "a.json" })).toThrow(expect.objectContaining({ code: "invalid-clip", source: "a.json" }));
        expect(() => parseLamExpressionTrack("{", { fileName: "a.json" })).toThrow(/not JSON/);
        expect(() => parseLamExpressionTrack({ names: ["jawOpen"], frames: [frame([0.1, 0.2])] })).toThrow(/frames\[0\]\.weights must hold 1/);
        expect(() => parseLamExpressionTrack({ names: ["jawOpen"], frames: [frame([null])] })).toThrow(
            expect.objectContaining({ code: "non-finite", channels: ["arkit/jawOpen"] })
        );
        expect(() => parseLamExpressionTrack({ names: ["jawOpen"], frames: [frame([0.1], 1), frame([0.1], 0.5)] })).toThrow(/frames\[1\]\.time/);
        expect(() => parseLamExpressionTrack({ names: ["foo"], frames: [frame([0.1])] })).toThrow(/none of the 1 names/);
        expect(() => parseLamExpressionTrack({ names: ["jawOpen", "jawOpen"], frames: [frame([0.1, 0.1])] })).toThrow(/twice/);
    });
});
