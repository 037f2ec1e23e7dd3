/**
 * Counts typed-array and ArrayBuffer allocations in this Node process, like tools/browser/allocationCounter.ts does in
 * a page: the typed-array constructors and `ArrayBuffer` are wrapped while counting, and `slice` and `subarray` too;
 * each allocation is attributed by its stack to the plugin's source (core/, materials/, plugin/, loaders/) or to the
 * rest (Babylon, Node).
 */

/** Allocations of one origin. */
export interface NodeAllocationTally {
    count: number;
    bytes: number;
    sites: Map<string, number>;
}

const constructorNames = [
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float32Array",
    "Float64Array",
    "ArrayBuffer",
] as const;

const pluginFrame = /[/\\](core|materials|plugin|loaders)[/\\][^/\\]+\.ts/;

/**
 * Runs `work` with allocations counted.
 * @param work what to count (it may wait between frames, so that messages between threads arrive as in a browser)
 * @returns the plugin's allocations and the rest's
 */
export async function countNodeAllocations(work: () => void | Promise<void>): Promise<{ plugin: NodeAllocationTally; other: NodeAllocationTally }> {
    const tallies = {
        plugin: { count: 0, bytes: 0, sites: new Map<string, number>() },
        other: { count: 0, bytes: 0, sites: new Map<string, number>() },
    };
    let inside = false;
    const record = (bytes: number): void => {
        if (inside) return;
        inside = true;
        try {
            const limit = Error.stackTraceLimit;
            Error.stackTraceLimit = 60;
            const frames = (new Error().stack ?? "").split("\n").slice(3);
            Error.stackTraceLimit = limit;
            const plugin = frames.find((frame) => pluginFrame.test(frame) && !frame.includes("node_modules"));
            const tally = plugin ? tallies.plugin : tallies.other;
            const site = (plugin ?? frames[0] ?? "").trim();
            tally.count++;
            tally.bytes += bytes;
            tally.sites.set(site, (tally.sites.get(site) ?? 0) + 1);
        } finally {
            inside = false;
        }
    };
    const global = globalThis as unknown as Record<string, unknown>;
    const originals = new Map<string, unknown>();
    for (const name of constructorNames) {
        const original = global[name] as new (...args: unknown[]) => ArrayBufferView | ArrayBuffer;
        originals.set(name, original);
        global[name] = new Proxy(original, {
            construct(target, args, newTarget) {
                const created = Reflect.construct(target, args, newTarget) as ArrayBufferView | ArrayBuffer;
                record(args[0] instanceof ArrayBuffer ? 0 : created.byteLength);
                return created;
            },
        });
    }
    const prototype = Object.getPrototypeOf(Uint8Array.prototype) as Record<"slice" | "subarray", (...args: unknown[]) => ArrayBufferView>;
    const slice = prototype.slice;
    const subarray = prototype.subarray;
    prototype.slice = function (this: ArrayBufferView, ...args: unknown[]) {
        const created = slice.apply(this, args);
        record(created.byteLength);
        return created;
    };
    prototype.subarray = function (this: ArrayBufferView, ...args: unknown[]) {
        const created = subarray.apply(this, args);
        record(0);
        return created;
    };
    try {
        await work();
    } finally {
        for (const [name, original] of originals) global[name] = original;
        prototype.slice = slice;
        prototype.subarray = subarray;
    }
    return tallies;
}

/**
 * The most frequent sites of a tally, one per line.
 * @param tally counted allocations
 * @returns text for a failure message or the log
 */
export function describeSites(tally: NodeAllocationTally): string {
    return [...tally.sites]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([site, count]) => `  ${count} × ${site}`)
        .join("\n");
}
