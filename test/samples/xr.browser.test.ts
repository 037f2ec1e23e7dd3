import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;

interface HeadInEye {
    eye: number;
    head: number;
    projected: [number, number];
    centroid: [number, number];
    pixels: number;
}

describe("samples/xr in an emulated headset (IWER Meta Quest 3, stereo)", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["xr"]);
        await session.page.setViewportSize({ width: 800, height: 400 });
    }, 300_000);

    afterAll(async () => {
        await session?.close();
    });

    it("enters immersive-vr and draws every head in both eyes where that eye's camera puts it", async () => {
        const page = session.page;
        const started = performance.now();
        // WebXR needs a secure context; Babylon's XR button accepts plain http only on `localhost`.
        await page.goto(`${session.baseUrl.replace("127.0.0.1", "localhost")}/xr.html?emulate=quest3&animate=0`, { waitUntil: "load" });
        await page.waitForFunction(() => (window as any).xrPage?.ready || (window as any).xrPage?.error, undefined, { timeout: 120_000 });
        expect(await page.evaluate(() => (window as any).xrPage.error)).toBeNull();
        const setup = await page.evaluate(() => ({ supported: (window as any).xrPage.supported, summary: (window as any).xrPage.summary }));
        expect(setup.supported).toBe(true);
        expect(setup.summary.components.geometry[1]).toBe(8);
        // WebXRState.IN_XR (2) is reached after the session's first frame.
        const inXr = (timeout: number) =>
            page
                .waitForFunction(() => (window as any).xrPage.xr.baseExperience.state === 2, undefined, { timeout })
                .then(
                    () => true,
                    () => false
                );
        await page.evaluate(() => (window as any).xrPage.enterAsync());
        if (!(await inXr(30_000))) {
            // Seen once in a full suite run (not reproduced alone): the emulated session never delivered a frame.
            // Report what the page saw, then leave and enter once more; a second failure fails the test.
            const seen = await page.evaluate(() => {
                const base = (window as any).xrPage.xr.baseExperience;
                return { state: base.state, session: !!base.sessionManager.session, frames: base.sessionManager.currentFrame ? "some" : "none" };
            });
            console.log(`xr: not in immersive mode 30 s after entering (${JSON.stringify(seen)}); page console: ${session.console.slice(-8).join(" | ")}; entering again`);
            await page.evaluate(async () => {
                const p = (window as any).xrPage;
                await p.xr.baseExperience.exitXRAsync().catch(() => undefined);
                await p.enterAsync();
            });
            expect(await inXr(30_000)).toBe(true);
        }
        // Both eyes' draw meshes exist and have their own sorts applied; then a few more frames.
        const eyeMeshes = () =>
            page.evaluate(() => {
                const p = (window as any).xrPage;
                const rigs = p.scene.activeCamera?.rigCameras ?? [];
                const names = new Set(p.scene.meshes.map((m: any) => m.name));
                return {
                    rigs: rigs.length,
                    ready: p.avatars.every((a: any) => a.mesh.isReady(true)),
                    perEye: rigs.map((rig: any) => p.avatars.filter((a: any) => names.has(`${a.mesh.name}_cameraMesh_${rig.uniqueId}`)).length),
                    all: [...names].filter((n: any) => n.includes("_cameraMesh_")),
                };
            });
        const deadline = performance.now() + 150_000;
        let state = await eyeMeshes();
        while (!(state.rigs === 2 && state.ready && state.perEye.every((n: number) => n === 3)) && performance.now() < deadline) {
            await page.waitForTimeout(1000);
            state = await eyeMeshes();
        }
        expect(state, JSON.stringify(state)).toMatchObject({ rigs: 2, ready: true, perEye: [3, 3] });
        console.log(`xr: in immersive mode, both eyes sorted after ${((performance.now() - started) / 1000).toFixed(0)} s`);
        const frame = await page.evaluate(() => (window as any).xrPage.scene.getFrameId());
        await page.waitForFunction((f) => (window as any).xrPage.scene.getFrameId() >= f + 4, frame, { timeout: 120_000 });

        const result = await page.evaluate(() => {
            const p = (window as any).xrPage;
            const scene = p.scene;
            const canvas = scene.getEngine().getRenderingCanvas() as HTMLCanvasElement;
            const copy = document.createElement("canvas");
            copy.width = canvas.width;
            copy.height = canvas.height;
            const context = copy.getContext("2d")!;
            context.drawImage(canvas, 0, 0);
            const image = context.getImageData(0, 0, copy.width, copy.height);
            const width = copy.width;
            const height = copy.height;
            const rigs = scene.activeCamera.rigCameras;
            const heads: HeadInEye[] = [];
            const pixel = (x: number, y: number) => {
                const i = (y * width + x) * 4;
                return [image.data[i], image.data[i + 1], image.data[i + 2]];
            };
            rigs.forEach((eye: any, e: number) => {
                const viewProjection = eye.getViewMatrix().multiply(eye.getProjectionMatrix());
                const viewport = { x: e * (width / 2), width: width / 2 };
                p.avatars.forEach((avatar: any, h: number) => {
                    const center = avatar.mesh.getBoundingInfo().boundingBox.centerWorld;
                    const m = viewProjection.m;
                    const x = center.x * m[0] + center.y * m[4] + center.z * m[8] + m[12];
                    const y = center.x * m[1] + center.y * m[5] + center.z * m[9] + m[13];
                    const w = center.x * m[3] + center.y * m[7] + center.z * m[11] + m[15];
                    const px = viewport.x + ((x / w + 1) / 2) * viewport.width;
                    const py = (1 - (y / w + 1) / 2) * height;
                    // Head pixels: warm (skin, hair, lips) against the grey wall, in a window around the projection.
                    let sx = 0;
                    let sy = 0;
                    let n = 0;
                    for (let yy = Math.max(0, Math.round(py) - 40); yy < Math.min(height, Math.round(py) + 40); yy++) {
                        for (let xx = Math.max(viewport.x, Math.round(px) - 30); xx < Math.min(viewport.x + viewport.width, Math.round(px) + 30); xx++) {
                            const [r, , b] = pixel(xx, yy);
                            if (r - b > 25) {
                                sx += xx;
                                sy += yy;
                                n++;
                            }
                        }
                    }
                    heads.push({ eye: e, head: h, projected: [px, py], centroid: [sx / Math.max(n, 1), sy / Math.max(n, 1)], pixels: n });
                });
            });
            const eyes = rigs.map((eye: any) => eye.globalPosition.asArray());
            return { heads, eyes, width, height, png: copy.toDataURL("image/png") };
        });
        saveScreenshot("xr-stereo-pair", result.png);
        const ipd = Math.hypot(...(result.eyes[0] as number[]).map((v: number, i: number) => v - (result.eyes[1] as number[])[i]));
        console.log(
            `xr stereo: ${result.width}×${result.height}, eyes ${(ipd * 1000).toFixed(1)} mm apart; heads (eye, head, projected → centroid, pixels): ${result.heads.map((h: HeadInEye) => `${h.eye}/${h.head} (${h.projected.map((v) => v.toFixed(1))}) → (${h.centroid.map((v) => v.toFixed(1))}) ${h.pixels}`).join("; ")}`
        );
        expect(ipd).toBeGreaterThan(0.05);
        for (const head of result.heads as HeadInEye[]) {
            expect(head.pixels).toBeGreaterThan(150);
            // The head's bounding-box centre sits within a few pixels of the drawn head's centroid in that eye. Vertically
            // the warm pixels (skin, lips) sit 3 to 10 px below it: dark hair on top is not counted, shoulders are.
            expect(Math.abs(head.centroid[0] - head.projected[0])).toBeLessThan(3);
            expect(Math.abs(head.centroid[1] - head.projected[1])).toBeLessThan(12);
        }
        // The same head covers about as many pixels in either eye, and shifts between the eyes by the disparity.
        for (let h = 0; h < 3; h++) {
            const [left, right] = [0, 1].map((e) => (result.heads as HeadInEye[]).find((x) => x.eye === e && x.head === h)!);
            expect(left.pixels / right.pixels).toBeGreaterThan(0.8);
            expect(left.pixels / right.pixels).toBeLessThan(1.25);
            const measured = left.centroid[0] - (right.centroid[0] - result.width / 2);
            const expected = left.projected[0] - (right.projected[0] - result.width / 2);
            expect(Math.abs(measured - expected)).toBeLessThan(3);
            // Both eyes see the head at the same height, relative to where each eye's camera projects it.
            expect(Math.abs(left.centroid[1] - left.projected[1] - (right.centroid[1] - right.projected[1]))).toBeLessThan(1.5);
        }
    }, 300_000);
});
