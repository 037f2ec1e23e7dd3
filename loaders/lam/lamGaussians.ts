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
import { requireFinite } from "../../core/errors/requireFinite.js";
import { GemModel, type GemAttributeGroup } from "../../core/GemModel.js";
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { readPlyVertexTable } from "../ply/plyVertexTable.js";

/** LAM's Gaussians after activations, centres as offsets from their skin vertices. */
export interface LamGaussians {
    count: number;
    /** Offsets from skin vertex i, count × 3. */
    offsets: Float32Array;
    /** RGB in [0, 1], count × 3. */
    colors: Float32Array;
    /** In [0, 1]. */
    opacities: Float32Array;
    /** Linear scales, count × 3. */
    scales: Float32Array;
    /** Unit quaternions w x y z, count × 4. */
    rotations: Float32Array;
}

const required = ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"];

/**
 * Parses `offset.ply`.
 * @param bytes file contents
 * @param fileName for errors
 * @returns the Gaussians
 */
export function parseLamOffsetPly(bytes: Uint8Array, fileName: string): LamGaussians {
    const table = readPlyVertexTable(bytes, fileName, required, "a LAM offset.ply");
    const n = table.count;
    const out: LamGaussians = {
        count: n,
        offsets: new Float32Array(3 * n),
        colors: new Float32Array(3 * n),
        opacities: new Float32Array(n),
        scales: new Float32Array(3 * n),
        rotations: new Float32Array(4 * n),
    };
    const finite = (name: string, i: number) => {
        const v = table.read(name, i);
        if (!Number.isFinite(v)) {
            throw new GemFormatError("non-finite", fileName, `${name}[${i}]`, "a finite number", v);
        }
        return v;
    };
    for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
            out.offsets[3 * i + c] = finite("xyz"[c], i);
            out.colors[3 * i + c] = Math.min(1, Math.max(0, finite(`f_dc_${c}`, i)));
            const logScale = finite(`scale_${c}`, i);
            if (logScale > 20) {
                throw new GemFormatError("invalid-descriptor", fileName, `scale_${c}[${i}]`, "a log-scale at most 20", logScale);
            }
            out.scales[3 * i + c] = Math.exp(logScale);
        }
        out.opacities[i] = 1 / (1 + Math.exp(-finite("opacity", i)));
        const q = [finite("rot_0", i), finite("rot_1", i), finite("rot_2", i), finite("rot_3", i)];
        const norm = Math.hypot(q[0], q[1], q[2], q[3]);
        if (!(norm > 1e-8)) {
            throw new GemFormatError("invalid-descriptor", fileName, `rot[${i}]`, "a non-zero quaternion", `norm ${norm}`);
        }
        for (let c = 0; c < 4; c++) {
            out.rotations[4 * i + c] = q[c] / norm;
        }
    }
    return out;
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
}

/**
 * Builds the GEM model of a LAM avatar (raw coefficient units: coefficient k is the weight of morph target k).
 * @param gaussians `offset.ply`
 * @param skin `skin.glb`
 * @param fileName for errors and metadata
 * @returns the model, with an `arkit` driver map over the morph targets that carry ARKit names
 */
export function lamGemModel(gaussians: LamGaussians, skin: LamSkin, fileName: string): GemModel {
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
    const mean = new Float32Array(3 * g);
    for (let i = 0; i < 3 * g; i++) {
        mean[i] = skin.positions[i] + gaussians.offsets[i];
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
            // The head pose pivots about the `head` bone (the root a little below it).
            ...(pivot ? { flameJoints: { global: [pivot[0], pivot[1] - 0.05, pivot[2]], neck: [...pivot] } } : {}),
        },
        fileName,
    });
}
