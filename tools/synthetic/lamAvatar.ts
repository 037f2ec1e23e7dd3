/**
 * Synthetic avatars in the layout LAM (Large Avatar Model, one photo → animatable Gaussian head) exports, for tests and
 * samples: a zip holding `<id>/offset.ply` (one Gaussian per skin vertex: x y z (offset from the vertex), nx ny nz,
 * f_dc_0..2 (RGB in [0, 1]), opacity (logit), scale_0..2 (log), rot_0..3 (w x y z)), `<id>/skin.glb` (a mesh with one
 * vertex per Gaussian, ARKit-named morph targets and a skeleton with a `head` bone), `<id>/animation.glb` (body clips)
 * and `<id>/vertex_order.json`. Built from ICT-FaceKit's scanned face (MIT). Real LAM avatars are made from photos of
 * people and are never committed.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { writeGlb, type GlbJoint } from "../writers/glbWriter.js";
import { writeFloatPly } from "../writers/gaussianPlyWriter.js";
import { writeZip } from "../writers/npzWriter.js";
import { ictExpressionWeights, ictVertices, type IctFaceKit } from "./ictHead.js";
import { createRandom } from "./syntheticModels.js";

/** Options of {@link createLamZip}. */
export interface LamZipOptions {
    /** Folder name inside the zip (LAM uses the avatar id). */
    id?: string;
    /** Skin vertices (= Gaussians) taken from ICT's face part (at most 9,409; default 2,000). */
    vertices?: number;
    /** ICT identity weights. */
    identity?: number[];
    /** Seed of the offsets and colours. */
    seed?: number;
    /** Raw-deflate compressor for the entries (as LAM's exporter zips them), or stored. */
    deflate?: (data: Uint8Array) => Uint8Array;
    /**
     * Vertex order of `skin.glb` (default `"flame"`): `"flame"` keeps the ply's row order (LAM's older exports),
     * `"reordered"` writes the glb's vertices in another order (as an export that reorders the mesh does); the ply rows
     * and `vertex_order.json` stay in the FLAME order either way.
     */
    exportOrder?: "flame" | "reordered";
}

/** The parts of a synthetic LAM avatar, before zipping. */
export interface LamAvatarParts {
    id: string;
    /** Skin vertices, V × 3 (the rest mesh). */
    vertices: Float32Array;
    /** ARKit names of the morph targets (51: every ARKit name ICT has). */
    morphNames: string[];
    /** Morph deltas, M × V × 3. */
    morphDeltas: Float32Array;
    /** Per-Gaussian offsets, V × 3. */
    offsets: Float32Array;
    offsetPly: Uint8Array;
    skinGlb: Uint8Array;
    animationGlb: Uint8Array;
    vertexOrder: number[];
    /** For each glb vertex its ply row (the identity for `exportOrder: "flame"`). */
    rowOfGlbVertex: Int32Array;
}

/** The bones of the synthetic skeleton (LAM's real one has 262; the renderer moves centres with `head` only). */
export const LamSkeleton: GlbJoint[] = [
    { name: "hip", parent: -1, translation: [0, -0.55, -0.02] },
    { name: "neckUpper", parent: 0, translation: [0, 0.44, 0] },
    { name: "head", parent: 1, translation: [0, 0.05, 0] },
];

/**
 * Builds the parts of a LAM-layout avatar.
 * @param kit ICT-FaceKit
 * @param options size, identity, seed
 * @returns the parts
 */
export function createLamAvatarParts(kit: IctFaceKit, options: LamZipOptions = {}): LamAvatarParts {
    const random = createRandom(options.seed ?? 5);
    const [faceStart, faceEnd] = kit.parts.get("face")!.vertices;
    const [triangleStart, triangleEnd] = kit.parts.get("face")!.triangles;
    const count = Math.min(options.vertices ?? 2000, faceEnd - faceStart);
    // The first `count` face vertices, and the triangles that use only them.
    const identity = options.identity ?? [0.3, 0.2];
    const full = ictVertices(kit, identity, null);
    const vertices = full.slice(3 * faceStart, 3 * (faceStart + count));
    const indices: number[] = [];
    for (let t = triangleStart; t < triangleEnd; t++) {
        const ids = [kit.faces[3 * t], kit.faces[3 * t + 1], kit.faces[3 * t + 2]].map((v) => v - faceStart);
        if (ids.every((v) => v >= 0 && v < count)) {
            indices.push(...ids);
        }
    }
    const morphNames = ArkitBlendshapeNames.filter((name) => kit.arkitNames.includes(name));
    const morphDeltas = new Float32Array(morphNames.length * count * 3);
    const arkit = new Float32Array(52);
    morphNames.forEach((name, m) => {
        arkit.fill(0);
        arkit[ArkitBlendshapeNames.indexOf(name)] = 1;
        const posed = ictVertices(kit, identity, ictExpressionWeights(kit, arkit));
        for (let i = 0; i < 3 * count; i++) {
            morphDeltas[m * 3 * count + i] = posed[3 * faceStart + i] - full[3 * faceStart + i];
        }
    });
    // offset.ply: an offset of up to ±0.5 mm per Gaussian, skin colour with a little variation, small flat discs.
    const offsets = Float32Array.from({ length: 3 * count }, () => (random() - 0.5) * 0.001);
    const names = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"];
    const offsetPly = writeFloatPly(names, count, (row, i) => {
        row.set(offsets.subarray(3 * i, 3 * i + 3), 0);
        // Skin varies smoothly over the face (as trained colours do), with a little per-Gaussian grain.
        const shade = 0.92 + 0.08 * Math.sin(40 * vertices[3 * i]) * Math.cos(30 * vertices[3 * i + 1]) + 0.02 * random();
        row.set([0.82 * shade, 0.62 * shade, 0.52 * shade], 6);
        row[9] = 4;
        row.set([Math.log(0.0016), Math.log(0.0016), Math.log(0.0005)], 10);
        row.set([1, 0, 0, 0], 13);
    });
    // The glb's vertex j holds ply row rowOfGlbVertex[j].
    const rowOfGlbVertex = Int32Array.from({ length: count }, (_, i) => i);
    if (options.exportOrder === "reordered") {
        for (let i = count - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [rowOfGlbVertex[i], rowOfGlbVertex[j]] = [rowOfGlbVertex[j], rowOfGlbVertex[i]];
        }
    }
    const glbVertexOfRow = new Int32Array(count);
    rowOfGlbVertex.forEach((row, j) => (glbVertexOfRow[row] = j));
    const reorder = (values: Float32Array) => {
        const out = new Float32Array(values.length);
        for (let j = 0; j < count; j++) {
            out.set(values.subarray(3 * rowOfGlbVertex[j], 3 * rowOfGlbVertex[j] + 3), 3 * j);
        }
        return out;
    };
    const morphTargets = morphNames.map((name, m) => ({ name, deltas: reorder(morphDeltas.subarray(m * 3 * count, (m + 1) * 3 * count)) }));
    const skinGlb = writeGlb({
        positions: reorder(vertices),
        indices: Uint32Array.from(indices, (row) => glbVertexOfRow[row]),
        morphTargets,
        skin: { joints: LamSkeleton, vertexJoints: new Uint16Array(count).fill(2) },
        generator: "babylon-gem-avatars tools/synthetic/lamAvatar.ts",
    });
    // animation.glb: the skeleton alone with a small nod of the head, as LAM's body clips move it.
    const times = Float32Array.of(0, 1, 2);
    const nod = Math.sin(0.05);
    const animationGlb = writeGlb({
        skin: { joints: LamSkeleton, vertexJoints: new Uint16Array(0) },
        animations: [{ name: "idle", joint: 2, times, rotations: Float32Array.of(0, 0, 0, 1, nod, 0, 0, Math.cos(0.05), 0, 0, 0, 1) }],
    });
    // vertex_order.json: as LAM's exporter writes it (by our reading), the FLAME (ply row) vertex ids front to back.
    const vertexOrder = Array.from({ length: count }, (_, i) => i).sort((a, b) => vertices[3 * b + 2] - vertices[3 * a + 2] || a - b);
    return { id: options.id ?? "synthetic-lam", vertices, morphNames, morphDeltas, offsets, offsetPly, skinGlb, animationGlb, vertexOrder, rowOfGlbVertex };
}

/**
 * Zips the parts in LAM's layout (`<id>/…`).
 * @param parts the parts
 * @param deflate raw-deflate compressor, or stored entries
 * @returns zip bytes
 */
export function zipLamAvatar(parts: LamAvatarParts, deflate?: (data: Uint8Array) => Uint8Array): Uint8Array {
    const folder = `${parts.id}/`;
    return writeZip(
        {
            [`${folder}skin.glb`]: parts.skinGlb,
            [`${folder}offset.ply`]: parts.offsetPly,
            [`${folder}animation.glb`]: parts.animationGlb,
            [`${folder}vertex_order.json`]: new TextEncoder().encode(JSON.stringify(parts.vertexOrder, null, 4)),
        },
        deflate
    );
}
