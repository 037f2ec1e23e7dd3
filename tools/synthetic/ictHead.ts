/**
 * The realistic default heads: Gaussians on the surface of ICT-FaceKit (a light-stage-scan-based blendshape head, MIT:
 * tools/data/ict-facekit/), with a procedural albedo and baked soft light, posed by ARKit-52 weights through ICT's own
 * expression shapes. Identities come from ICT's PCA identity modes. Deterministic for a given seed.
 *
 * Frame: ICT's own, which is the `.gem` frame (right-handed, metres, +Y up, the face looking toward +Z, +X the
 * subject's left).
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { createRiggedGaussians, faceFrame, ShC0, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import type { NpzArrays } from "../../loaders/archives/npzArchive.js";
import type { LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { createRandom } from "./syntheticModels.js";

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
}

/** The shipped identities: three different faces from ICT's identity modes. */
export const IctHeadIdentities: readonly IctHeadIdentity[] = [
    {
        name: "default-head",
        label: "Default head",
        identity: [0.4, -0.6, 0.3, 0.5, -0.2],
        skin: [0.8, 0.6, 0.5],
        lips: [0.72, 0.4, 0.4],
        iris: [0.35, 0.22, 0.12],
        hair: [0.2, 0.14, 0.1],
        seed: 11,
    },
    {
        name: "head-b",
        label: "Head B",
        identity: [-1.4, 0.8, -0.9, 0.6, 1.0, -0.7, 0.5],
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
 * Vertices of a head: neutral + identity + expressions.
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
        for (let e = 0; e < expression.length; e++) {
            add(kit.expressionDeltas, e, expression[e]);
        }
    }
    return out;
}

/** Part of each Gaussian of a head rig. */
export type IctGaussianPart = "skin" | "hair" | "lips" | "eye" | "mouth" | "teeth" | "lashes";

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

type Vec3 = [number, number, number];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const normalize = (a: Vec3): Vec3 => {
    const l = Math.hypot(a[0], a[1], a[2]) || 1;
    return [a[0] / l, a[1] / l, a[2] / l];
};
const mix = (a: readonly number[], b: readonly number[], t: number): Vec3 => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const smooth = (edge0: number, edge1: number, x: number) => {
    const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
    return t * t * (3 - 2 * t);
};

/** Distance from a point to a polyline in the xy plane (front view). */
function polylineDistance(x: number, y: number, points: Vec3[]): number {
    let best = Infinity;
    for (let i = 0; i + 1 < points.length; i++) {
        const [ax, ay] = points[i];
        const [bx, by] = points[i + 1];
        const dx = bx - ax;
        const dy = by - ay;
        const t = Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
        best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy));
    }
    return best;
}

/** Whether (x, y) is inside a closed polygon (front view). */
function insidePolygon(x: number, y: number, points: Vec3[]): boolean {
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
        const [xi, yi] = points[i];
        const [xj, yj] = points[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) {
            inside = !inside;
        }
    }
    return inside;
}

/**
 * Places Gaussians on a head of the given identity and colours them.
 * @param kit the kit
 * @param head identity and colours
 * @param options Gaussian budget
 * @returns the rig (bound to `kit.faces`) and the part of each Gaussian
 */
export function createIctHeadRig(kit: IctFaceKit, head: IctHeadIdentity, options: IctHeadRigOptions = {}): IctHeadRig {
    const random = createRandom(head.seed);
    const vertices = options.vertices ?? ictVertices(kit, head.identity, null);
    const faces = kit.faces;
    const vertex = (i: number): Vec3 => [vertices[3 * i], vertices[3 * i + 1], vertices[3 * i + 2]];
    const landmark = (i: number) => vertex(kit.landmarks68[i]);
    // Smooth vertex normals for the baked light.
    const normals = new Float32Array(vertices.length);
    for (let t = 0; t < faces.length / 3; t++) {
        const [a, b, c] = [faces[3 * t], faces[3 * t + 1], faces[3 * t + 2]];
        const n = cross(sub(vertex(b), vertex(a)), sub(vertex(c), vertex(a)));
        for (const v of [a, b, c]) {
            normals[3 * v] += n[0];
            normals[3 * v + 1] += n[1];
            normals[3 * v + 2] += n[2];
        }
    }
    const brows = [[17, 18, 19, 20, 21].map(landmark), [22, 23, 24, 25, 26].map(landmark)];
    const outerLip = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59].map(landmark);
    const browY = (landmark(19)[1] + landmark(24)[1]) / 2;
    const eyeY = (landmark(37)[1] + landmark(44)[1]) / 2;
    const frontZ = landmark(27)[2];
    /** Height above which the scalp has hair, at a depth z: high at the forehead, low at the back of the head. */
    const hairline = (x: number, z: number) => {
        const back = smooth(frontZ - 0.05, frontZ - 0.17, z);
        const side = smooth(0.045, 0.075, Math.abs(x)) * (1 - back);
        return browY + 0.05 - back * (browY + 0.05 - (eyeY - 0.05)) - side * 0.035;
    };
    // Parts placed and their densities (Gaussians per cm²).
    const partPlan: { part: string; kind: IctGaussianPart; density: number }[] = [
        { part: "face", kind: "skin", density: 11 },
        { part: "head_and_neck", kind: "skin", density: 3.2 },
        { part: "mouth_socket", kind: "mouth", density: 2 },
        { part: "gums_and_tongue", kind: "mouth", density: 3 },
        { part: "teeth", kind: "teeth", density: 5 },
        { part: "eyeball_left", kind: "eye", density: 12 },
        { part: "eyeball_right", kind: "eye", density: 12 },
        { part: "eyelashes_left", kind: "lashes", density: 5 },
        { part: "eyelashes_right", kind: "lashes", density: 5 },
    ];
    const hairDensity = 9;
    interface Placement {
        triangle: number;
        kind: IctGaussianPart;
        hair: boolean;
        area: number;
        count: number;
    }
    const placements: Placement[] = [];
    let expected = 0;
    for (const plan of partPlan) {
        const [start, end] = kit.parts.get(plan.part)!.triangles;
        for (let t = start; t < end; t++) {
            const [a, b, c] = [vertex(faces[3 * t]), vertex(faces[3 * t + 1]), vertex(faces[3 * t + 2])];
            const n = cross(sub(b, a), sub(c, a));
            const area = (Math.hypot(n[0], n[1], n[2]) / 2) * 1e4;
            const centre: Vec3 = [(a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3, (a[2] + b[2] + c[2]) / 3];
            const scalp = plan.kind === "skin" && centre[1] > hairline(centre[0], centre[2]);
            placements.push({ triangle: t, kind: plan.kind, hair: false, area, count: area * plan.density });
            expected += area * plan.density;
            if (scalp) {
                placements.push({ triangle: t, kind: "hair", hair: true, area, count: area * hairDensity });
                expected += area * hairDensity;
            }
        }
    }
    const budget = options.gaussians ?? 18000;
    const factor = budget / expected;
    // Stochastic rounding with the seeded generator: the same head every time.
    const chosen: { placement: Placement; count: number }[] = [];
    let total = 0;
    for (const placement of placements) {
        const wanted = placement.count * factor;
        const count = Math.floor(wanted) + (random() < wanted - Math.floor(wanted) ? 1 : 0);
        if (count > 0) {
            chosen.push({ placement, count });
            total += count;
        }
    }
    const rig = createRiggedGaussians(total);
    const parts: IctGaussianPart[] = [];
    const irisRanges = [kit.subparts.get("iris_left")!, kit.subparts.get("iris_right")!];
    const irisFront = irisRanges.map(([s, e]) => {
        let best = s;
        for (let v = s; v < e; v++) {
            if (vertices[3 * v + 2] > vertices[3 * best + 2]) {
                best = v;
            }
        }
        return vertex(best);
    });
    const light = normalize([0.35, 0.65, 0.7]);
    let i = 0;
    for (const { placement, count } of chosen) {
        const t = placement.triangle;
        const ids = [faces[3 * t], faces[3 * t + 1], faces[3 * t + 2]];
        const frame = faceFrame(vertices, faces, t);
        const k = frame.scale;
        // Disc radius from the area each Gaussian covers, generous so that random placement leaves no holes.
        const radius = Math.sqrt((placement.area * 1e-4) / (placement.count * factor) / Math.PI) * (placement.kind === "lashes" ? 1 : 1.9);
        for (let n = 0; n < count; n++, i++) {
            let r1 = random();
            let r2 = random();
            if (r1 + r2 > 1) {
                r1 = 1 - r1;
                r2 = 1 - r2;
            }
            const b: Vec3 = [1 - r1 - r2, r1, r2];
            const p: Vec3 = [0, 0, 0];
            const normal: Vec3 = [0, 0, 0];
            ids.forEach((v, j) => {
                for (let c = 0; c < 3; c++) {
                    p[c] += b[j] * vertices[3 * v + c];
                    normal[c] += b[j] * normals[3 * v + c];
                }
            });
            const nrm = normalize(normal);
            const lift = placement.hair ? 0.002 + 0.006 * random() : 0;
            for (let c = 0; c < 3; c++) {
                p[c] += nrm[c] * lift;
            }
            // Local frame of the triangle: columns a0 (first edge), a1 (normal), a2; rotation row-major.
            const R = frame.rotation;
            const d = sub(p, frame.center as Vec3);
            rig.binding[i] = t;
            rig.localPositions[3 * i] = (R[0] * d[0] + R[3] * d[1] + R[6] * d[2]) / k;
            rig.localPositions[3 * i + 1] = (R[1] * d[0] + R[4] * d[1] + R[7] * d[2]) / k;
            rig.localPositions[3 * i + 2] = (R[2] * d[0] + R[5] * d[1] + R[8] * d[2]) / k;
            const kind = placement.kind;
            const [along, across, thick] =
                kind === "hair" ? [radius * 2.2, radius * 0.7, radius * 0.45] : kind === "lashes" ? [radius * 1.2, radius * 0.25, radius * 0.25] : [radius, radius, radius * 0.18];
            rig.localLogScales[3 * i] = Math.log(along / k);
            rig.localLogScales[3 * i + 1] = Math.log(thick / k);
            rig.localLogScales[3 * i + 2] = Math.log(across / k);
            // A random turn about the normal (a1) so elongated Gaussians do not align with the mesh's edges.
            const angle = random() * Math.PI;
            rig.localRotations.set([Math.cos(angle / 2), 0, Math.sin(angle / 2), 0], 4 * i);
            rig.opacityLogits[i] = kind === "hair" ? 2.5 : kind === "lashes" ? 0 : 5;
            // Albedo.
            let albedo: Vec3;
            let occlusion = 1;
            let label: IctGaussianPart = kind;
            const jitter = 1 + (random() - 0.5) * 0.06;
            if (kind === "skin") {
                const variation = 1 + 0.035 * Math.sin(p[0] * 173 + 1.3) * Math.sin(p[1] * 151 + 0.7) + 0.025 * Math.sin(p[2] * 211 + p[0] * 97);
                albedo = [head.skin[0] * variation, head.skin[1] * variation, head.skin[2] * variation];
                // Cheeks and nose a little redder.
                const blush =
                    Math.exp(-((Math.abs(p[0]) - 0.045) ** 2 + (p[1] + 0.005) ** 2) / (2 * 0.016 ** 2)) + 0.6 * Math.exp(-(p[0] ** 2 + (p[1] - 0.005) ** 2) / (2 * 0.01 ** 2));
                albedo = mix(albedo, [albedo[0] * 1.05, albedo[1] * 0.88, albedo[2] * 0.88], Math.min(1, blush) * 0.6 * (nrm[2] > 0 ? 1 : 0));
                const front = nrm[2] > 0.15 && p[2] > landmark(33)[2] - 0.035;
                if (front && insidePolygon(p[0], p[1], outerLip)) {
                    const edge = polylineDistance(p[0], p[1], [...outerLip, outerLip[0]]);
                    albedo = mix(albedo, head.lips, smooth(0, 0.0015, edge));
                    label = "lips";
                }
                const browDistance = Math.min(
                    ...brows.map((line) =>
                        polylineDistance(
                            p[0],
                            p[1] - 0.003,
                            line.map((q) => q)
                        )
                    )
                );
                const browWidth = 0.0035 + 0.0015 * smooth(0.05, 0.01, Math.abs(p[0]));
                if (nrm[2] > 0.2 && p[1] > eyeY) {
                    albedo = mix(albedo, mix(head.hair, albedo, 0.3), 1 - smooth(browWidth * 0.6, browWidth, browDistance));
                }
                if (p[1] > hairline(p[0], p[2]) - 0.004) {
                    albedo = mix(albedo, mix(head.hair, albedo, 0.25), smooth(-0.004, 0.004, p[1] - hairline(p[0], p[2])));
                }
            } else if (kind === "hair") {
                const strand = 0.85 + 0.3 * random();
                albedo = [head.hair[0] * strand, head.hair[1] * strand, head.hair[2] * strand];
            } else if (kind === "eye") {
                const eye = ids[0] < irisRanges[1][0] ? 0 : 1;
                const [start, end] = irisRanges[eye];
                const inIris = ids.some((v) => v >= start && v < end);
                const pupil = Math.hypot(...sub(p, irisFront[eye])) < 0.0018;
                albedo = pupil ? [0.02, 0.02, 0.02] : inIris ? mix(head.iris, [0.05, 0.04, 0.03], 0.3 * random()) : [0.92, 0.9, 0.87];
            } else if (kind === "mouth") {
                const part = t < kit.parts.get("mouth_socket")!.triangles[1] ? "socket" : "gums";
                albedo = part === "socket" ? [0.32, 0.12, 0.12] : [0.78, 0.38, 0.4];
                occlusion = 0.55;
            } else if (kind === "teeth") {
                albedo = [0.93, 0.9, 0.82];
                occlusion = 0.7;
            } else {
                albedo = [head.hair[0] * 0.5, head.hair[1] * 0.5, head.hair[2] * 0.5];
            }
            // Baked soft light: a key from above the camera, a sky/ground hemisphere, occlusion inside the mouth.
            const key = Math.max(0, dot(nrm, light));
            const sky = 0.5 + 0.5 * nrm[1];
            const shade = occlusion * (0.42 + 0.5 * key + 0.18 * sky);
            for (let c = 0; c < 3; c++) {
                const value = Math.min(1, Math.max(0, albedo[c] * shade * jitter));
                rig.colorDc[3 * i + c] = (value - 0.5) / ShC0;
            }
            parts.push(label);
        }
    }
    return { rig, parts };
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
