import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { describe, expect, it } from "vitest";
import { GemReconstructionPass } from "../../materials/GemReconstructionPass.js";
import { GemCrowd } from "../../plugin/GemCrowd.js";
import { installSortWorkerStub, useNullEngineScene } from "../support/nullEngineScene.js";

installSortWorkerStub();
const scene = useNullEngineScene();

/** An engine as the support check sees it: float targets present, WebGL2 or WebGPU. */
function engineLike(isWebGPU: boolean, version: number, webgpu: { limit: number; multiRender: boolean } = { limit: 32, multiRender: false }): AbstractEngine {
    return {
        isWebGPU,
        version,
        getCaps: () => ({ drawBuffersExtension: true, textureFloatRender: true }),
        currentLimits: { maxColorAttachmentBytesPerSample: webgpu.limit },
        createMultipleRenderTarget: webgpu.multiRender ? () => null : undefined,
    } as unknown as AbstractEngine;
}

describe("GemCrowd", () => {
    it("says what it needs, without claiming an engine it refuses", () => {
        expect(GemCrowd.IsSupported(scene().getEngine())).toBe(false);
        const message = (() => {
            try {
                new GemCrowd(scene());
            } catch (error) {
                return (error as Error).message;
            }
            return "";
        })();
        expect(message).toMatch(/needs the GPU reconstruction passes: WebGL2 with float render targets \(EXT_color_buffer_float\) is needed/);
    });

    it("is supported on WebGL2 with float targets, and on WebGPU with multi-render targets and 40 bytes per sample", () => {
        expect(GemReconstructionPass.IsSupported(engineLike(false, 2))).toBe(true);
        expect(GemCrowd.IsSupported(engineLike(false, 1))).toBe(false);
        // WebGPU (version 1): the attachment limit and the multi-render extension decide, each said by name when missing.
        expect(GemReconstructionPass.IsSupported(engineLike(true, 1, { limit: 40, multiRender: true }))).toBe(true);
        expect(GemReconstructionPass.IsSupported(engineLike(true, 1, { limit: 32, multiRender: true }))).toBe(false);
        expect(GemReconstructionPass.UnsupportedReason(engineLike(true, 1, { limit: 32, multiRender: true }))).toMatch(/setMaximumLimits/);
        expect(GemReconstructionPass.UnsupportedReason(engineLike(true, 1, { limit: 40, multiRender: false }))).toMatch(/engine\.multiRender/);
    });
});
