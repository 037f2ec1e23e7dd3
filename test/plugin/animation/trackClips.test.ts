import { describe, expect, it } from "vitest";
import { ExpressionClip } from "../../../plugin/animation/ExpressionClip.js";
import { clipWindow } from "../../../plugin/animation/trackClips.js";

describe("clipWindow", () => {
    it("resamples a window of a clip at whole frames, wrapping at the track length", () => {
        const clip = new ExpressionClip("ramp", 30);
        clip.setKey("flame/jawPose/0", 0, 0);
        clip.setKey("flame/jawPose/0", 9, 0.9);
        const window = clipWindow(clip, 10, 8, 4, "w");
        expect([0, 1, 2, 3].map((t) => window.evaluateChannel("flame/jawPose/0", t)!)).toEqual([0.8, 0.9, 0, 0.1].map((v) => expect.closeTo(v, 6)));
        expect(window.name).toBe("w");
        expect(window.frameRate).toBe(30);
    });
});
