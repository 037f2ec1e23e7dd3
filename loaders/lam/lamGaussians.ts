/**
 * LAM's `offset.ply` and the GEM model a LAM avatar becomes. LAM writes one Gaussian per skin vertex with 17 float
 * properties: x y z (an offset from skin vertex i), nx ny nz (zeros), f_dc_0..2 (RGB in [0, 1]: LAM trains colours
 * directly and its renderer reads them as RGB, not as spherical-harmonic coefficients), opacity (logit), scale_0..2
 * (log), rot_0..3 (w x y z). Its renderer moves only the centres: rest vertex + offset + Σ w_k · morph delta_k, then the
 * `head` bone; scales, rotations, opacities and colours stay as stored. That is a linear model of the centres, so a
 * LAM avatar is exactly a GEM model: the centres' mean is vertex + offset, their basis the morph deltas in raw units,
 * and an `arkit` driver map that gives each morph target its ARKit weight.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { requireFinite, requireWithin } from "../../core/errors/requireFinite.js";
import { GemModel, type GemAttributeGroup } from "../../core/GemModel.js";
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import type { GemGaussians } from "../../core/gemReconstruction.js";
import { parseGaussianPly } from "../ply/gaussianPly.js";
import { pairLamVertices } from "./lamVertexOrder.js";

/** Physical range of a LAM skin: coordinates and morph deltas in metres, within ±100. */
export const LamRanges = { maxCoordinate: 100 } as const;

/**
 * Parses `offset.ply`: Gaussians after activations whose `positions` are the offsets from their skin vertices.
 * @param bytes file contents
 * @param fileName for errors
 * @returns the Gaussians
 */
export function parseLamOffsetPly(bytes: Uint8Array, fileName: string): GemGaussians {
    return parseGaussianPly(bytes, fileName, { colors: "rgb", what: "a LAM offset.ply" });
}

/** What `skin.glb` contributes: the rest vertices, the morph targets and the head bone's rest position. */
export interface LamSkin {
    /** Rest vertices, V × 3, in the glTF's frame (LAM's FLAME frame: metres, +Y up, the face toward +Z). */
    positions: Float32Array;
    /** Morph target names (ARKit names in LAM's exports). */
    morphNames: string[];
    /** Morph deltas, M × V × 3. */
    morphDeltas: Float32Array;
    /** Rest position of the `head` bone, the pivot of the head pose, or null without one. */
    headPivot: [number, number, number] | null;
    /** The mesh's triangles (vertex ids), or null when it has none; they tell which pairing of rows and vertices is right. */
    indices?: Uint32Array | null;
}

/**
 * Builds the GEM model of a LAM avatar (raw coefficient units: coefficient k is the weight of morph target k).
 * @param gaussians `offset.ply` (positions: offsets from the skin vertices)
 * @param skin `skin.glb`
 * @param fileName for errors and metadata
 * @param vertexOrder `vertex_order.json`, when the zip has one: it pairs rows and vertices again when an export
 * reordered the skin's vertices (see {@link pairLamVertices})
 * @returns the model, with an `arkit` driver map over the morph targets that carry ARKit names
 */
export function lamGemModel(gaussians: GemGaussians, skin: LamSkin, fileName: string, vertexOrder: Int32Array | null = null): GemModel {
    const g = gaussians.count;
    if (skin.positions.length !== 3 * g) {
        throw new GemFormatError("size-mismatch", fileName, "skin.glb vertices", `${g} (one per Gaussian of offset.ply)`, skin.positions.length / 3);
    }
    const m = skin.morphNames.length;
    if (skin.morphDeltas.length !== m * 3 * g) {
        throw new GemFormatError("size-mismatch", fileName, "skin.glb morph targets", `${m} × ${g} × 3 values`, skin.morphDeltas.length);
    }
    requireFinite(skin.positions, fileName, "skin.glb POSITION");
    requireFinite(skin.morphDeltas, fileName, "skin.glb morph targets");
    requireWithin(skin.positions, LamRanges.maxCoordinate, fileName, "skin.glb POSITION");
    requireWithin(skin.morphDeltas, LamRanges.maxCoordinate, fileName, "skin.glb morph targets");
    const pairing = pairLamVertices(gaussians.colors, skin.positions, skin.indices ?? null, vertexOrder, fileName);
    if (pairing.vertexOfRow) {
        // Bring the skin into the rows' order.
        const order = pairing.vertexOfRow;
        const positions = new Float32Array(3 * g);
        const morphDeltas = new Float32Array(m * 3 * g);
        for (let i = 0; i < g; i++) {
            const v = order[i];
            for (let c = 0; c < 3; c++) {
                positions[3 * i + c] = skin.positions[3 * v + c];
                for (let k = 0; k < m; k++) {
                    morphDeltas[k * 3 * g + 3 * i + c] = skin.morphDeltas[k * 3 * g + 3 * v + c];
                }
            }
        }
        skin = { ...skin, positions, morphDeltas };
    }
    const mean = new Float32Array(3 * g);
    for (let i = 0; i < 3 * g; i++) {
        mean[i] = skin.positions[i] + gaussians.positions[i];
    }
    const eigenvalues = new Float32Array(m);
    for (let k = 0; k < m; k++) {
        let sum = 0;
        for (let i = 0; i < 3 * g; i++) {
            sum += skin.morphDeltas[k * 3 * g + i] ** 2;
        }
        eigenvalues[k] = sum / g;
    }
    const static_ = (name: string, semantic: GemAttributeGroup["semantic"], channels: number, values: Float32Array): GemAttributeGroup => ({
        name,
        semantic,
        channels,
        components: 0,
        activation: semantic === "rotation" ? "normalize" : "none",
        mean: values,
        basis: null,
        eigenvalues: new Float32Array(0),
    });
    const groups: GemAttributeGroup[] = [
        {
            name: "geometry",
            semantic: "position",
            channels: 3,
            components: m,
            activation: "none",
            mean,
            basis: m > 0 ? { dtype: "float32", data: skin.morphDeltas } : null,
            eigenvalues,
            componentNames: [...skin.morphNames],
        },
        static_("opacity", "opacity", 1, gaussians.opacities),
        static_("scales", "scale", 3, gaussians.scales),
        static_("rotation", "rotation", 4, gaussians.rotations),
        static_("colors", "color", 3, gaussians.colors),
    ];
    const arkit = skin.morphNames.map((name, k) => ({ name, k })).filter(({ name }) => ArkitBlendshapeNames.includes(name));
    const matrix = new Float32Array(m * arkit.length);
    arkit.forEach(({ k }, column) => (matrix[k * arkit.length + column] = 1));
    const pivot = skin.headPivot;
    return new GemModel({
        gaussianCount: g,
        groups,
        coefficientUnits: "raw",
        drivers: arkit.length > 0 ? [{ name: "arkit", inputs: arkit.map((a) => a.name), labels: arkit.map((a) => a.name), matrix, bias: new Float32Array(m) }] : [],
        metadata: {
            name: fileName.replace(/^.*[\\/]/, "").replace(/\.zip$/i, ""),
            source: "LAM avatar (aigc3d/LAM export: offset.ply + skin.glb)",
            file: fileName,
            licence: "A LAM avatar is made from a photo of a person: you need that person's consent to use or share it",
            morphTargets: skin.morphNames,
            vertexPairing:
                pairing.kind === "identity"
                    ? `offset.ply row i ↔ skin.glb vertex i (colour coherence ${Number.isNaN(pairing.coherence) ? "not measurable" : pairing.coherence.toFixed(2)})`
                    : `through vertex_order.json and the skin sorted along ${pairing.sortKey} (the export reordered the skin's vertices; coherence ${pairing.coherence.toFixed(2)})`,
            // The head pose pivots about the `head` bone (the root a little below it).
            ...(pivot ? { flameJoints: { global: [pivot[0], pivot[1] - 0.05, pivot[2]], neck: [...pivot] } } : {}),
        },
        fileName,
    });
}
