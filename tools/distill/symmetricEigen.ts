/**
 * Eigen-decomposition of a dense symmetric matrix: Householder reduction to tridiagonal form, then implicit QR
 * sweeps with Wilkinson shifts (Golub & Van Loan, §8.3). O(n³); used on frame-count-sized Gram matrices.
 */

/** Eigenvalues (descending) and matching unit eigenvectors. */
export interface SymmetricEigenResult {
    /** Eigenvalues, largest first. */
    values: Float64Array;
    /** Eigenvectors as columns: `vectors[i * n + k]` is component i of eigenvector k. */
    vectors: Float64Array;
}

/**
 * Decomposes a symmetric n × n matrix A = V diag(λ) Vᵀ.
 * @param matrix row-major n × n (only symmetry is assumed; it is not modified)
 * @param n size
 * @returns eigenvalues in descending order and the orthonormal eigenvectors
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigenResult {
    if (matrix.length !== n * n) {
        throw new RangeError(`symmetricEigen: expected ${n * n} values, got ${matrix.length}`);
    }
    const a = Float64Array.from(matrix);
    const q = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
        q[i * n + i] = 1;
    }
    tridiagonalize(a, q, n);
    const d = new Float64Array(n);
    const e = new Float64Array(Math.max(0, n - 1));
    for (let i = 0; i < n; i++) {
        d[i] = a[i * n + i];
        if (i + 1 < n) {
            e[i] = a[(i + 1) * n + i];
        }
    }
    diagonalizeTridiagonal(d, e, q, n);
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x]);
    const values = new Float64Array(n);
    const vectors = new Float64Array(n * n);
    order.forEach((source, k) => {
        values[k] = d[source];
        for (let i = 0; i < n; i++) {
            vectors[i * n + k] = q[i * n + source];
        }
    });
    return { values, vectors };
}

/** Householder similarity transforms H_k turn A into T = Qᵀ A Q (tridiagonal, stored in a); Q accumulates them. */
function tridiagonalize(a: Float64Array, q: Float64Array, n: number): void {
    const v = new Float64Array(n);
    const p = new Float64Array(n);
    for (let k = 0; k < n - 2; k++) {
        let norm = 0;
        for (let i = k + 1; i < n; i++) {
            norm += a[i * n + k] * a[i * n + k];
        }
        norm = Math.sqrt(norm);
        if (norm === 0) {
            continue;
        }
        const x0 = a[(k + 1) * n + k];
        const alpha = x0 > 0 ? -norm : norm;
        v.fill(0);
        for (let i = k + 1; i < n; i++) {
            v[i] = a[i * n + k];
        }
        v[k + 1] -= alpha;
        let vNorm = 0;
        for (let i = k + 1; i < n; i++) {
            vNorm += v[i] * v[i];
        }
        vNorm = Math.sqrt(vNorm);
        if (vNorm === 0) {
            continue;
        }
        for (let i = k + 1; i < n; i++) {
            v[i] /= vNorm;
        }
        // A ← H A H with H = I − 2vvᵀ: A − 2 v wᵀ − 2 w vᵀ, where p = A v, K = vᵀ p, w = p − K v. Rows/columns < k are
        // untouched except column/row k, which becomes (…, alpha, 0, …).
        let kappa = 0;
        for (let i = k; i < n; i++) {
            let sum = 0;
            for (let j = k + 1; j < n; j++) {
                sum += a[i * n + j] * v[j];
            }
            p[i] = sum;
            kappa += v[i] * sum;
        }
        for (let i = k; i < n; i++) {
            p[i] -= kappa * v[i];
        }
        for (let i = k; i < n; i++) {
            for (let j = k; j < n; j++) {
                a[i * n + j] -= 2 * (v[i] * p[j] + p[i] * v[j]);
            }
        }
        // Q ← Q H.
        for (let i = 0; i < n; i++) {
            let sum = 0;
            for (let j = k + 1; j < n; j++) {
                sum += q[i * n + j] * v[j];
            }
            if (sum !== 0) {
                for (let j = k + 1; j < n; j++) {
                    q[i * n + j] -= 2 * sum * v[j];
                }
            }
        }
    }
}

/** Implicit symmetric QR on the tridiagonal (d, e); rotations are accumulated into the columns of q. */
function diagonalizeTridiagonal(d: Float64Array, e: Float64Array, q: Float64Array, n: number): void {
    const eps = Number.EPSILON;
    let m = n - 1;
    let iterations = 0;
    const maxIterations = 60 * Math.max(1, n);
    while (m > 0) {
        if (Math.abs(e[m - 1]) <= eps * (Math.abs(d[m - 1]) + Math.abs(d[m])) || e[m - 1] === 0) {
            e[m - 1] = 0;
            m--;
            continue;
        }
        let l = m - 1;
        while (l > 0 && Math.abs(e[l - 1]) > eps * (Math.abs(d[l - 1]) + Math.abs(d[l]))) {
            l--;
        }
        if (l > 0) {
            e[l - 1] = 0;
        }
        if (++iterations > maxIterations) {
            throw new Error(`symmetricEigen: no convergence after ${maxIterations} QR steps (non-finite input?)`);
        }
        // Wilkinson shift from the trailing 2 × 2 block.
        const delta = (d[m - 1] - d[m]) / 2;
        const b = e[m - 1];
        const mu = d[m] - (b * b) / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, b));
        let x = d[l] - mu;
        let z = e[l];
        for (let k = l; k < m; k++) {
            const r = Math.hypot(x, z);
            const c = r === 0 ? 1 : x / r;
            const s = r === 0 ? 0 : -z / r;
            if (k > l) {
                e[k - 1] = c * x - s * z;
            }
            const dk = d[k];
            const dk1 = d[k + 1];
            const ek = e[k];
            d[k] = c * c * dk - 2 * c * s * ek + s * s * dk1;
            d[k + 1] = s * s * dk + 2 * c * s * ek + c * c * dk1;
            e[k] = c * s * (dk - dk1) + (c * c - s * s) * ek;
            if (k + 1 < m) {
                z = -s * e[k + 1];
                e[k + 1] = c * e[k + 1];
                x = e[k];
            }
            for (let i = 0; i < n; i++) {
                const qk = q[i * n + k];
                const qk1 = q[i * n + k + 1];
                q[i * n + k] = c * qk - s * qk1;
                q[i * n + k + 1] = s * qk + c * qk1;
            }
        }
    }
}
