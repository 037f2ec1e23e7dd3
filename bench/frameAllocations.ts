/**
 * Garbage per frame in the samples, in Chromium (SwiftShader WebGL2): JS heap bytes allocated per frame (V8's sampling
 * heap profiler over the run, objects later collected included), typed-array and ArrayBuffer bytes and objects per
 * frame (the page's wrapped constructors, slice and subarray), and garbage collections per minute (trace events).
 * Heap bytes are attributed to the plugin's modules by the profiler's call frames (the pages are built with module
 * source URLs for that).
 */
import type { CDPSession } from "playwright-core";
import { installAllocationCounter, startCountingAllocations, stopCountingAllocations } from "../tools/browser/allocationCounter.js";
import { openBrowserSession, type BrowserSession } from "../tools/browser/browserSession.js";

/** What is measured. */
export type FrameAllocationCase = "viewer-track" | "viewer-idle" | "crowd-16";

/** One measured case. */
export interface FrameAllocationRow {
    case: FrameAllocationCase;
    /** Frames rendered while measuring, and the seconds they took. */
    frames: number;
    seconds: number;
    /** JS heap allocated per frame, KiB: everything, and under the plugin's modules. */
    heapKiBPerFrame: number;
    pluginHeapKiBPerFrame: number;
    /** Typed-array and ArrayBuffer storage allocated per frame, KiB, and typed-array objects per frame (views too). */
    typedArrayKiBPerFrame: number;
    typedArraysPerFrame: number;
    /** Of those, what the plugin's code allocated (objects per frame). */
    pluginTypedArraysPerFrame: number;
    /** Garbage collections per minute: minor (scavenges) and major (mark-compact). */
    minorGcPerMinute: number;
    majorGcPerMinute: number;
}

interface SamplingNode {
    callFrame: { url: string; scriptId: string };
    selfSize: number;
    children: SamplingNode[];
}

const pluginModule = /webpack(-internal)?:\/\/[^/]*\/\.\/(core|materials|plugin|loaders)\//;

/** Sums a sampling profile; bytes under a plugin module's frame (anywhere up the stack) count as the plugin's. */
function sumHeap(node: SamplingNode, scripts: ReadonlyMap<string, string>, insidePlugin: boolean, totals: { all: number; plugin: number }): void {
    const plugin = insidePlugin || pluginModule.test(scripts.get(node.callFrame.scriptId) ?? node.callFrame.url);
    totals.all += node.selfSize;
    if (plugin) totals.plugin += node.selfSize;
    for (const child of node.children) sumHeap(child, scripts, plugin, totals);
}

async function traceGarbageCollections(client: CDPSession, run: () => Promise<void>): Promise<{ minor: number; major: number }> {
    const counts = { minor: 0, major: 0 };
    const onData = (event: { value: { name?: string; ph?: string }[] }) => {
        for (const entry of event.value) {
            if (entry.ph !== "X" && entry.ph !== "B") continue;
            if (entry.name === "MinorGC") counts.minor++;
            else if (entry.name === "MajorGC") counts.major++;
        }
    };
    client.on("Tracing.dataCollected", onData);
    await client.send("Tracing.start", { traceConfig: { includedCategories: ["devtools.timeline"] }, transferMode: "ReportEvents" });
    await run();
    const complete = new Promise<void>((resolve) => client.once("Tracing.tracingComplete", () => resolve()));
    await client.send("Tracing.end");
    await complete;
    client.off("Tracing.dataCollected", onData);
    return counts;
}

async function waitReady(session: BrowserSession, which: FrameAllocationCase): Promise<string> {
    const page = session.page;
    if (which === "crowd-16") {
        await page.setViewportSize({ width: 640, height: 480 });
        await page.waitForFunction(() => (window as any).crowdSample?.crowd.avatars.length === 16, undefined, { timeout: 180_000 });
        return "crowdSample";
    }
    await page.waitForFunction(() => (window as any).viewer?.avatar?.isUpToDate && (window as any).viewer.track, undefined, { timeout: 180_000 });
    if (which === "viewer-track") await page.evaluate(() => (window as any).viewer.track.play(true));
    return "viewer";
}

/**
 * Measures one case for a while.
 * @param which the sample and what it does
 * @param seconds measuring time (after a few frames of warm-up)
 * @returns the row
 */
export async function measureFrameAllocations(which: FrameAllocationCase, seconds: number): Promise<FrameAllocationRow> {
    const session = await openBrowserSession([which === "crowd-16" ? "crowd" : "viewer"], {}, [], { moduleSourceUrls: true, initScript: installAllocationCounter });
    try {
        const page = session.page;
        const handle = await waitReady(session, which);
        const frameId = (name: string) => (window as any)[name].scene.getFrameId() as number;
        const warm = await page.evaluate(frameId, handle);
        await page.waitForFunction(([name, f]) => (window as any)[name].scene.getFrameId() >= f + 5, [handle, warm] as const, { timeout: 180_000 });
        const client = await page.context().newCDPSession(page);
        // The profiler names module code by script id; the module source URLs come with the debugger's script list.
        const scripts = new Map<string, string>();
        client.on("Debugger.scriptParsed", (event: { scriptId: string; url: string }) => {
            scripts.set(event.scriptId, event.url);
        });
        await client.send("Debugger.enable");
        await client.send("Debugger.disable");
        await client.send("HeapProfiler.enable");
        let firstFrame = 0;
        let lastFrame = 0;
        let elapsed = 0;
        let heap = { all: 0, plugin: 0 };
        const gc = await traceGarbageCollections(client, async () => {
            await client.send("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
            await startCountingAllocations(page);
            firstFrame = await page.evaluate(frameId, handle);
            const start = performance.now();
            await page.waitForTimeout(seconds * 1000);
            lastFrame = await page.evaluate(frameId, handle);
            elapsed = (performance.now() - start) / 1000;
            const { profile } = (await client.send("HeapProfiler.stopSampling")) as unknown as { profile: { head: SamplingNode } };
            heap = { all: 0, plugin: 0 };
            sumHeap(profile.head, scripts, false, heap);
        });
        const typed = await stopCountingAllocations(page);
        const frames = Math.max(1, lastFrame - firstFrame);
        const typedCount = typed.plugin.count + typed.samples.count + typed.other.count;
        const typedBytes = typed.plugin.bytes + typed.samples.bytes + typed.other.bytes;
        return {
            case: which,
            frames,
            seconds: elapsed,
            heapKiBPerFrame: heap.all / frames / 1024,
            pluginHeapKiBPerFrame: heap.plugin / frames / 1024,
            typedArrayKiBPerFrame: typedBytes / frames / 1024,
            typedArraysPerFrame: typedCount / frames,
            pluginTypedArraysPerFrame: typed.plugin.count / frames,
            minorGcPerMinute: (gc.minor * 60) / elapsed,
            majorGcPerMinute: (gc.major * 60) / elapsed,
        };
    } finally {
        await session.close();
    }
}

/**
 * The cases `npm run bench` measures.
 * @param smoke a few seconds each
 * @returns the rows
 */
export async function measureFrameAllocationTable(smoke: boolean): Promise<FrameAllocationRow[]> {
    const rows: FrameAllocationRow[] = [];
    // The smoke run (in npm test) measures one case briefly: each case builds its sample page.
    const cases = smoke ? (["viewer-track"] as const) : (["viewer-track", "crowd-16", "viewer-idle"] as const);
    for (const which of cases) rows.push(await measureFrameAllocations(which, smoke ? 3 : 30));
    return rows;
}

/**
 * One printed row.
 * @param row measured row
 * @returns the table cells
 */
export function frameAllocationTableRow(row: FrameAllocationRow): Record<string, string | number> {
    return {
        case: row.case,
        frames: row.frames,
        "heap KiB/frame (plugin)": `${row.heapKiBPerFrame.toFixed(1)} (${row.pluginHeapKiBPerFrame.toFixed(1)})`,
        "typed-array KiB/frame": row.typedArrayKiBPerFrame,
        "typed arrays/frame (plugin)": `${row.typedArraysPerFrame.toFixed(1)} (${row.pluginTypedArraysPerFrame.toFixed(1)})`,
        "minor/major GC per min": `${row.minorGcPerMinute.toFixed(0)}/${row.majorGcPerMinute.toFixed(1)}`,
    };
}
