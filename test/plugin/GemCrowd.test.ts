import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { describe, expect, it } from "vitest";
import { GemReconstructionPass } from "../../materials/GemReconstructionPass.js";
import { GemCrowd } from "../../plugin/GemCrowd.js";
import { installSortWorkerStub, useNullEngineScene } from "../support/nullEngineScene.js";

installSortWorkerStub();
const scene = useNullEngineScene();

/** An engine as the support check sees it: float targets present, WebGL2 or WebGPU. */
function engineLike(isWebGPU: boolean, version: number): AbstractEngine {
    return { isWebGPU, version, getCaps: () => ({ drawBuffersExtension: true, textureFloatRender: true }) } as unknown as AbstractEngine;
}

describe("GemCrowd", () => {
    it("says what it needs and what it found, without claiming an engine it refuses", () => {
        expect(GemCrowd.IsSupported(scene().getEngine())).toBe(false);
        const message = (() => {
            try {
                new GemCrowd(scene());
            } catch (error) {
                return (error as Error).message;
            }
            return "";
        })();
        expect(message).toMatch(/needs WebGL2 with float render targets, found WebGL1 without several float render targets/);
        expect(() => new GemCrowd(scene())).not.toThrow(/or WebGPU/);
    });

    it("is supported on WebGL2 with float targets, and refused on WebGPU until its passes have WGSL twins", () => {
        expect(GemReconstructionPass.IsSupported(engineLike(false, 2))).toBe(true);
        expect(GemReconstructionPass.IsSupported(engineLike(true, 1))).toBe(false);
        expect(GemReconstructionPass.IsSupported(engineLike(true, 2))).toBe(false);
        expect(GemCrowd.IsSupported(engineLike(false, 1))).toBe(false);
    });
});
