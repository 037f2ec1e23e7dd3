/**
 * A seedable linear congruential generator (Numerical Recipes' constants) for the room tests' loss and jitter draws.
 * @param seed 32-bit seed
 * @returns a function giving uniform numbers in [0, 1)
 */
export function lcgRandom(seed: number): () => number {
    let state = seed;
    return () => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return state / 4294967296;
    };
}
