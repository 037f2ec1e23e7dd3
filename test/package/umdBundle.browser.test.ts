/**
 * The script-tag build with Babylon's UMD package only (no module bundler, as in the Playground): babylon.js from
 * node_modules/babylonjs, the plugin's dist/umd build, samples/umd/index.html, served locally.
 */
import { copyFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import makeUmdConfig from "../../webpack.umd.config.js";
import { openStaticPage, runWebpack, saveScreenshot, type StaticPageSession } from "../../tools/browser/browserSession.js";

const repoRoot = resolve(import.meta.dirname, "../..");
const folder = join(repoRoot, "test-output/umd-page");
let session: StaticPageSession;

describe("the UMD build on Babylon's UMD package", () => {
    beforeAll(async () => {
        rmSync(folder, { recursive: true, force: true });
        // The build empties its output folder: the page's other files go in after it.
        await runWebpack(makeUmdConfig({ outDir: folder }, { mode: "production" }));
        mkdirSync(join(folder, "assets"), { recursive: true });
        copyFileSync(join(repoRoot, "node_modules/babylonjs/babylon.js"), join(folder, "babylon.js"));
        copyFileSync(join(repoRoot, "samples/umd/index.html"), join(folder, "index.html"));
        copyFileSync(join(repoRoot, "samples/assets/default-head.gem"), join(folder, "assets/default-head.gem"));
        cpSync(join(repoRoot, "samples/assets/lam-arkit-track"), join(folder, "assets/lam-arkit-track"), { recursive: true });
        session = await openStaticPage(folder);
    }, 300_000);

    afterAll(async () => {
        await session?.close();
    });

    it("registers on the global BABYLON and loads, draws and animates the default head", async () => {
        const page = session.page;
        await page.waitForFunction(() => (window as any).avatar?.isUpToDate, null, { timeout: 120_000 });
        const globals = await page.evaluate(() => {
            const B = (window as any).BABYLON;
            const avatar = (window as any).avatar;
            return {
                onGlobal: ["GemAvatar", "AvatarAnimator", "GemEigenBlock", "GemFileLoader", "GemAvatars"].filter((name) => name in B),
                isGemAvatar: avatar instanceof B.GemAvatar,
                meshIsBabylons: avatar.mesh instanceof B.GaussianSplattingMesh && avatar.mesh instanceof B.Mesh,
                className: avatar.mesh.getClassName(),
                gaussians: avatar.model.gaussianCount,
                gpu: !!avatar.reconstructionPass,
                blockRegistered: typeof B.GetClass("BABYLON.GemEigenBlock") === "function",
                // What the Node Material Editor's property pane lists for the block.
                editable: B.GetEditableProperties(new B.GemEigenBlock("x")).map((p: any) => p.displayName),
            };
        });
        expect(globals.onGlobal).toEqual(["GemAvatar", "AvatarAnimator", "GemEigenBlock", "GemFileLoader", "GemAvatars"]);
        expect(globals.isGemAvatar).toBe(true);
        expect(globals.meshIsBabylons).toBe(true);
        expect(globals.className).toBe("GemSplatMesh");
        expect(globals.gaussians).toBeGreaterThan(10_000);
        expect(globals.gpu).toBe(true);
        expect(globals.blockRegistered).toBe(true);
        expect(globals.editable).toEqual(["Expression scale"]);

        const first = await page.evaluate(() => ({ c: Array.from((window as any).avatar.coefficients as Float32Array), n: (window as any).avatar.reconstructionCount }));
        await page.waitForFunction((n) => (window as any).avatar.reconstructionCount > n + 3, first.n, { timeout: 60_000 });
        const later = await page.evaluate(() => Array.from((window as any).avatar.coefficients as Float32Array));
        expect(later).not.toEqual(first.c);

        // The head covers about 9% of the page (its chest fades out rather than ending in an edge).
        const { screenshot, head } = await session.waitForHeadPixels(0.06, 60_000);
        saveScreenshot("umd-default-head", screenshot);
        expect(head).toBeGreaterThan(0.06);
        expect(session.errors).toEqual([]);
    });
});
