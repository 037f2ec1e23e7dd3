/**
 * Resolves once a condition holds, polling every 20 ms; rejects after a generous time-out. Tests wait on counts and
 * states this way instead of sleeping for a fixed time, so a busy machine is slower but still passes.
 * @param condition what to wait for
 * @param timeoutMs when to give up
 */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) {
            throw new Error(`condition not met within ${timeoutMs} ms: ${condition.toString()}`);
        }
        await new Promise((wake) => setTimeout(wake, 20));
    }
}
