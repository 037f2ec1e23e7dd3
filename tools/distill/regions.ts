/**
 * Region partitions for localized PCA: from FLAME vertex masks (as FLAME_masks.pkl provides them, converted to npz)
 * through each Gaussian's parent face, or by clustering rest positions.
 */
import type { GaussianRegions } from "./gemDistillation.js";
import { DistillationError } from "./DistillationError.js";

/**
 * Regions from vertex masks: a Gaussian bound to face f belongs to the first mask (in the given order) holding at least
 * two of f's three vertices; Gaussians matching no mask go to `rest`.
 * @param binding parent face of every Gaussian
 * @param faces mesh faces, F × 3
 * @param masks region name → vertex indices, in priority order
 * @param vertexCount mesh vertex count (mask indices are checked against it)
 * @returns the partition (empty regions are dropped)
 */
export function regionsFromVertexMasks(binding: Uint32Array, faces: Uint32Array, masks: ReadonlyMap<string, ArrayLike<number>>, vertexCount: number): GaussianRegions {
    const vertexRegion = new Int32Array(vertexCount).fill(-1);
    const names = [...masks.keys()];
    // Later masks are written first so that earlier (higher priority) masks overwrite them.
    for (let r = names.length - 1; r >= 0; r--) {
        const indices = masks.get(names[r])!;
        for (let i = 0; i < indices.length; i++) {
            const v = indices[i];
            if (!Number.isInteger(v) || v < 0 || v >= vertexCount) {
                throw new DistillationError("invalid-option", "region masks", `${names[r]}[${i}]`, `a vertex index < ${vertexCount}`, v);
            }
            vertexRegion[v] = r;
        }
    }
    const labels = new Int32Array(binding.length);
    binding.forEach((face, i) => {
        const votes = [vertexRegion[faces[3 * face]], vertexRegion[faces[3 * face + 1]], vertexRegion[faces[3 * face + 2]]];
        const best = votes.find((r) => r >= 0 && votes.filter((x) => x === r).length >= 2) ?? votes.filter((r) => r >= 0).sort((a, b) => a - b)[0];
        labels[i] = best ?? names.length;
    });
    return compact([...names, "rest"], labels);
}

/**
 * Regions by k-means on positions (deterministic: farthest-point initialisation from the centroid, Lloyd iterations).
 * @param positions xyz per Gaussian (for example the mean frame)
 * @param count number of regions
 * @param iterations Lloyd iterations
 * @returns the partition, regions named `cluster0`, `cluster1`, …
 */
export function regionsByClustering(positions: Float32Array, count: number, iterations = 25): GaussianRegions {
    const n = positions.length / 3;
    if (!Number.isInteger(count) || count < 1 || count > Math.min(n, 65535)) {
        throw new DistillationError("invalid-option", "clustering", "clusters", `an integer in 1..${Math.min(n, 65535)}`, count);
    }
    const centres = new Float64Array(3 * count);
    const centroid = [0, 0, 0];
    for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
            centroid[c] += positions[3 * i + c] / n;
        }
    }
    // The first centre is the point farthest from the centroid, each next one the point farthest from all centres.
    const nearest = new Float64Array(n);
    for (let i = 0; i < n; i++) {
        nearest[i] = (positions[3 * i] - centroid[0]) ** 2 + (positions[3 * i + 1] - centroid[1]) ** 2 + (positions[3 * i + 2] - centroid[2]) ** 2;
    }
    for (let k = 0; k < count; k++) {
        let far = 0;
        for (let i = 1; i < n; i++) {
            if (nearest[i] > nearest[far]) {
                far = i;
            }
        }
        const centre = [positions[3 * far], positions[3 * far + 1], positions[3 * far + 2]];
        centres.set(centre, 3 * k);
        for (let i = 0; i < n; i++) {
            const d = (positions[3 * i] - centre[0]) ** 2 + (positions[3 * i + 1] - centre[1]) ** 2 + (positions[3 * i + 2] - centre[2]) ** 2;
            nearest[i] = k === 0 ? d : Math.min(nearest[i], d);
        }
    }
    const labels = new Int32Array(n);
    for (let iteration = 0; iteration < iterations; iteration++) {
        for (let i = 0; i < n; i++) {
            let best = 0;
            let bestDistance = Infinity;
            for (let k = 0; k < count; k++) {
                const d = (positions[3 * i] - centres[3 * k]) ** 2 + (positions[3 * i + 1] - centres[3 * k + 1]) ** 2 + (positions[3 * i + 2] - centres[3 * k + 2]) ** 2;
                if (d < bestDistance) {
                    bestDistance = d;
                    best = k;
                }
            }
            labels[i] = best;
        }
        const sums = new Float64Array(4 * count);
        for (let i = 0; i < n; i++) {
            const k = labels[i];
            sums[4 * k] += positions[3 * i];
            sums[4 * k + 1] += positions[3 * i + 1];
            sums[4 * k + 2] += positions[3 * i + 2];
            sums[4 * k + 3]++;
        }
        for (let k = 0; k < count; k++) {
            if (sums[4 * k + 3] > 0) {
                centres.set([sums[4 * k] / sums[4 * k + 3], sums[4 * k + 1] / sums[4 * k + 3], sums[4 * k + 2] / sums[4 * k + 3]], 3 * k);
            }
        }
    }
    return compact(
        Array.from({ length: count }, (_, k) => `cluster${k}`),
        labels
    );
}

/** Drops empty regions and renumbers. */
function compact(names: string[], labels: Int32Array): GaussianRegions {
    const used = names.map(() => false);
    labels.forEach((l) => (used[l] = true));
    const remap = new Int32Array(names.length);
    const kept: string[] = [];
    names.forEach((name, r) => {
        remap[r] = used[r] ? kept.length : -1;
        if (used[r]) {
            kept.push(name);
        }
    });
    return { names: kept, labels: Uint16Array.from(labels, (l) => remap[l]) };
}
