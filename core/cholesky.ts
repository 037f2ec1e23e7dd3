/**
 * Cholesky factorisation and solves of small symmetric positive-definite systems (normal equations of ridge fits),
 * row-major, pure math.
 */

/**
 * Factors A = L Lᵀ.
 * @param a row-major n × n symmetric matrix (read only)
 * @param n size
 * @returns L (row-major, lower triangle), or, when A is not positive definite, the index of the first pivot ≤ 0
 */
export function choleskyFactor(a: ArrayLike<number>, n: number): Float64Array | number {
    const l = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
            let sum = a[i * n + j];
            for (let k = 0; k < j; k++) {
                sum -= l[i * n + k] * l[j * n + k];
            }
            if (i === j) {
                if (!(sum > 0)) {
                    return i;
                }
                l[i * n + i] = Math.sqrt(sum);
            } else {
                l[i * n + j] = sum / l[j * n + j];
            }
        }
    }
    return l;
}

/**
 * Solves L Lᵀ x = b in place.
 * @param l the factor from {@link choleskyFactor}
 * @param n size
 * @param b right-hand side, overwritten with x
 * @returns b
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
    for (let i = 0; i < n; i++) {
        let sum = b[i];
        for (let k = 0; k < i; k++) {
            sum -= l[i * n + k] * b[k];
        }
        b[i] = sum / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
        let sum = b[i];
        for (let k = i + 1; k < n; k++) {
            sum -= l[k * n + i] * b[k];
        }
        b[i] = sum / l[i * n + i];
    }
    return b;
}
