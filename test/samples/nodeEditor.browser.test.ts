import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pictureDifference } from "../support/pictures.js";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;

/** The head's canvas as a PNG data URL, after the avatar's material is ready and a few frames are drawn. */
async function headPicture(name: string): Promise<string> {
    const page = session.page;
    await page.waitForFunction(
        () => {
            const sample = (window as any).nodeEditorSample;
            return sample.avatar.mesh.material.isReady(sample.avatar.mesh) && sample.avatar.isUpToDate;
        },
        null,
        { timeout: 60_000 }
    );
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(done)))));
    await page.waitForTimeout(500);
    const url = `data:image/png;base64,${(await page.locator("#renderCanvas").screenshot()).toString("base64")}`;
    saveScreenshot(name, url);
    return url;
}

describe("the Node Material Editor on an avatar's node material (samples/node-editor)", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["node-editor"]);
        // Below 900 px the editor covers itself with a "too small" notice.
        await session.page.setViewportSize({ width: 1400, height: 900 });
        await session.page.reload({ waitUntil: "load" });
        await session.page.waitForSelector('[class*="graphNode-module_header__"]', { timeout: 120_000 });
    }, 300_000);

    afterAll(async () => {
        // Fails if the editor fetched anything from outside this machine (its logo comes from the page itself).
        await session?.close();
    });

    let edited = "";

    it("shows GemEigenBlock in the graph, and editing its expression scale in the property pane redraws the head", async () => {
        const page = session.page;
        const headers = await page.evaluate(() => [...document.querySelectorAll('[class*="graphNode-module_header__"]')].map((e) => e.textContent));
        expect(headers).toContain("GEM eigen reconstruction");
        expect(headers).toContain("SplatReader");
        const asIs = await headPicture("node-editor-scale-1");

        await page.locator('[class*="graphNode-module_header__"]', { hasText: "GEM eigen reconstruction" }).first().click();
        await expect.poll(() => page.locator("#propertyTab").textContent()).toContain("GemEigenBlock");
        const scale = page.locator("#propertyTab .sliderLine", { hasText: "Expression scale" }).locator('input[type="number"]');
        await scale.fill("0");
        await scale.press("Enter");
        await page.waitForFunction(() => (window as any).nodeEditorSample.block.expressionScale === 0, null, { timeout: 30_000 });
        const meanFace = await headPicture("node-editor-scale-0");
        await scale.fill("1.6");
        await scale.press("Enter");
        await page.waitForFunction(() => Math.abs((window as any).nodeEditorSample.block.expressionScale - 1.6) < 1e-6, null, { timeout: 30_000 });
        edited = await headPicture("node-editor-scale-1.6");
        // The expression (open jaw, smile, raised brows) fades out at 0 and grows at 1.6.
        expect(await pictureDifference(session.page, asIs, meanFace)).toBeGreaterThan(1);
        expect(await pictureDifference(session.page, asIs, edited)).toBeGreaterThan(1);
        saveScreenshot("node-editor", `data:image/png;base64,${(await page.screenshot()).toString("base64")}`);
    });

    it("adds another GemEigenBlock from the block list (its custom frame) and wires it by dragging from SplatReader's output", async () => {
        const page = session.page;
        const count = () => page.evaluate(() => (window as any).nodeEditorSample.material.attachedBlocks.filter((b: any) => b.getClassName() === "GemEigenBlock").length);
        expect(await count()).toBe(1);
        await page.locator("#nmeNodeList .draggableLine", { hasText: "GEM eigen block" }).dragTo(page.locator(".diagram-container"), { targetPosition: { x: 200, y: 150 } });
        await expect.poll(count, { timeout: 30_000 }).toBe(2);
        // Graph nodes carry their block's class name; ports sit in their node's inputs and outputs containers.
        const node = (className: string) => page.locator(`[class*="graphNode-module_visual"].${className}`);
        const port = (owner: ReturnType<typeof node>, side: "inputs" | "outputs", label: string) =>
            owner.locator(`[class*="common-module_${side}Container"] [class*="common-module_portLine"]`, { hasText: label }).locator('[class*="common-module_port__"]').first();
        await expect.poll(() => node("GemEigenBlock").count(), { timeout: 30_000 }).toBe(2);
        const from = port(node("SplatReaderBlock"), "outputs", "splatPosition");
        const to = (await port(node("GemEigenBlock").last(), "inputs", "splatPosition").boundingBox())!;
        await from.hover();
        await page.mouse.down();
        await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 10 });
        await page.mouse.up();
        const wired = await page.evaluate(() =>
            (window as any).nodeEditorSample.material.attachedBlocks
                .filter((b: any) => b.getClassName() === "GemEigenBlock")
                .map((b: any) => b.splatPositionIn.connectedPoint?.ownerBlock?.getClassName() ?? null)
        );
        expect(wired).toEqual(["SplatReaderBlock", "SplatReaderBlock"]);
    });

    it("saves the material, and the saved JSON loads back through NodeMaterial.Parse to the same picture", async () => {
        const page = session.page;
        // With nothing selected, the property pane shows the material's own sections, FILE among them.
        await page.locator(".diagram-container").click({ position: { x: 8, y: 8 } });
        await page.getByText("Save to the page", { exact: true }).click();
        await page.waitForFunction(() => (window as any).nodeEditorSample.saved, null, { timeout: 30_000 });
        const saved = JSON.parse(await page.evaluate(() => (window as any).nodeEditorSample.saved as string));
        const eigenBlocks = saved.blocks.filter((b: any) => b.customType === "BABYLON.GemEigenBlock");
        expect(eigenBlocks).toHaveLength(2);
        expect(eigenBlocks.map((b: any) => b.expressionScale).sort()).toEqual([1, 1.6]);

        const reloaded = await page.evaluate(async () => {
            const sample = (window as any).nodeEditorSample;
            const NodeMaterial = sample.material.constructor;
            const material = NodeMaterial.Parse(JSON.parse(sample.saved), sample.scene);
            material.build(false);
            sample.avatar.mesh.material = material;
            return {
                className: material.getClassName(),
                eigen: material.attachedBlocks.filter((b: any) => b.getClassName() === "GemEigenBlock").map((b: any) => b.expressionScale),
            };
        });
        expect(reloaded.className).toBe("NodeMaterial");
        expect(reloaded.eigen).toContain(1.6);
        const again = await headPicture("node-editor-reloaded");
        expect(await pictureDifference(session.page, edited, again)).toBeLessThan(0.5);
    });
});
