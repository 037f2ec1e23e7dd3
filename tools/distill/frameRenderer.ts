/**
 * Renders Gaussian frames in the real browser (Chromium, WebGL2) through Babylon's splat pipeline and returns their
 * pixels: the image side of the distillation report.
 */
import { openBrowserSession, type BrowserSession } from "../browser/browserSession.js";
import type { GemGaussians } from "../../core/gemReconstruction.js";
import { encodeGaussianFrame } from "./gaussianFrameFile.js";

/** An image: RGBA bytes, top row first. */
export interface RenderedImage {
    width: number;
    height: number;
    pixels: Uint8Array;
    /** The same as a PNG data URL. */
    png: string;
}

/** A renderer bound to one browser session. */
export interface FrameRenderer {
    /**
     * Renders a frame from a yaw angle (0 = facing the camera).
     * @param gaussians the frame
     * @param yaw camera orbit, radians
     * @param distanceScale camera distance as a multiple of the renderer's (default 1)
     * @param pitch camera orbit above the head, radians (default 0)
     */
    render(gaussians: GemGaussians, yaw?: number, distanceScale?: number, pitch?: number): Promise<RenderedImage>;
    /**
     * Renders a frame as {@link render} does and returns only its PNG data URL (no pixel transfer).
     * @param gaussians the frame
     * @param yaw camera orbit, radians
     * @param distanceScale camera distance as a multiple of the renderer's (default 1)
     * @param pitch camera orbit above the head, radians (default 0)
     */
    renderPng(gaussians: GemGaussians, yaw?: number, distanceScale?: number, pitch?: number): Promise<string>;
    /**
     * Starts a WebCodecs video of the rendered frames.
     * @param codec WebCodecs codec string, for example `vp8`
     * @param bitrate bits per second
     * @param framerate frames per second
     */
    startVideo(codec: string, bitrate: number, framerate: number): Promise<void>;
    /** Adds the last rendered frame to the video. */
    encodeFrame(timestampUs: number, durationUs: number, keyFrame: boolean): Promise<void>;
    /** Ends the video: its encoded chunks in order. */
    finishVideo(): Promise<{ timestampUs: number; key: boolean; data: Uint8Array }[]>;
    /** Decodes chunks of {@link finishVideo} back to frames' pixels (RGBA, top row first), as a player would show them. */
    decodeVideo(codec: string, chunks: { timestampUs: number; key: boolean; data: Uint8Array }[]): Promise<Uint8Array[]>;
    /** Closes the browser. */
    close(): Promise<void>;
    /** What WebGL reports as the renderer. */
    renderer: string;
}

/**
 * Opens the browser page.
 * @param width image width
 * @param height image height
 * @param distance camera distance from the head centre, metres
 * @param settleFrames animation frames each render waits for the depth sort to settle (default 30)
 * @returns the renderer
 */
export async function openFrameRenderer(width = 256, height = 256, distance = 0.34, settleFrames = 30): Promise<FrameRenderer> {
    const session: BrowserSession = await openBrowserSession(["gaussian-render"]);
    const renderer = await session.page.evaluate(([w, h, d, f]) => (window as any).gaussianRender.init(w, h, d, f), [width, height, distance, settleFrames] as const);
    let counter = 0;
    // Frames are served from memory by a route, so nothing is written to disk.
    const frames = new Map<string, Uint8Array>();
    await session.page.route("**/frames/*", async (route) => {
        const name = new URL(route.request().url()).pathname.split("/").pop()!;
        const body = frames.get(name);
        await (body ? route.fulfill({ status: 200, body: Buffer.from(body), contentType: "application/octet-stream" }) : route.fulfill({ status: 404 }));
    });
    return {
        renderer,
        async render(gaussians, yaw = 0, distanceScale = 1, pitch = 0) {
            const name = `f${counter++}.bin`;
            frames.set(name, encodeGaussianFrame(gaussians));
            await session.page.evaluate(([y, d, p]) => (window as any).gaussianRender.setView(y, d, p), [yaw, distance * distanceScale, pitch] as const);
            const result = await session.page.evaluate((url) => (window as any).gaussianRender.render(url), `frames/${name}`);
            frames.delete(name);
            return { width, height, pixels: Uint8Array.from(result.pixels as number[]), png: result.png as string };
        },
        async renderPng(gaussians, yaw = 0, distanceScale = 1, pitch = 0) {
            const name = `f${counter++}.bin`;
            frames.set(name, encodeGaussianFrame(gaussians));
            await session.page.evaluate(([y, d, p]) => (window as any).gaussianRender.setView(y, d, p), [yaw, distance * distanceScale, pitch] as const);
            const result = await session.page.evaluate((url) => (window as any).gaussianRender.render(url, false), `frames/${name}`);
            frames.delete(name);
            return result.png as string;
        },
        async startVideo(codec, bitrate, framerate) {
            await session.page.evaluate(([c, b, f]) => (window as any).gaussianRender.startVideo(c, b, f), [codec, bitrate, framerate] as const);
        },
        async encodeFrame(timestampUs, durationUs, keyFrame) {
            await session.page.evaluate(([t, d, k]) => (window as any).gaussianRender.encodeFrame(t, d, k), [timestampUs, durationUs, keyFrame] as const);
        },
        async finishVideo() {
            const chunks = (await session.page.evaluate(() => (window as any).gaussianRender.finishVideo())) as { timestampUs: number; key: boolean; data: number[] }[];
            return chunks.map((c) => ({ ...c, data: Uint8Array.from(c.data) }));
        },
        async decodeVideo(codec, chunks) {
            const frames = (await session.page.evaluate(([c, list]) => (window as any).gaussianRender.decodeVideo(c, list), [
                codec,
                chunks.map((k) => ({ ...k, data: Array.from(k.data) })),
            ] as const)) as number[][];
            return frames.map((f) => Uint8Array.from(f));
        },
        async close() {
            await session.close();
        },
    };
}
