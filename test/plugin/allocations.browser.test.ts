/**
 * Steady state without garbage: while avatars animate, the plugin allocates no typed array or ArrayBuffer per changed
 * frame. Counted in the page (wrapped constructors and slices, attributed by stack), for the viewer sample playing its
 * track (one avatar) and the crowd sample (16 avatars with their own clips); counts, not times.
 */
import { afterAll, describe, expect, it } from "vitest";
import { installAllocationCounter, startCountingAllocations, stopCountingAllocations, type AllocationReport } from "../../tools/browser/allocationCounter.js";
import { openBrowserSession, type BrowserSession } from "../../tools/browser/browserSession.js";

const sessions: BrowserSession[] = [];

afterAll(async () => {
    for (const session of sessions) await session.close();
});

/** Counts what the page allocates over `frames` frames of the scene at `window[handle].scene`, after 3 of warm-up. */
async function countFrames(session: BrowserSession, handle: string, frames: number): Promise<AllocationReport> {
    const page = session.page;
    const frameId = (name: string) => (window as any)[name].scene.getFrameId() as number;
    const first = await page.evaluate(frameId, handle);
    await page.waitForFunction(([name, f]) => (window as any)[name].scene.getFrameId() >= f + 3, [handle, first] as const, { timeout: 120_000 });
    await startCountingAllocations(page);
    const start = await page.evaluate(frameId, handle);
    await page.waitForFunction(([name, f, n]) => (window as any)[name].scene.getFrameId() >= f + n, [handle, start, frames] as const, { timeout: 240_000 });
    return stopCountingAllocations(page);
}

function summary(name: string, report: AllocationReport, frames: number): string {
    const sites = (tally: AllocationReport["plugin"]) =>
        Object.entries(tally.sites)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8)
            .map(([site, count]) => `      ${count} × ${site}`)
            .join("\n");
    return [
        `${name}: typed-array allocations over ${frames} changed frames`,
        `  plugin: ${report.plugin.count} (${(report.plugin.bytes / 1024).toFixed(1)} KiB)\n${sites(report.plugin)}`,
        `  samples: ${report.samples.count} (${(report.samples.bytes / 1024).toFixed(1)} KiB)\n${sites(report.samples)}`,
        `  Babylon and the rest: ${report.other.count} (${(report.other.bytes / 1024).toFixed(1)} KiB)\n${sites(report.other)}`,
    ].join("\n");
}

describe("allocations per changed frame (Chromium, SwiftShader WebGL2)", () => {
    it("one avatar playing its track allocates no typed array from the plugin", async () => {
        const session = await openBrowserSession(["viewer"], {}, [], { moduleSourceUrls: true, initScript: installAllocationCounter });
        sessions.push(session);
        await session.page.waitForFunction(() => (window as any).viewer?.avatar?.isUpToDate && (window as any).viewer.track, undefined, { timeout: 120_000 });
        await session.page.evaluate(() => (window as any).viewer.track.play(true));
        const frames = 8;
        const report = await countFrames(session, "viewer", frames);
        console.log(summary("viewer track", report, frames));
        expect(report.plugin.count).toBe(0);
    }, 400_000);

    it("a crowd of 16 avatars with their own clips allocates no typed array from the plugin", async () => {
        const session = await openBrowserSession(["crowd"], {}, [], { moduleSourceUrls: true, initScript: installAllocationCounter });
        sessions.push(session);
        await session.page.setViewportSize({ width: 640, height: 480 });
        await session.page.waitForFunction(
            () => {
                const c = (window as any).crowdSample;
                return c && c.crowd.avatars.length === 16 && c.crowd.avatars.every((a: any) => a.reconstructionCount > 0);
            },
            undefined,
            { timeout: 120_000 }
        );
        const frames = 6;
        const before = await session.page.evaluate(() => (window as any).crowdSample.crowd.avatars.map((a: any) => a.reconstructionCount));
        const report = await countFrames(session, "crowdSample", frames);
        const after = await session.page.evaluate(() => (window as any).crowdSample.crowd.avatars.map((a: any) => a.reconstructionCount));
        console.log(summary("crowd of 16", report, frames));
        // Every avatar reconstructed in the counted frames: they were changed frames.
        expect(after.every((count: number, i: number) => count >= before[i] + frames)).toBe(true);
        expect(report.plugin.count).toBe(0);
    }, 400_000);
});
