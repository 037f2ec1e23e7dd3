import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;

describe("samples/crowd in a real browser", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["crowd"]);
        await session.page.setViewportSize({ width: 640, height: 480 });
    }, 300_000);

    afterAll(async () => {
        await session?.close();
    });

    it("animates 16 avatars of three people from their own clips in one globally sorted crowd, and its static baseline has the same splat count", async () => {
        await session.page.waitForFunction(
            () => {
                const c = (window as any).crowdSample;
                return c && c.crowd.avatars.length === 16 && c.crowd.avatars.every((a: any) => a.reconstructionCount > 0) && c.crowd.mesh.isReady(true);
            },
            undefined,
            { timeout: 120_000 }
        );
        // Every avatar is moving: each one's coefficients change between two moments.
        const snapshot = () => session.page.evaluate(() => (window as any).crowdSample.crowd.avatars.map((a: any) => Array.from(a.coefficients as Float32Array)));
        const a = await snapshot();
        // The software renderer draws about one frame a second here: wait for three frames, not for a time.
        const frame = await session.page.evaluate(() => (window as any).crowdSample.scene.getFrameId());
        await session.page.waitForFunction((f) => (window as any).crowdSample.scene.getFrameId() >= f + 3, frame, { timeout: 60_000 });
        const b = await snapshot();
        const moving = a.filter((v: number[], i: number) => v.some((x, k) => x !== b[i][k])).length;
        expect(moving).toBe(16);
        const shared = await session.page.evaluate(() => {
            const crowd = (window as any).crowdSample.crowd;
            return {
                basis: new Set(crowd.avatars.map((a: any) => a.pass.basis)).size,
                models: new Set(crowd.avatars.map((a: any) => a.model)).size,
                splats: crowd.gaussianCount,
                meshes: crowd.mesh.getScene().meshes.filter((m: any) => m.getClassName() === "GemSplatMesh").length,
            };
        });
        // Three different people; the avatars of one person share its basis textures.
        expect(shared).toMatchObject({ basis: 3, models: 3, meshes: 1 });
        // What the Inspector's Custom section shows for the crowd's mesh and for one avatar's node (and edits there).
        const inspected = await session.page.evaluate(() => {
            const crowd = (window as any).crowdSample.crowd;
            const lines = (node: any) => Object.fromEntries(node.inspectableCustomProperties.map((p: any) => [p.label, node[p.propertyName]]));
            const first = crowd.avatars[0];
            const firstLine = first.mesh.inspectableCustomProperties.find((p: any) => p.label === "position 0");
            first.mesh[firstLine.propertyName] = 0.75;
            return { crowd: lines(crowd.mesh), avatar: lines(first.mesh), written: first.coefficients[0], className: crowd.getClassName() };
        });
        expect(inspected.className).toBe("GemCrowd");
        expect(inspected.crowd).toMatchObject({ Crowd: "GemCrowd", Gaussians: String(shared.splats), Reconstruction: "GPU pass (WebGL2)" });
        expect(inspected.avatar).toMatchObject({ Avatar: "GemCrowdAvatar", Reconstruction: "GPU pass (WebGL2)" });
        expect(inspected.written).toBe(0.75);
        // Frame rates are measured by npm run bench (crowd rows), not here: a test must pass on a busy machine.
        const png = await session.page.screenshot();
        saveScreenshot("crowd-sample-16", `data:image/png;base64,${png.toString("base64")}`);

        await session.page.goto(`${session.baseUrl}/crowd.html?mode=static`, { waitUntil: "load" });
        await session.page.waitForFunction(() => (window as any).crowdPage?.ready && (window as any).crowdPage.scene.meshes.every((m: any) => m.isReady(true)), undefined, {
            timeout: 120_000,
        });
        const staticFrame = await session.page.evaluate(() => (window as any).crowdPage.scene.getFrameId());
        await session.page.waitForFunction((f) => (window as any).crowdPage.scene.getFrameId() >= f + 2, staticFrame, { timeout: 60_000 });
        const staticPng = await session.page.screenshot();
        saveScreenshot("crowd-sample-static-baseline", `data:image/png;base64,${staticPng.toString("base64")}`);
        const splats = await session.page.evaluate(() => (window as any).crowdPage.splats);
        expect(splats).toBe(shared.splats);
    });
});
