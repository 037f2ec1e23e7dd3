/**
 * Counts typed-array and ArrayBuffer allocations in a page, deterministically (counts and bytes, not times): every
 * typed-array constructor, `ArrayBuffer`, `slice` of typed arrays and ArrayBuffers, and `subarray` (a view: no bytes,
 * but an object) is wrapped. While counting is
 * on, each allocation is attributed by its stack (built with module source URLs, see BrowserSessionOptions): to the
 * plugin when any frame is the package's own code (core/, materials/, plugin/, loaders/: an allocation Babylon makes
 * on a call from the plugin counts as the plugin's), else to the samples, else to Babylon and the rest.
 */
import type { Page } from "playwright-core";

/** Allocations of one origin. */
export interface AllocationTally {
    /** Typed arrays and ArrayBuffers created (constructors and slices). */
    count: number;
    /** Their bytes. */
    bytes: number;
    /** The most frequent allocation sites (first frame of the origin's code), with counts. */
    sites: Record<string, number>;
}

/** What the page allocated while counting. */
export interface AllocationReport {
    plugin: AllocationTally;
    samples: AllocationTally;
    other: AllocationTally;
}

/** Page-side state the counter keeps on `window`. */
interface CounterState {
    counting: boolean;
    report: AllocationReport;
}

/**
 * The script to install before the page's own (`BrowserSessionOptions.initScript`). Self-contained: it is serialised
 * into the page.
 */
export function installAllocationCounter(): void {
    const state: CounterState = {
        counting: false,
        report: { plugin: { count: 0, bytes: 0, sites: {} }, samples: { count: 0, bytes: 0, sites: {} }, other: { count: 0, bytes: 0, sites: {} } },
    };
    (window as unknown as { __gemAllocations: CounterState }).__gemAllocations = state;
    let inside = false;
    const record = (bytes: number): void => {
        if (!state.counting || inside) return;
        inside = true;
        try {
            const limit = Error.stackTraceLimit;
            Error.stackTraceLimit = 60;
            const stack = new Error().stack ?? "";
            Error.stackTraceLimit = limit;
            const frames = stack.split("\n").slice(3);
            // Module source URLs: webpack://<package>/./<path> (eval builds) or webpack-internal:///./<path>.
            const plugin = frames.find((frame) => /webpack(-internal)?:\/\/[^/]*\/\.\/(core|materials|plugin|loaders)\//.test(frame));
            const sample = frames.find((frame) => /webpack(-internal)?:\/\/[^/]*\/\.\/samples\//.test(frame));
            const origin = plugin ? "plugin" : sample ? "samples" : "other";
            const site = (plugin ?? sample ?? frames[0] ?? "")
                .trim()
                .replace(/webpack(-internal)?:\/\/[^/]*\/\.\//, "")
                .replace(/\?:/, ":");
            const tally = state.report[origin];
            tally.count++;
            tally.bytes += bytes;
            tally.sites[site] = (tally.sites[site] ?? 0) + 1;
        } finally {
            inside = false;
        }
    };
    const names = [
        "Int8Array",
        "Uint8Array",
        "Uint8ClampedArray",
        "Int16Array",
        "Uint16Array",
        "Int32Array",
        "Uint32Array",
        "Float32Array",
        "Float64Array",
        "BigInt64Array",
        "BigUint64Array",
    ] as const;
    const global = window as unknown as Record<string, unknown>;
    for (const name of names) {
        const original = global[name] as new (...args: unknown[]) => ArrayBufferView;
        if (typeof original !== "function") continue;
        global[name] = new Proxy(original, {
            construct(target, args, newTarget) {
                const created = Reflect.construct(target, args, newTarget) as ArrayBufferView;
                // A view over an existing buffer allocates no storage: counted, with 0 bytes.
                const view = args[0] instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && args[0] instanceof SharedArrayBuffer);
                record(view ? 0 : created.byteLength);
                return created;
            },
        });
    }
    const OriginalArrayBuffer = ArrayBuffer;
    global.ArrayBuffer = new Proxy(OriginalArrayBuffer, {
        construct(target, args, newTarget) {
            const created = Reflect.construct(target, args, newTarget) as ArrayBuffer;
            record(created.byteLength);
            return created;
        },
    });
    const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as {
        slice: (...args: unknown[]) => ArrayBufferView;
        subarray: (...args: unknown[]) => ArrayBufferView;
    };
    const typedSlice = typedArrayPrototype.slice;
    typedArrayPrototype.slice = function slice(this: ArrayBufferView, ...args: unknown[]) {
        const created = typedSlice.apply(this, args);
        record(created.byteLength);
        return created;
    };
    // A view allocates no storage but is an object per call: counted, with 0 bytes.
    const typedSubarray = typedArrayPrototype.subarray;
    typedArrayPrototype.subarray = function subarray(this: ArrayBufferView, ...args: unknown[]) {
        const created = typedSubarray.apply(this, args);
        record(0);
        return created;
    };
    const bufferSlice = OriginalArrayBuffer.prototype.slice;
    OriginalArrayBuffer.prototype.slice = function slice(this: ArrayBuffer, ...args: [number?, number?]) {
        const created = bufferSlice.apply(this, args);
        record(created.byteLength);
        return created;
    };
}

/**
 * Starts counting from zero.
 * @param page the page
 */
export async function startCountingAllocations(page: Page): Promise<void> {
    await page.evaluate(() => {
        const state = (window as unknown as { __gemAllocations: CounterState }).__gemAllocations;
        state.report = { plugin: { count: 0, bytes: 0, sites: {} }, samples: { count: 0, bytes: 0, sites: {} }, other: { count: 0, bytes: 0, sites: {} } };
        state.counting = true;
    });
}

/**
 * Stops counting.
 * @param page the page
 * @returns what was allocated since {@link startCountingAllocations}
 */
export async function stopCountingAllocations(page: Page): Promise<AllocationReport> {
    return page.evaluate(() => {
        const state = (window as unknown as { __gemAllocations: CounterState }).__gemAllocations;
        state.counting = false;
        return state.report;
    });
}
