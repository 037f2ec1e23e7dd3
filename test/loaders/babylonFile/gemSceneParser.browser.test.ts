import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../../tools/browser/browserSession.js";

let session: BrowserSession;
const call = (name: string, ...args: unknown[]): Promise<any> =>
    session.page.evaluate(([n, a]) => (window as any).gemTest[n as string](...(a as unknown[])), [name, args] as const);

/** Mean absolute difference of two pictures, per channel, in 0–255. */
function pictureDifference(a: string, b: string): Promise<number> {
    return session.page.evaluate(
        async ([first, second]) => {
            const read = async (url: string) => {
                const image = new Image();
                image.src = url;
                await image.decode();
                const canvas = new OffscreenCanvas(image.width, image.height);
                const context = canvas.getContext("2d")!;
                context.drawImage(image, 0, 0);
                return context.getImageData(0, 0, image.width, image.height).data;
            };
            const [x, y] = [await read(first), await read(second)];
            let sum = 0;
            for (let i = 0; i < x.length; i++) {
                if (i % 4 !== 3) sum += Math.abs(x[i] - y[i]);
            }
            return sum / ((x.length / 4) * 3);
        },
        [a, b]
    );
}

describe("scenes with GEM avatars saved by SceneSerializer and loaded back from the .babylon file", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["gem-test"]);
        await call("init", 256, 256);
        await call("load", "assets/default-head.gem");
    }, 300_000);

    afterAll(async () => {
        if (session) {
            const errors = session.console.filter((line) => line.startsWith("error") || line.startsWith("pageerror"));
            await session.close();
            expect(errors, errors.join("\n")).toEqual([]);
        }
    });

    it("keeps the model's URL, coefficients, head pose, parent, handedness and animator layers, and draws the same picture", async () => {
        const result = await call("sceneRoundTrip");
        console.log(`scene file: ${result.bytes} characters`);
        // The file references the .gem; it does not carry the splats.
        expect(result.hasSplatData).toBe(false);
        expect(result.bytes).toBeLessThan(200_000);
        expect(result.before.source).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/assets\/default-head\.gem$/);
        expect(result.after).toEqual(result.before);
        expect(result.parentOfRestored).toBe("stage");
        // The paused clip's values are in the layer; the clip itself (an AnimationGroup on the layer, not a scene node)
        // comes back as an empty group.
        expect(result.clipGroupsAfter).toEqual([0]);
        saveScreenshot("scene-round-trip-before", result.pictures[0]);
        saveScreenshot("scene-round-trip-after", result.pictures[1]);
        expect(await pictureDifference(result.pictures[0], result.pictures[1])).toBeLessThan(0.5);
    });
});
