import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGemFile } from "../../loaders/gemContainer";
import { centreDistanceRmseMm } from "./positionError";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browserSession";

const assets = resolve(__dirname, "../../samples/assets");
const model = parseGemFile(readFileSync(resolve(assets, "default-head.gem")), "default-head.gem");
let session: BrowserSession;

describe("samples/live in a real browser (onnxruntime-web WASM in a Web Worker)", () => {
    beforeAll(async () => {
        const descriptor = JSON.parse(readFileSync(resolve(assets, "test-encoder.json"), "utf8"));
        session = await openBrowserSession(["live"], {
            "assets/wrong-input-encoder.json": new TextEncoder().encode(JSON.stringify({ ...descriptor, input: { ...descriptor.input, width: 24 } })),
        });
        await session.page.setViewportSize({ width: 720, height: 540 });
        await session.page.waitForFunction(() => (window as any).live?.encoder?.stats.processed > 10, undefined, { timeout: 120_000 });
    }, 300_000);

    afterAll(async () => {
        await session?.close();
    });

    it("drives the avatar from the rendered performance: paused on a frame, the avatar settles on the performer's expression", async () => {
        const meanFace = centreDistanceRmseMm(model, new Array(model.totalComponents).fill(0), await session.page.evaluate(() => Array.from((window as any).live.rendered.avatar.coefficients as Float32Array)));
        // A held-out frame of the track (not among the encoder's training renders), held still.
        await session.page.evaluate(() =>
            (window as any).live.rendered.scene.animationGroups.forEach((g: any) => {
                g.pause();
                g.goToFrame(300);
            })
        );
        await session.page.waitForTimeout(2500);
        const state = await session.page.evaluate(() => {
            const live = (window as any).live;
            return { performer: Array.from(live.rendered.avatar.coefficients as Float32Array), avatar: Array.from(live.avatar.coefficients as Float32Array), stats: { ...live.encoder.stats } };
        });
        const error = centreDistanceRmseMm(model, state.avatar, state.performer);
        const neutral = centreDistanceRmseMm(model, new Array(model.totalComponents).fill(0), state.performer);
        console.log(`live sample: performer vs driven avatar position RMSE ${error.toFixed(3)} mm (neutral face ${neutral.toFixed(3)} mm, earlier frame ${meanFace.toFixed(3)} mm); stats ${JSON.stringify(state.stats)}`);
        expect(state.stats.failed).toBe(0);
        // Stated error of the live path (measured 1.22 mm against 2.02 mm for the neutral face at frame 300): the test encoder
        // was fitted on renders of Babylon's CPU splat path, and the performer here is drawn by the GPU pass, whose
        // splat shapes differ slightly; offline on CPU-path renders it reaches 0.35 mm (faceEncoder.browser.test).
        expect(error).toBeLessThan(1.5);
        expect(error).toBeLessThan(0.7 * neutral);
        const png = await session.page.screenshot();
        saveScreenshot("live-sample-rendered-source", `data:image/png;base64,${png.toString("base64")}`);
    });

    it("back-pressure: frames offered while the worker is busy replace each other instead of queueing", async () => {
        const result = await session.page.evaluate(async () => {
            const { encoder, rendered } = (window as any).live;
            const before = { ...encoder.stats };
            for (let i = 0; i < 20; i++) {
                encoder.submit(rendered.element);
            }
            await new Promise((r) => setTimeout(r, 1000));
            return { before, after: { ...encoder.stats } };
        });
        const submitted = result.after.submitted - result.before.submitted;
        const dropped = result.after.dropped - result.before.dropped;
        expect(submitted).toBeGreaterThanOrEqual(20);
        expect(dropped).toBeGreaterThanOrEqual(18);
    });

    it("a model that does not match its descriptor fails in the worker with a typed error", async () => {
        const error = await session.page.evaluate(async () => {
            const { encoder } = (window as any).live;
            const Live = encoder.constructor;
            try {
                await Live.CreateAsync({ descriptorUrl: "assets/wrong-input-encoder.json" });
                return null;
            } catch (e) {
                return { name: (e as any).name, code: (e as any).code, message: (e as Error).message };
            }
        });
        expect(error).toMatchObject({ name: "EncoderError", code: "shape-mismatch" });
        expect(error!.message).toContain("[1, 3, 20, 24]");
    });
});
