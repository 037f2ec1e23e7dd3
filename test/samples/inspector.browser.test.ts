import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Locator } from "playwright-core";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;

/** The innermost property line of the Inspector whose label is `label`, narrowed to its input of `inputType`. */
function propertyInput(label: string, inputType: "text" | "checkbox"): Locator {
    const page = session.page;
    return page
        .locator("div")
        .filter({ has: page.getByText(label, { exact: true }) })
        .filter({ has: page.locator(`input[type="${inputType}"]`) })
        .last()
        .locator(`input[type="${inputType}"]`)
        .first();
}

describe("Babylon's Inspector on samples/viewer?inspector", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["viewer"]);
        await session.page.setViewportSize({ width: 1280, height: 800 });
        await session.page.goto(`${session.baseUrl}/viewer.html?inspector`, { waitUntil: "load" });
        await session.page.waitForFunction(() => (window as any).viewer?.avatar?.isUpToDate && (window as any).viewer?.track, null, { timeout: 120_000 });
    }, 300_000);

    afterAll(async () => {
        // Fails if the Inspector fetched anything from outside this machine.
        await session?.close();
    });

    /** Types into the Properties pane's filter (the second "Filter" box: the first is the scene explorer's). */
    async function filterProperties(text: string): Promise<void> {
        const filter = session.page.getByPlaceholder("Filter").nth(1);
        await filter.fill(text);
        await session.page.waitForTimeout(300);
    }

    it("lists the avatar's mesh as a GemSplatMesh whose Custom section shows its class, GPU path, coefficients and animator", async () => {
        const page = session.page;
        await page.getByText("Scene Explorer", { exact: true }).waitFor({ timeout: 120_000 });
        await page.getByText("Nodes", { exact: true }).click();
        await page.keyboard.press("ArrowRight");
        await page.getByText("default-head", { exact: true }).first().click();
        await page.getByText("position coefficients", { exact: true }).waitFor({ timeout: 60_000 });
        const expected = await page.evaluate(() => {
            const avatar = (window as any).viewer.avatar;
            return {
                className: avatar.mesh.getClassName(),
                groups: avatar.model.groups.map((g: any) => [g.semantic, g.components]),
                spaces: (window as any).viewer.animator.spaces.join(" → "),
            };
        });
        expect(expected.className).toBe("GemSplatMesh");
        let text = await page.evaluate(() => document.body.textContent ?? "");
        expect(text).toContain("GemAvatar");
        expect(text).toContain("GPU pass (WebGL2)");
        // The pane draws only the lines in view: narrow it to each group's last slider.
        for (const [semantic, components] of expected.groups as [string, number][]) {
            await filterProperties(`${semantic} coefficients`);
            expect(await page.evaluate(() => document.body.textContent ?? "")).toContain(`${components} × σ`);
            if (components > 0) {
                await filterProperties(`${semantic} ${components - 1}`);
                await page.getByText(`${semantic} ${components - 1}`, { exact: true }).waitFor({ timeout: 10_000 });
            }
        }
        await filterProperties("Animator");
        text = await page.evaluate(() => document.body.textContent ?? "");
        expect(text).toContain(`AvatarAnimator (${expected.spaces})`);
        await filterProperties("Layer");
        await page.getByText('Layer "performance"', { exact: true }).waitFor({ timeout: 10_000 });
    });

    it("edits the avatar from the Inspector: its layer's clip plays and pauses, a typed coefficient redraws the head", async () => {
        const page = session.page;
        await filterProperties("playing");
        const playing = propertyInput("playing", "checkbox");
        expect(await playing.isChecked()).toBe(false);
        await playing.click();
        await page.waitForFunction(() => (window as any).viewer.track.isPlaying, null, { timeout: 30_000 });
        await page.waitForFunction(() => (window as any).viewer.animator.writeCount > 2, null, { timeout: 30_000 });
        await playing.click();
        await page.waitForFunction(() => !(window as any).viewer.track.isPlaying, null, { timeout: 30_000 });

        await filterProperties("position 0");
        const before = await page.evaluate(() => (window as any).viewer.avatar.reconstructionCount);
        const input = propertyInput("position 0", "text");
        await input.fill("2.5");
        await input.press("Enter");
        await page.waitForFunction(
            (count) => {
                const avatar = (window as any).viewer.avatar;
                return Math.abs(avatar.coefficients[0] - 2.5) < 1e-6 && avatar.reconstructionCount > count && avatar.isUpToDate;
            },
            before,
            { timeout: 30_000 }
        );
        // The Custom section narrowed to the position group, with the typed value.
        await filterProperties("position");
        await page.waitForTimeout(500);
        saveScreenshot("inspector-avatar", `data:image/png;base64,${(await page.screenshot()).toString("base64")}`);
        // The value stays: the paused clip no longer writes the coefficients.
        await page.waitForTimeout(1000);
        expect(await page.evaluate(() => (window as any).viewer.avatar.coefficients[0])).toBeCloseTo(2.5, 6);
    });
});
