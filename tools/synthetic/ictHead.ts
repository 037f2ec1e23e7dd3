/**
 * The realistic default heads: Gaussians on the surface of ICT-FaceKit (a light-stage-scan-based blendshape head, MIT:
 * tools/data/ict-facekit/), with a procedural albedo and baked soft light, posed by ARKit-52 weights through ICT's own
 * expression shapes. Identities come from ICT's PCA identity modes. Deterministic for a given seed.
 *
 * Frame: ICT's own, which is the `.gem` frame (right-handed, metres, +Y up, the face looking toward +Z, +X the
 * subject's left).
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import type { RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import type { NpzArrays } from "../../loaders/archives/npzArchive.js";
import type { LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { ictEyeGeometry, ictGazeAngles, rotateIctEyes } from "./ictEyes.js";
import { placeIctHeadGaussians } from "./ictHeadRig.js";

/** ICT-FaceKit in memory (float32, metres). */
export interface IctFaceKit {
    vertexCount: number;
    neutral: Float32Array;
    faces: Uint32Array;
    /** 57 × V × 3 expression deltas. */
    expressionDeltas: Float32Array;
    /** ARKit name of each expression ("" for ICT's extra shapes). */
    arkitNames: string[];
    /** 20 × V × 3 identity deltas (one unit ≈ one standard deviation). */
    identityDeltas: Float32Array;
    identityCount: number;
    /** Parts by name: `[start, end)` vertex and triangle ranges. */
    parts: Map<string, { vertices: [number, number]; triangles: [number, number] }>;
    /** Subparts (sclera, iris...) by name: `[start, end)` vertex ranges. */
    subparts: Map<string, [number, number]>;
    /** Multi-PIE 68 landmark vertex ids. */
    landmarks68: Int32Array;
}

/**
 * ICT-FaceKit from the arrays of its compact export (`ict-facekit.npz`, parsed by `readNpz` in Node or `readNpzAsync`
 * in a page): no file access here, so pages and workers build heads too (tools/synthetic/ictFaceKitFile.ts reads the
 * file in Node).
 * @param arrays the npz's arrays
 * @returns the kit
 */
export function parseIctFaceKit(arrays: NpzArrays): IctFaceKit {
    const floats = (key: string) => Float32Array.from(arrays.get(key)!.data as ArrayLike<number>);
    const ints = (key: string) => Int32Array.from(arrays.get(key)!.data as ArrayLike<number>);
    const neutral = floats("neutral");
    const partNames = arrays.strings.get("part_names")!;
    const vertexRanges = ints("part_vertex_ranges");
    const triangleRanges = ints("part_triangle_ranges");
    const parts = new Map<string, { vertices: [number, number]; triangles: [number, number] }>();
    partNames.forEach((name, i) => {
        parts.set(name, { vertices: [vertexRanges[2 * i], vertexRanges[2 * i + 1]], triangles: [triangleRanges[2 * i], triangleRanges[2 * i + 1]] });
    });
    const subpartRanges = ints("subpart_vertex_ranges");
    const subparts = new Map<string, [number, number]>();
    arrays.strings.get("subpart_names")!.forEach((name, i) => subparts.set(name, [subpartRanges[2 * i], subpartRanges[2 * i + 1]]));
    return {
        vertexCount: neutral.length / 3,
        neutral,
        faces: Uint32Array.from(arrays.get("faces")!.data as ArrayLike<number>),
        expressionDeltas: floats("expression_deltas"),
        arkitNames: arrays.strings.get("arkit_names")!,
        identityDeltas: floats("identity_deltas"),
        identityCount: arrays.get("identity_deltas")!.shape[0],
        parts,
        subparts,
        landmarks68: ints("landmarks68"),
    };
}

/** One default head: identity weights and colouring. */
export interface IctHeadIdentity {
    /** File stem, for example `default-head`. */
    name: string;
    /** Display name. */
    label: string;
    /** Weights of ICT's identity modes (N(0, 1) units); missing modes are 0. */
    identity: number[];
    /** Skin albedo (sRGB, 0..1). */
    skin: [number, number, number];
    /** Lip albedo. */
    lips: [number, number, number];
    /** Iris colour. */
    iris: [number, number, number];
    /** Hair and brow colour. */
    hair: [number, number, number];
    /** Random seed of the placement and the skin's variation. */
    seed: number;
    /** How freckled the nose and cheeks are, 0..1 (default 0). */
    freckles?: number;
}

/** The shipped identities: three different faces from ICT's identity modes. */
export const IctHeadIdentities: readonly IctHeadIdentity[] = [
    {
        name: "default-head",
        label: "Default head",
        identity: [0.4, -0.6, 0.3, 0.5, -0.2],
        skin: [0.8, 0.6, 0.5],
        lips: [0.72, 0.4, 0.4],
        iris: [0.45, 0.3, 0.16],
        hair: [0.2, 0.14, 0.1],
        seed: 11,
    },
    {
        name: "head-b",
        label: "Head B",
        identity: [-1.4, 0.8, -1.3, -0.6, 1.0, 0.7, 0.5],
        skin: [0.55, 0.38, 0.28],
        lips: [0.5, 0.28, 0.26],
        iris: [0.18, 0.12, 0.08],
        hair: [0.06, 0.05, 0.05],
        seed: 12,
    },
    {
        name: "head-c",
        label: "Head C",
        identity: [1.5, 1.1, 0.9, -0.8, 0.4, 0.9, -0.6, 0.5],
        skin: [0.9, 0.74, 0.66],
        lips: [0.8, 0.5, 0.5],
        iris: [0.25, 0.42, 0.55],
        hair: [0.55, 0.4, 0.22],
        seed: 13,
        freckles: 0.8,
    },
];

/**
 * ICT expression weights from ARKit-52 weights: each ICT shape takes its ARKit channel's weight (both halves of
 * browInnerUp and cheekPuff take the whole weight; tongueOut has no shape).
 * @param kit the kit
 * @param arkit 52 weights in {@link ArkitBlendshapeNames} order
 * @param out 57 ICT weights
 * @returns out
 */
export function ictExpressionWeights(kit: IctFaceKit, arkit: ArrayLike<number>, out = new Float32Array(kit.arkitNames.length)): Float32Array {
    kit.arkitNames.forEach((name, e) => {
        const index = name ? ArkitBlendshapeNames.indexOf(name) : -1;
        out[e] = index >= 0 ? arkit[index] : 0;
    });
    return out;
}

/**
 * Vertices of a head: neutral + identity + expressions, the eyeballs turned by the `eyeLook…` weights.
 * @param kit the kit
 * @param identity identity weights (up to 20)
 * @param expression 57 ICT expression weights (or null for the neutral face)
 * @returns V × 3 vertices
 */
export function ictVertices(kit: IctFaceKit, identity: ArrayLike<number>, expression: ArrayLike<number> | null): Float32Array {
    const n = kit.vertexCount * 3;
    const out = kit.neutral.slice();
    const add = (deltas: Float32Array, index: number, weight: number) => {
        if (weight === 0) {
            return;
        }
        const base = index * n;
        for (let i = 0; i < n; i++) {
            out[i] += weight * deltas[base + i];
        }
    };
    for (let i = 0; i < Math.min(identity.length, kit.identityCount); i++) {
        add(kit.identityDeltas, i, identity[i]);
    }
    if (expression) {
        // ICT turns its eyeballs rigidly (its eyeLook shapes move only the lids): about centres of the unposed head.
        const angles = ictGazeAngles((name) => expression[kit.arkitNames.indexOf(name)] ?? 0);
        const eyes = angles.some(([yaw, pitch]) => yaw !== 0 || pitch !== 0) ? ictEyeGeometry(kit, out) : null;
        for (let e = 0; e < expression.length; e++) {
            add(kit.expressionDeltas, e, expression[e]);
        }
        if (eyes) {
            rotateIctEyes(eyes, out, angles);
        }
    }
    return out;
}

/** Part of each Gaussian of a head rig. */
export type IctGaussianPart = "skin" | "hair" | "brows" | "lips" | "sclera" | "iris" | "pupil" | "highlight" | "occlusion" | "mouth" | "teeth" | "lashes";

/** A head rig: Gaussians bound to ICT's triangles, with the part each belongs to. */
export interface IctHeadRig {
    rig: RiggedGaussians;
    parts: IctGaussianPart[];
}

/** Options of {@link createIctHeadRig}. */
export interface IctHeadRigOptions {
    /** Total Gaussians, approximately (default 18,000). */
    gaussians?: number;
    /**
     * Neutral vertices (V × 3) to place the Gaussians on instead of the identity's (a personal head's fitted shape);
     * the colouring still comes from the identity's colours.
     */
    vertices?: Float32Array;
}

/**
 * Places Gaussians on a head of the given identity and colours them (tools/synthetic/ictHeadRig.ts: skin, eyes, lashes,
 * brows, hair, mouth).
 * @param kit the kit
 * @param head identity and colours
 * @param options Gaussian budget, or the vertices to place them on
 * @returns the rig (bound to `kit.faces`) and the part of each Gaussian
 */
export function createIctHeadRig(kit: IctFaceKit, head: IctHeadIdentity, options: IctHeadRigOptions = {}): IctHeadRig {
    const vertices = options.vertices ?? ictVertices(kit, head.identity, null);
    return placeIctHeadGaussians(kit, head, vertices, options.gaussians ?? 18000);
}

/**
 * The landmark blendshape model of ICT-FaceKit at some points of its surface (for the face solver): neutral positions,
 * one displacement per ARKit name ICT has (both halves of browInnerUp and cheekPuff together) and the identity modes.
 * @param kit the kit
 * @param landmarks per landmark, the vertices it blends and their weights (a vertex landmark: `[[id, 1]]`; a point on a
 * triangle: its three corners and barycentric coordinates)
 * @returns the model
 */
export function ictLandmarkModel(kit: IctFaceKit, landmarks: readonly (readonly (readonly [number, number])[])[]): LandmarkBlendshapeModel {
    const n = landmarks.length;
    const names = ArkitBlendshapeNames.filter((name) => kit.arkitNames.includes(name));
    const v3 = kit.vertexCount * 3;
    const gather = (source: Float32Array, base: number, out: Float32Array, at: number) => {
        landmarks.forEach((corners, l) => {
            for (const [v, weight] of corners) {
                for (let c = 0; c < 3; c++) {
                    out[at + 3 * l + c] += weight * source[base + 3 * v + c];
                }
            }
        });
    };
    const neutral = new Float32Array(3 * n);
    gather(kit.neutral, 0, neutral, 0);
    const expressions = new Float32Array(names.length * 3 * n);
    names.forEach((name, k) => {
        kit.arkitNames.forEach((arkit, e) => {
            if (arkit === name) {
                gather(kit.expressionDeltas, e * v3, expressions, k * 3 * n);
            }
        });
    });
    const identities = new Float32Array(kit.identityCount * 3 * n);
    for (let m = 0; m < kit.identityCount; m++) {
        gather(kit.identityDeltas, m * v3, identities, m * 3 * n);
    }
    return { landmarkCount: n, names, neutral, expressions, identities, identityCount: kit.identityCount };
}
