import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { AnimationChannelError } from "../../../core/errors/AnimationChannelError.js";
import { ArkitBlendshapeNames } from "../../../core/animation/arkitBlendshapes.js";
import { ChannelLayout } from "../../../core/animation/ChannelLayout.js";
import { arkitChannelNames, channelMatches, flameChannelNames, gemChannelNames } from "../../../core/animation/channelNames.js";

const assets = resolve(import.meta.dirname, "../../../samples/assets");

const headModel = parseGemFile(readFileSync(resolve(assets, "cartoon-head.gem")), "cartoon-head.gem");

describe("channel names and layouts", () => {
    it("names every space without dots and matches * patterns", () => {
        expect(ArkitBlendshapeNames).toHaveLength(52);
        expect(new Set(ArkitBlendshapeNames).size).toBe(52);
        expect(arkitChannelNames()).toHaveLength(61);
        expect(flameChannelNames(10)).toHaveLength(10 + 3 + 3 + 3 + 6 + 3 + 2);
        const gem = gemChannelNames(headModel);
        expect(gem).toHaveLength(headModel.totalComponents);
        expect(gem[0]).toBe("gem/position/0");
        for (const name of [...arkitChannelNames(), ...flameChannelNames(10, 3), ...gem]) {
            expect(name).not.toContain(".");
        }
        expect(channelMatches("flame/jawPose/*", "flame/jawPose/2")).toBe(true);
        expect(channelMatches("flame/jawPose/*", "flame/eyePose/2")).toBe(false);
        expect(channelMatches("arkit/mouth*Left", "arkit/mouthSmileLeft")).toBe(true);
        expect(channelMatches("arkit/mouth*Left", "arkit/mouthSmileRight")).toBe(false);
        expect(channelMatches("*", "gem/scale/3")).toBe(true);
        const layout = new ChannelLayout(["a/x", "a/y", "b/z"]);
        expect(Array.from(layout.mask(["a/*"]))).toEqual([1, 1, 0]);
        expect(() => new ChannelLayout(["a/x", "a/x"])).toThrow(AnimationChannelError);
    });
});
