/**
 * The engine of the test and benchmark pages: WebGL2 without antialiasing and with a preserved drawing buffer (pixels
 * are read back), or WebGPU with the adapter's limits (the GPU reconstruction's 40-byte splat target needs them).
 */
import { Engine } from "@babylonjs/core/Engines/engine.js";
import "@babylonjs/core/Engines/WebGPU/Extensions/engine.multiRender.js";
import { WebGPUEngine } from "@babylonjs/core/Engines/webgpuEngine.js";

/** Which engine a measuring page runs on. */
export type MeasurementEngineKind = "webgl2" | "webgpu";

/**
 * Creates the engine for a measuring page's canvas.
 * @param canvas the canvas
 * @param kind WebGL2 or WebGPU
 * @returns the engine (typed as Engine: the pages use the shared API only, and the WebGL-only reads check `isWebGPU`)
 */
export async function createMeasurementEngine(canvas: HTMLCanvasElement, kind: MeasurementEngineKind): Promise<Engine> {
    if (kind === "webgpu") {
        const webgpu = new WebGPUEngine(canvas, { antialias: false, setMaximumLimits: true });
        await webgpu.initAsync();
        return webgpu as unknown as Engine;
    }
    return new Engine(canvas, false, { preserveDrawingBuffer: true, antialias: false });
}
