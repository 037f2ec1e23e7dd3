/**
 * How the rows of a LAM `offset.ply` pair with the vertices of its `skin.glb`. LAM's renderer pairs row i with vertex i,
 * which holds when Blender's glTF export keeps the FLAME mesh's vertex order. LAM's exporter also writes
 * `vertex_order.json`: the FLAME mesh's vertex ids sorted by height (lowest first), computed on the mesh before export.
 * When an export reorders the vertices, that list still names the ply rows by height, so sorting the glb's vertices by
 * height pairs them again. Which pairing is right is decided by the data: on a right pairing a Gaussian's colour is close
 * to its mesh neighbours' (a face is smooth at the scale of its mesh), on a wrong one it is as different as any two.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";

/** Colour difference across mesh edges / across random pairs at most this for a pairing to be accepted. */
export const LamPairingCoherenceLimit = 0.7;

/** How a LAM avatar's Gaussians were paired with its skin vertices. */
export interface LamVertexPairing {
    /** `identity`: row i with vertex i (LAM's renderer); `vertex-order`: through `vertex_order.json` and the heights. */
    kind: "identity" | "vertex-order";
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
 * Pairs ply rows with glb vertices through `vertex_order.json`: the k-th id of the list (the k-th lowest FLAME vertex,
 * which is ply row id) goes with the k-th lowest glb vertex.
 * @param vertexOrder the list (a permutation of 0…N−1)
 * @param positions glb rest vertices, N × 3 (+Y up)
 * @returns for each ply row its glb vertex
 */
function pairByHeight(vertexOrder: Int32Array, positions: Float32Array): Int32Array {
    const n = vertexOrder.length;
    const byHeight = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => positions[3 * a + 1] - positions[3 * b + 1] || a - b);
    const vertexOfRow = new Int32Array(n);
    for (let k = 0; k < n; k++) {
        vertexOfRow[vertexOrder[k]] = byHeight[k];
    }
    return vertexOfRow;
}

/**
 * Decides how a LAM avatar's ply rows pair with its skin vertices.
 * @param colors Gaussian colours, N × 3
 * @param positions glb rest vertices, N × 3
 * @param indices glb triangles (null when the mesh has none)
 * @param vertexOrder `vertex_order.json`, or null when absent
 * @param fileName for errors
 * @returns the pairing
 * @throws GemFormatError `invalid-descriptor` when the list is not a permutation of the vertices, or when neither pairing
 * gives a coherent avatar (a draw would be a scrambled cloud)
 */
export function pairLamVertices(colors: Float32Array, positions: Float32Array, indices: Uint32Array | null, vertexOrder: Int32Array | null, fileName: string): LamVertexPairing {
    const n = positions.length / 3;
    let permutation: Int32Array | null = null;
    if (vertexOrder) {
        const seen = new Uint8Array(n);
        let valid = vertexOrder.length === n;
        for (let k = 0; k < vertexOrder.length && valid; k++) {
            const v = vertexOrder[k];
            valid = v >= 0 && v < n && seen[v] === 0;
            seen[v] = 1;
        }
        if (!valid) {
            throw new GemFormatError(
                "invalid-descriptor",
                fileName,
                "vertex_order.json",
                `a permutation of 0…${n - 1} (one id per skin vertex)`,
                vertexOrder.length === n ? "repeated or out-of-range ids" : `${vertexOrder.length} ids`
            );
        }
        permutation = vertexOrder;
    }
    const identity = lamPairingCoherence(colors, null, indices);
    if (identity <= LamPairingCoherenceLimit) {
        return { kind: "identity", vertexOfRow: null, coherence: identity };
    }
    // The identity pairing is incoherent or cannot be judged: the heights decide when the list disagrees with them.
    if (permutation) {
        const vertexOfRow = pairByHeight(permutation, positions);
        let same = true;
        for (let i = 0; i < n && same; i++) {
            same = vertexOfRow[i] === i;
        }
        if (same) {
            if (Number.isNaN(identity)) {
                return { kind: "identity", vertexOfRow: null, coherence: identity };
            }
        } else {
            const rowOfVertex = new Int32Array(n);
            for (let i = 0; i < n; i++) {
                rowOfVertex[vertexOfRow[i]] = i;
            }
            const coherence = lamPairingCoherence(colors, rowOfVertex, indices);
            if (Number.isNaN(coherence) || coherence <= LamPairingCoherenceLimit) {
                return { kind: "vertex-order", vertexOfRow, coherence };
            }
        }
    } else if (Number.isNaN(identity)) {
        return { kind: "identity", vertexOfRow: null, coherence: identity };
    }
    throw new GemFormatError(
        "invalid-descriptor",
        fileName,
        "offset.ply ↔ skin.glb vertex order",
        `Gaussians paired with skin vertices so that neighbours match (colour difference across mesh edges ≤ ${LamPairingCoherenceLimit} of random pairs), row i with vertex i or through vertex_order.json`,
        `${identity.toFixed(2)} for row i ↔ vertex i${permutation ? ", and no coherent pairing through vertex_order.json" : ", and no vertex_order.json"}`
    );
}
