/**
 * Small statistics helpers for the benchmarks: medians of repeated runs after warm-up.
 */

/**
 * Median of a list of numbers.
 * @param values samples
 * @returns the median (NaN for an empty list)
 */
export function median(values: readonly number[]): number {
    if (values.length === 0) {
        return NaN;
    }
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Times a synchronous function: `warmup` untimed runs, then the median of `repeats` timed runs.
 * @param fn the work
 * @param repeats timed runs
 * @param warmup untimed runs
 * @returns median milliseconds
 */
export function timeMedian(fn: () => void, repeats: number, warmup = 2): number {
    for (let i = 0; i < warmup; i++) {
        fn();
    }
    const samples: number[] = [];
    for (let i = 0; i < repeats; i++) {
        const start = performance.now();
        fn();
        samples.push(performance.now() - start);
    }
    return median(samples);
}
