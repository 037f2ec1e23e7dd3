/**
 * The samples' engine: WebGPU when the browser offers it (with the limits the GPU reconstruction needs), WebGL2
 * otherwise; `?engine=webgl2` or `?engine=webgpu` forces one.
 */
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { Engine } from "@babylonjs/core/Engines/engine.js";
import "@babylonjs/core/Engines/WebGPU/Extensions/engine.multiRender.js";
import { WebGPUEngine } from "@babylonjs/core/Engines/webgpuEngine.js";

/** What {@link createSampleEngine} made. */
export interface SampleEngine {
    engine: AbstractEngine;
    /** "WebGPU" or "WebGL2", with a note when the asked-for engine was not available. */
    label: string;
}

/**
 * Creates the engine for a sample's canvas.
 * @param canvas the canvas
 * @returns the engine and what to show in the status line
 */
export async function createSampleEngine(canvas: HTMLCanvasElement): Promise<SampleEngine> {
    const asked = new URLSearchParams(location.search).get("engine");
    if (asked !== "webgl2" && (await WebGPUEngine.IsSupportedAsync)) {
        try {
            const engine = new WebGPUEngine(canvas, { antialias: true, setMaximumLimits: true });
            await engine.initAsync();
            return { engine, label: "WebGPU" };
        } catch (error) {
            console.warn(`WebGPU did not start (${(error as Error).message}); using WebGL2`);
        }
    }
    const engine = new Engine(canvas, true, { preserveDrawingBuffer: true });
    return { engine, label: asked === "webgpu" ? "WebGL2 (WebGPU not available here)" : "WebGL2" };
}
