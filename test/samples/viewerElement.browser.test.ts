import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;

/** Coefficients of the avatar in the viewer element's container, and how often it was reconstructed. */
function avatarState(): Promise<{ coefficients: number[]; reconstructions: number; progress: number; playing: boolean }> {
    return session.page.evaluate(() => {
        const element = document.querySelector("babylon-viewer") as any;
        const avatar = element.viewerDetails.model.assetContainer.meshes[0].gemAvatar;
        return {
            coefficients: Array.from(avatar.coefficients as Float32Array),
            reconstructions: avatar.reconstructionCount,
            progress: element.animationProgress,
            playing: element.isAnimationPlaying,
        };
    });
}

/** Fraction of the screenshot's pixels that are skin or hair rather than the viewer's dark background. */
async function headFraction(png: Buffer): Promise<number> {
    return session.page.evaluate(
        async (url) => {
            const image = new Image();
            image.src = url;
            await image.decode();
            const canvas = new OffscreenCanvas(image.width, image.height);
            const context = canvas.getContext("2d")!;
            context.drawImage(image, 0, 0);
            const data = context.getImageData(0, 0, image.width, image.height).data;
            let head = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i] > 70 && data[i] > data[i + 2] + 15) {
                    head++;
                }
            }
            return head / (data.length / 4);
        },
        `data:image/png;base64,${png.toString("base64")}`
    );
}

describe("<babylon-viewer> showing a .gem (samples/viewer-element)", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["viewer-element"]);
        await session.page.setViewportSize({ width: 900, height: 640 });
        await session.page.waitForFunction(
            () => {
                const element = document.querySelector("babylon-viewer") as any;
                const avatar = element?.viewerDetails?.model?.assetContainer.meshes[0]?.gemAvatar;
                return avatar?.isUpToDate && element.isAnimationPlaying;
            },
            null,
            { timeout: 120_000 }
        );
    }, 300_000);

    afterAll(async () => {
        // Fails if the viewer fetched anything from outside this machine (environment, decoders, fonts).
        await session?.close();
    });

    it("loads the avatar through the registered loader and frames it with the viewer's own camera", async () => {
        const loaded = await session.page.evaluate(() => {
            const element = document.querySelector("babylon-viewer") as any;
            const details = element.viewerDetails;
            const mesh = details.model.assetContainer.meshes[0];
            const box = mesh.getBoundingInfo().boundingBox;
            const camera = details.camera;
            return {
                classes: details.model.assetContainer.meshes.map((m: any) => m.getClassName()),
                groups: details.model.assetContainer.animationGroups.map((g: any) => g.name),
                inScene: details.scene.meshes.includes(mesh),
                centre: box.centerWorld.asArray(),
                diagonal: box.maximumWorld.subtract(box.minimumWorld).length(),
                target: camera.target.asArray(),
                radius: camera.radius,
            };
        });
        expect(loaded.classes).toEqual(["GemSplatMesh"]);
        expect(loaded.groups).toEqual(["talking"]);
        expect(loaded.inScene).toBe(true);
        // The viewer sizes its camera from the splat centres (GemSplatMesh's positions): about 1.1 × the head's
        // diagonal, aimed at its centre; without them it falls back to a radius of 1 aimed at the origin.
        expect(loaded.radius).toBeGreaterThan(0.6 * loaded.diagonal);
        expect(loaded.radius).toBeLessThan(1.6 * loaded.diagonal);
        for (let i = 0; i < 3; i++) {
            expect(Math.abs(loaded.target[i] - loaded.centre[i])).toBeLessThan(0.05);
        }
        // The head is drawn once the viewer has rendered it after its splats were sorted; on a busy machine that can be a
        // few frames after the avatar is up to date: look again after each few drawn frames, up to a generous deadline.
        let png = await session.page.screenshot();
        for (const deadline = Date.now() + 60_000; (await headFraction(png)) <= 0.15 && Date.now() < deadline; ) {
            await session.page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve())))));
            png = await session.page.screenshot();
        }
        saveScreenshot("viewer-element", `data:image/png;base64,${png.toString("base64")}`);
        expect(await headFraction(png)).toBeGreaterThan(0.15);
    });

    it("plays the head's bundled performance through the viewer's animation controls: pause, then scrub the timeline", async () => {
        const page = session.page;
        const first = await avatarState();
        await page.waitForFunction(
            (count) => (document.querySelector("babylon-viewer") as any).viewerDetails.model.assetContainer.meshes[0].gemAvatar.reconstructionCount > count + 3,
            first.reconstructions,
            {
                timeout: 60_000,
            }
        );
        const playing = await avatarState();
        expect(playing.progress).toBeGreaterThan(0);
        expect(playing.coefficients).not.toEqual(first.coefficients);

        await page.getByRole("button", { name: "Pause" }).click();
        await page.waitForFunction(() => !(document.querySelector("babylon-viewer") as any).isAnimationPlaying, null, { timeout: 30_000 });
        await page.waitForTimeout(500);
        const paused = await avatarState();
        await page.waitForTimeout(1000);
        expect((await avatarState()).coefficients).toEqual(paused.coefficients);

        const target = paused.progress < 0.5 ? 0.8 : 0.2;
        await page.locator("input.animation-timeline-input").fill(String(target));
        // The viewer seeks the group; the animator and the reconstruction follow on the next frames.
        await page.waitForFunction(
            ([goal, count]) => {
                const element = document.querySelector("babylon-viewer") as any;
                const avatar = element.viewerDetails.model.assetContainer.meshes[0].gemAvatar;
                return Math.abs(element.animationProgress - goal) < 0.02 && avatar.reconstructionCount > count && avatar.isUpToDate;
            },
            [target, paused.reconstructions],
            { timeout: 30_000 }
        );
        const scrubbed = await avatarState();
        expect(scrubbed.playing).toBe(false);
        expect(scrubbed.coefficients).not.toEqual(paused.coefficients);
        await page.getByRole("button", { name: "Play" }).click();
        await page.waitForFunction(() => (document.querySelector("babylon-viewer") as any).isAnimationPlaying, null, { timeout: 30_000 });
    });
});
