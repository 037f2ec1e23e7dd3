/**
 * Renders Gaussian frames in the real browser (Chromium, WebGL2) through Babylon's splat pipeline and returns their
 * pixels: the image side of the distillation report.
 */
import { openBrowserSession, type BrowserSession } from "../browserSession";
import type { GemGaussians } from "../../plugin/gemReconstruction";
import { encodeGaussianFrame } from "./gaussianFrameFile";

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
    /** Renders a frame from a yaw angle (0 = facing the camera). */
    render(gaussians: GemGaussians, yaw?: number): Promise<RenderedImage>;
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
 * @returns the renderer
 */
export async function openFrameRenderer(width = 256, height = 256, distance = 0.34): Promise<FrameRenderer> {
    const session: BrowserSession = await openBrowserSession(["gaussian-render"]);
    const renderer = await session.page.evaluate(([w, h, d]) => (window as any).gaussianRender.init(w, h, d), [width, height, distance] as const);
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
        async render(gaussians, yaw = 0) {
            const name = `f${counter++}.bin`;
            frames.set(name, encodeGaussianFrame(gaussians));
            await session.page.evaluate(([y, d]) => (window as any).gaussianRender.setView(y, d), [yaw, distance] as const);
            const result = await session.page.evaluate((url) => (window as any).gaussianRender.render(url), `frames/${name}`);
            frames.delete(name);
            return { width, height, pixels: Uint8Array.from(result.pixels as number[]), png: result.png as string };
        },
        async close() {
            await session.close();
        },
    };
}
