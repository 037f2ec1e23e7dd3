/**
 * How the rows of a LAM `offset.ply` pair with the vertices of its `skin.glb`. LAM's renderer pairs row i with vertex i,
 * which holds when Blender's glTF export keeps the FLAME mesh's vertex order. LAM's exporter also writes
 * `vertex_order.json`: the FLAME mesh's vertex ids sorted along one axis in Blender (after its axis conversion and a
 * rotation: by our reading of the exporter, front to back), computed on the mesh before the glb export. When an export
 * reorders the vertices, that list still names the ply rows in that order, so sorting the glb's vertices the same way
 * pairs them again. Which pairing is right is decided by the data: on a right pairing a Gaussian's colour is close to its
 * mesh neighbours' (a face is smooth at the scale of its mesh), on a wrong one it is as different as any two.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";

/**
 * Colour difference across mesh edges / across random pairs above which row i ↔ vertex i is taken for a scrambled
 * cloud (random pairs give about 1; LAM's trained colours on the right pairing a small fraction of it).
 */
export const LamPairingCoherenceLimit = 0.85;

/** How a LAM avatar's Gaussians were paired with its skin vertices. */
export interface LamVertexPairing {
    /** `identity`: row i with vertex i (LAM's renderer); `vertex-order`: through `vertex_order.json` and a sort of the skin. */
    kind: "identity" | "vertex-order";
    /** For `vertex-order`: the skin coordinate the list's order matched (`-z`: the vertices front to back, …). */
    sortKey?: string;
    /** For each ply row, its glb vertex (null for identity). */
    vertexOfRow: Int32Array | null;
    /** The chosen pairing's colour coherence (edge / random pair difference; NaN when the skin has no triangles or flat colours). */
    coherence: number;
}

/**
 * Colour coherence of a pairing: mean squared colour difference between the Gaussians of the two ends of each mesh
 * edge, over that of pairs drawn at a fixed stride. About 1 for an unrelated pairing, well under 1 for the right one.
 * @param colors Gaussian colours, N × 3, in ply row order
 * @param rowOfVertex for each glb vertex its ply row (null: the same index)
 * @param indices glb triangles
 * @returns the ratio, or NaN when it cannot be told (no triangles, flat colours)
 */
export function lamPairingCoherence(colors: Float32Array, rowOfVertex: Int32Array | null, indices: Uint32Array | null): number {
    const n = colors.length / 3;
    if (!indices || indices.length < 3 || n < 16) {
        return Number.NaN;
    }
    const row = (v: number) => (rowOfVertex ? rowOfVertex[v] : v);
    const difference = (a: number, b: number) => {
        const ra = 3 * row(a);
        const rb = 3 * row(b);
        return (colors[ra] - colors[rb]) ** 2 + (colors[ra + 1] - colors[rb + 1]) ** 2 + (colors[ra + 2] - colors[rb + 2]) ** 2;
    };
    let edges = 0;
    let edgeSum = 0;
    for (let t = 0; t + 2 < indices.length; t += 3) {
        const a = indices[t];
        const b = indices[t + 1];
        const c = indices[t + 2];
        if (a >= n || b >= n || c >= n) {
            continue;
        }
        edgeSum += difference(a, b) + difference(b, c) + difference(c, a);
        edges += 3;
    }
    // Pairs far apart in index (a stride coprime-ish with n), as many as there are edges, at most 3n.
    let pairSum = 0;
    const pairs = Math.min(edges, 3 * n);
    const stride = Math.max(1, Math.floor(n * 0.618033988749895)) | 1;
    for (let i = 0; i < pairs; i++) {
        const a = i % n;
        pairSum += difference(a, (a + stride + Math.floor(i / n)) % n);
    }
    if (edges === 0 || !(pairSum > 0)) {
        return Number.NaN;
    }
    return edgeSum / edges / (pairSum / pairs);
}

/**
 * Pairs ply rows with glb vertices through `vertex_order.json`: the k-th id of the list (a FLAME vertex, which is ply
 * row id) goes with the k-th glb vertex sorted along one axis. LAM's exporter sorts the FLAME mesh in Blender after an
 * axis conversion and a rotation, so which axis and direction the list follows is not fixed: each is tried.
 * @param vertexOrder the list (a permutation of 0…N−1)
 * @param positions glb rest vertices, N × 3
 * @param axis 0, 1 or 2
 * @param sign 1 for ascending, -1 for descending
 * @returns for each ply row its glb vertex
 */
function pairBySortKey(vertexOrder: Int32Array, positions: Float32Array, axis: number, sign: number): Int32Array {
    const n = vertexOrder.length;
    const sorted = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => sign * (positions[3 * a + axis] - positions[3 * b + axis]) || a - b);
    const vertexOfRow = new Int32Array(n);
    for (let k = 0; k < n; k++) {
        vertexOfRow[vertexOrder[k]] = sorted[k];
    }
    return vertexOfRow;
}

/** Whether a list is a permutation of 0…n−1. */
function isPermutation(list: Int32Array, n: number): boolean {
    if (list.length !== n) return false;
    const seen = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
        const v = list[k];
        if (v < 0 || v >= n || seen[v] === 1) return false;
        seen[v] = 1;
    }
    return true;
}

/**
 * Decides how a LAM avatar's ply rows pair with its skin vertices. Row i ↔ vertex i (what LAM's renderer does) stands
 * unless the colours say it draws a scrambled cloud (colour coherence over {@link LamPairingCoherenceLimit}); it stands
 * too when the colours cannot tell (no triangles, flat colours), and then `vertex_order.json` is not needed and not
 * checked. A scrambled pairing is re-paired through `vertex_order.json` and a sort of the skin along the axis whose
 * pairing is coherent and at least twice as coherent as row i ↔ vertex i; failing that, the load is refused.
 * @param colors Gaussian colours, N × 3
 * @param positions glb rest vertices, N × 3
 * @param indices glb triangles (null when the mesh has none)
 * @param vertexOrder `vertex_order.json`, or null when absent
 * @param fileName for errors
 * @returns the pairing
 * @throws GemFormatError `invalid-descriptor` naming `offset.ply ↔ skin.glb vertex order` when row i ↔ vertex i is
 * scrambled and no coherent pairing exists (a draw would be a scrambled cloud)
 */
export function pairLamVertices(colors: Float32Array, positions: Float32Array, indices: Uint32Array | null, vertexOrder: Int32Array | null, fileName: string): LamVertexPairing {
    const n = positions.length / 3;
    const identity = lamPairingCoherence(colors, null, indices);
    if (!(identity > LamPairingCoherenceLimit)) {
        return { kind: "identity", vertexOfRow: null, coherence: identity };
    }
    let best: LamVertexPairing | null = null;
    const listValid = vertexOrder !== null && isPermutation(vertexOrder, n);
    if (vertexOrder && listValid) {
        for (let axis = 0; axis < 3; axis++) {
            for (const sign of [1, -1]) {
                const vertexOfRow = pairBySortKey(vertexOrder, positions, axis, sign);
                const rowOfVertex = new Int32Array(n);
                for (let i = 0; i < n; i++) rowOfVertex[vertexOfRow[i]] = i;
                const coherence = lamPairingCoherence(colors, rowOfVertex, indices);
                if (coherence < (best?.coherence ?? Number.POSITIVE_INFINITY)) {
                    best = { kind: "vertex-order", vertexOfRow, coherence, sortKey: `${sign > 0 ? "+" : "-"}${"xyz"[axis]}` };
                }
            }
        }
    }
    if (best && best.coherence <= LamPairingCoherenceLimit && best.coherence <= 0.5 * identity) {
        return best;
    }
    const list =
        vertexOrder === null ? "no vertex_order.json" : listValid ? "no coherent pairing through vertex_order.json" : `vertex_order.json is not a permutation of 0…${n - 1}`;
    throw new GemFormatError(
        "invalid-descriptor",
        fileName,
        "offset.ply ↔ skin.glb vertex order",
        `Gaussians paired with skin vertices so that neighbours match (colour difference across mesh edges ≤ ${LamPairingCoherenceLimit} of random pairs), row i with vertex i or through vertex_order.json`,
        `${identity.toFixed(2)} for row i ↔ vertex i, and ${list}${best ? ` (best ${best.coherence.toFixed(2)})` : ""}`
    );
}
