import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pictureDifference } from "../../support/pictures.js";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../../tools/browser/browserSession.js";

let session: BrowserSession;
const call = (name: string, ...args: unknown[]): Promise<any> =>
    session.page.evaluate(([n, a]) => (window as any).gemTest[n as string](...(a as unknown[])), [name, args] as const);

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
        expect(await pictureDifference(session.page, result.pictures[0], result.pictures[1])).toBeLessThan(0.5);
    });
});
