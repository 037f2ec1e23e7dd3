import { describe, expect, it } from "vitest";
import { ArkitRotationNames } from "../../../core/animation/arkitBlendshapes.js";
import { parseLiveLinkFaceCsv, parseTimecode } from "../../../plugin/animation/liveLinkFaceCsv.js";
import { writeLiveLinkFaceCsv } from "../../../tools/writers/liveLinkFaceCsvWriter.js";

describe("Live Link Face CSV import", () => {
    it("reads timecodes, the 52 blendshapes and head rotations into an arkit clip, clamping weights to [0, 1]", () => {
        const frames = Array.from({ length: 5 }, (_, t) => {
            const values: Record<string, number> = { jawOpen: t / 4, eyeBlinkLeft: t === 2 ? 1.02 : 0.1, headYaw: 0.05 * t };
            return values;
        });
        const text = writeLiveLinkFaceCsv(frames, { startTimecode: "10:20:30:58.250", frameRate: 60 });
        const { clip, frameCount, clampedCount, hasRotations } = parseLiveLinkFaceCsv(text, { fileName: "take.csv" });
        expect(frameCount).toBe(5);
        expect(hasRotations).toBe(true);
        expect(clampedCount).toBe(1);
        expect(clip.name).toBe("take");
        expect(clip.frameRate).toBe(60);
        expect(clip.getKeys("arkit/jawOpen")!.frames).toEqual([0, 1, 2, 3, 4]);
        expect(clip.getKeys("arkit/jawOpen")!.values[3]).toBeCloseTo(0.75, 6);
        expect(clip.evaluateChannel("arkit/eyeBlinkLeft", 2)).toBe(1);
        expect(clip.evaluateChannel("arkit/headYaw", 4)).toBeCloseTo(0.2, 6);
        expect(clip.channels).toHaveLength(52 + ArkitRotationNames.length);
        expect(parseTimecode("00:00:01:30.5", 60)).toBeCloseTo(1 + 30.5 / 60, 9);
        expect(parseTimecode("1.25", 60)).toBe(1.25);
        expect(parseTimecode("yesterday", 60)).toBeNull();
    });

    it("names what is wrong: missing columns, ragged rows, non-numeric values, time going backwards", () => {
        const good = writeLiveLinkFaceCsv([{ jawOpen: 0.1 }, { jawOpen: 0.2 }], { frameRate: 60 });
        const [header, ...rows] = good.trim().split("\n");
        const dropColumn = (name: string) => {
            const cells = header.split(",");
            const at = cells.indexOf(name);
            return [
                cells.filter((_, i) => i !== at).join(","),
                ...rows.map((r) =>
                    r
                        .split(",")
                        .filter((_, i) => i !== at)
                        .join(",")
                ),
            ].join("\n");
        };
        expect(() => parseLiveLinkFaceCsv(dropColumn("MouthSmileLeft"), { fileName: "a.csv" })).toThrow(
            expect.objectContaining({ code: "invalid-clip", channels: ["arkit/mouthSmileLeft"] })
        );
        expect(() => parseLiveLinkFaceCsv(dropColumn("Timecode"))).toThrow(/Timecode/);
        expect(() => parseLiveLinkFaceCsv(dropColumn("HeadRoll"))).toThrow(/rotation columns/);
        expect(() => parseLiveLinkFaceCsv(`${header}\n${rows[0]},7`)).toThrow(/line 2: .* fields/);
        expect(() => parseLiveLinkFaceCsv(`${header}\n${rows[0].replace(/,0\.1,/, ",abc,")}`)).toThrow(expect.objectContaining({ code: "non-finite" }));
        expect(() => parseLiveLinkFaceCsv(`${header}\n${rows[1]}\n${rows[0]}`)).toThrow(/does not increase/);
        expect(() => parseLiveLinkFaceCsv(header)).toThrow(/at least one frame/);
    });
});
