/**
 * samples/viewer picks WebGPU where the browser offers it (SwiftShader Vulkan here), reconstructs on the GPU there and
 * says so; `?engine=webgl2` forces WebGL2 in the same browser.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;

async function readyViewer(): Promise<{ webgpu: boolean; gpuPass: boolean; status: string }> {
    await session.page.waitForFunction(
        () =>
            (window as any).viewer?.avatar?.isUpToDate &&
            (window as any).viewer.avatar.mesh.isReady(true) &&
            /Gaussians/.test((window as any).viewer.panel.ui.getControlByName("status").text),
        undefined,
        { timeout: 120_000 }
    );
    return session.page.evaluate(() => {
        const viewer = (window as any).viewer;
        return {
            webgpu: viewer.scene.getEngine().isWebGPU,
            gpuPass: viewer.avatar.reconstructionPass !== null,
            status: viewer.panel.ui.getControlByName("status").text,
        };
    });
}

describe("samples/viewer on WebGPU", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["viewer"], {}, ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader"]);
        await session.page.setViewportSize({ width: 640, height: 480 });
    }, 300_000);

    afterAll(async () => {
        await session?.close();
    });

    it("runs on WebGPU with the GPU reconstruction, says so, and draws the head", async () => {
        const state = await readyViewer();
        expect(state).toMatchObject({ webgpu: true, gpuPass: true });
        expect(state.status).toMatch(/WebGPU, reconstructed on the GPU/);
        // A WebGPU canvas screenshots black: read the frame back through the engine.
        const image = await session.page.evaluate(async () => {
            const scene = (window as any).viewer.scene;
            const engine = scene.getEngine();
            const width = engine.getRenderWidth();
            const height = engine.getRenderHeight();
            scene.render();
            const pixels = new Uint8Array((await engine.readPixels(0, 0, width, height)).buffer);
            let head = 0;
            for (let i = 0; i < pixels.length; i += 4) if (pixels[i] > 90 && pixels[i] > pixels[i + 2]) head++;
            const canvas = document.createElement("canvas");
            canvas.width = width;
            canvas.height = height;
            const context = canvas.getContext("2d")!;
            const data = context.createImageData(width, height);
            data.data.set(pixels.subarray(0, width * height * 4));
            context.putImageData(data, 0, 0);
            return { share: head / (width * height), url: canvas.toDataURL("image/png") };
        });
        saveScreenshot("viewer-webgpu", image.url);
        console.log(`viewer on WebGPU: ${state.status}; skin-coloured share of the frame ${image.share.toFixed(3)}`);
        expect(image.share).toBeGreaterThan(0.02);
    });

    it("?engine=webgl2 forces WebGL2", async () => {
        await session.page.goto(`${session.baseUrl}/viewer.html?engine=webgl2`, { waitUntil: "load" });
        const state = await readyViewer();
        expect(state).toMatchObject({ webgpu: false, gpuPass: true });
        expect(state.status).toMatch(/WebGL2, reconstructed on the GPU/);
    });
});
