/**
 * Root-mean-square error of `a` against `b`, relative to the RMS of `b` (NaN never passes: it reads as Infinity).
 * @param a values under test
 * @param b reference values
 * @returns the relative error
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) ** 2;
        den += b[i] ** 2;
    }
    const e = Math.sqrt(num / Math.max(den, 1e-30));
    return Number.isNaN(e) ? Infinity : e;
}
