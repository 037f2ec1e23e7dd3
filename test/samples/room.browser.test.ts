import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unwrap16 } from "../../core/room/JitterBuffer.js";
import { RoomServer } from "../../server/RoomServer.js";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;
let server: RoomServer;

async function openTab(page: Page, name: string, start: number, extra = "", room = "test"): Promise<void> {
    // A long playout delay: the software renderer publishes about one frame a second, and the check below compares
    // interpolated values, which needs the next frame to have arrived.
    await page.goto(`${session.baseUrl}/room.html?server=${encodeURIComponent(server.url)}&room=${room}&name=${name}&start=${start}&delay=4000${extra}`, { waitUntil: "load" });
    await page.waitForFunction(() => (window as any).roomPage?.ready || (window as any).roomPage?.error, undefined, { timeout: 120_000 });
    const error = await page.evaluate(() => (window as any).roomPage.error);
    expect(error).toBeNull();
}

/** Waits until the tab shows the other participant's avatar, reconstructed and driven. */
function waitForRemote(page: Page, other: string): Promise<unknown> {
    return page.waitForFunction(
        (name) => {
            const entry = (window as any).roomPage.presence.avatars.get(name);
            return entry?.participant.hasValues && !entry.participant.buffer.extrapolating && entry.avatar.reconstructionCount > 1;
        },
        other,
        { timeout: 180_000 }
    );
}

describe("samples/room in two tabs", () => {
    beforeAll(async () => {
        server = await RoomServer.StartAsync({ secret: "room-sample-test-secret-0123", development: true });
        // Chromium's fake camera (a moving test pattern) for the camera-driven tab.
        session = await openBrowserSession(["room"], {}, ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]);
    }, 300_000);

    afterAll(async () => {
        await session?.close();
        await server?.closeAsync();
    });

    it("each tab shows the other's avatar driven by the other's clip, to the quantisation step", async () => {
        const alice = session.page;
        await openTab(alice, "alice", 0);
        // Log what Alice publishes, unquantised, with her clock.
        await alice.evaluate(() => {
            const client = (window as any).roomPage.client;
            const log: { time: number; values: number[] }[] = ((window as any).publishedLog = []);
            const publish = client.publish.bind(client);
            client.publish = (values: Float32Array, time: number) => {
                log.push({ time, values: Array.from(values) });
                publish(values, time);
            };
        });
        const bob = await alice.context().newPage();
        await openTab(bob, "bob", 200);
        await Promise.all([waitForRemote(alice, "bob"), waitForRemote(bob, "alice")]);

        // Bob's view of Alice: the jitter buffer's values at its playout time against Alice's own frames there.
        const seen = await bob.evaluate(() => {
            const entry = (window as any).roomPage.presence.avatars.get("alice");
            return {
                playout: entry.participant.buffer.playoutTime as number,
                values: Array.from(entry.participant.values as Float32Array) as number[],
                layer: Array.from(entry.layer.values as Float32Array) as number[],
                channels: entry.participant.descriptor.channels as string[],
                ranges: entry.participant.descriptor.ranges as [number, number][],
            };
        });
        const log = (await alice.evaluate(() => (window as any).publishedLog)) as { time: number; values: number[] }[];
        const frames = log.map((frame) => ({ time: unwrap16(Math.floor(frame.time) & 0xffff, seen.playout), values: frame.values }));
        const after = frames.findIndex((frame) => frame.time > seen.playout);
        expect(after).toBeGreaterThan(0);
        const a = frames[after - 1];
        const b = frames[after];
        const t = (seen.playout - a.time) / (b.time - a.time);
        let worst = 0;
        for (let c = 0; c < seen.channels.length; c++) {
            const expected = a.values[c] + (b.values[c] - a.values[c]) * t;
            const step = (seen.ranges[c][1] - seen.ranges[c][0]) / 255;
            const error = Math.abs(seen.values[c] - expected) / step;
            expect(Number.isNaN(error)).toBe(false);
            worst = Math.max(worst, error);
        }
        console.log(`room sample: Bob sees Alice within ${worst.toFixed(3)} quantisation steps over ${seen.channels.length} channels (Alice published ${log.length} frames)`);
        expect(worst).toBeLessThanOrEqual(0.5 + 1e-3);
        // The values reach Bob's avatar of Alice through the animator layer.
        expect(seen.layer.length).toBe(seen.values.length);
        const moving = seen.values.some((v, i) => Math.abs(v - a.values[i]) > 0 || Math.abs(b.values[i] - a.values[i]) > 0);
        expect(moving).toBe(true);

        for (const [name, page] of [
            ["alice", alice],
            ["bob", bob],
        ] as const) {
            const png = await page.screenshot();
            saveScreenshot(`room-sample-${name}`, `data:image/png;base64,${png.toString("base64")}`);
        }

        // Bob leaves: Alice's scene drops his avatar and its meshes.
        const meshesBefore = await alice.evaluate(() => (window as any).roomPage.scene.meshes.length);
        await bob.close();
        await alice.waitForFunction(() => !(window as any).roomPage.presence.avatars.has("bob"), undefined, { timeout: 60_000 });
        const meshesAfter = await alice.evaluate(() => (window as any).roomPage.scene.meshes.length);
        expect(meshesAfter).toBeLessThan(meshesBefore);
        expect(server.stats).toMatchObject({ errors: 0, framesMalformed: 0, rejected: 0 });
        expect(server.stats.framesRelayed).toBeGreaterThan(log.length);
    });

    it("a camera-driven tab publishes its encoder's GEM coefficients, and the other tab's avatar of it follows them", async () => {
        const carol = session.page;
        await openTab(carol, "carol", 0, "&source=camera&encoder=assets/test-encoder.json", "camera");
        const dave = await carol.context().newPage();
        await openTab(dave, "dave", 0, "", "camera");
        await waitForRemote(dave, "carol");
        const stream = await dave.evaluate(() => {
            const entry = (window as any).roomPage.presence.avatars.get("carol");
            return { channels: entry.participant.descriptor.channels as string[], bits: entry.participant.descriptor.bits as number };
        });
        expect(stream.bits).toBe(6);
        expect(stream.channels.length).toBe(36);
        expect(stream.channels.every((c) => c.startsWith("gem/"))).toBe(true);
        const processed = await carol.evaluate(() => (window as any).roomPage.selfAnimator.getLayer("camera").values.some((v: number) => v !== 0));
        expect(processed).toBe(true);
        // Dave's avatar of Carol carries the camera-driven coefficients: its layer holds Carol's sampled stream.
        const values = await dave.evaluate(() => Array.from((window as any).roomPage.presence.avatars.get("carol").layer.values as Float32Array));
        expect(values.some((v) => v !== 0 && Number.isFinite(v))).toBe(true);
        await dave.close();
    });
});
