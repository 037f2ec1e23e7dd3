/**
 * Waiting on the browser's frame clock, for the pages the tests, benchmarks and reports drive.
 */

/**
 * Resolves after `count` animation frames.
 * @param count frames to wait
 */
export async function waitAnimationFrames(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
        await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    }
}
