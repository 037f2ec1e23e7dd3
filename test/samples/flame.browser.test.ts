import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;

async function screenshot(name: string): Promise<Buffer> {
    const png = await session.page.screenshot();
    saveScreenshot(name, `data:image/png;base64,${png.toString("base64")}`);
    return png;
}

/** Waits until the sample's scene has drawn `count` more frames (a count, however slowly a busy machine draws). */
async function framesDrawn(count: number): Promise<void> {
    await session.page.evaluate(
        (n) =>
            new Promise<void>((resolve) => {
                const scene = (window as any).flameSample.avatar.mesh.getScene();
                let drawn = 0;
                const observer = scene.onAfterRenderObservable.add(() => {
                    if (++drawn >= n) {
                        scene.onAfterRenderObservable.remove(observer);
                        resolve();
                    }
                });
            }),
        count
    );
}

describe("samples/flame in a real browser", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["flame"]);
        await session.page.setViewportSize({ width: 900, height: 640 });
        await session.page.waitForFunction(() => !!(window as any).flameSample?.avatar && !!(window as any).flameSample?.track, undefined, { timeout: 60_000 });
        await framesDrawn(3);
    }, 300_000);

    afterAll(async () => {
        const errors = session?.console.filter((l) => l.startsWith("error") || l.startsWith("pageerror")) ?? [];
        await session?.close();
        expect(errors, errors.join("\n")).toEqual([]);
    });

    it("loads the generated FLAME model and the jaw slider opens the jaw", async () => {
        const before = await screenshot("flame-sample-rest");
        await session.page.evaluate(() => ((window as any).flameSample.panel.ui.getControlByName("slider-jaw open").value = 0.4));
        await framesDrawn(3);
        expect(await session.page.evaluate(() => (window as any).flameSample.avatar.jawPose[0])).toBeCloseTo(0.4, 5);
        const after = await screenshot("flame-sample-jaw-open");
        expect(after.equals(before)).toBe(false);
    });

    it("shows the Gaussians bound to the mesh, following the pose", async () => {
        await session.page.evaluate(() => (window as any).flameSample.panel.ui.getControlByName("gaussians").onPointerClickObservable.notifyObservers({}));
        await session.page.waitForFunction(() => (window as any).flameSample.rigged.mesh.isEnabled() && (window as any).flameSample.rigged.isUpToDate);
        await framesDrawn(3);
        const count = await session.page.evaluate(() => (window as any).flameSample.rigged.renderCount);
        expect(count).toBeGreaterThan(0);
        await screenshot("flame-sample-rigged-gaussians");
    });

    it("plays the bundled tracked sequence", async () => {
        await session.page.evaluate(() => (window as any).flameSample.panel.ui.getControlByName("play").onPointerClickObservable.notifyObservers({}));
        const first = await session.page.evaluate(() => Array.from((window as any).flameSample.avatar.expression as Float32Array));
        // Until the playing track has moved the expression (a change, not a time), then read it.
        await session.page.waitForFunction((start) => Array.from((window as any).flameSample.avatar.expression as Float32Array).some((v, i) => v !== start[i]), first, {
            timeout: 60_000,
        });
        const later = await session.page.evaluate(() => Array.from((window as any).flameSample.avatar.expression as Float32Array));
        expect(await session.page.evaluate(() => (window as any).flameSample.track.isPlaying)).toBe(true);
        expect(later).not.toEqual(first);
        await screenshot("flame-sample-track");
    });
});
