/**
 * The teacher of the embedded default avatar: a generated FLAME-format head (same keys and semantics as the official
 * npz conversions) with Gaussians bound to its triangles as GaussianAvatars binds them, coloured as skin, hair, brows,
 * lips, eyes and mouth interior, and an expression sequence that exercises jaw, lips, brows, eyes and eyelids.
 * The distillation tool turns it into the GEM avatar the samples ship. Deterministic: same code, same bytes.
 *
 * Coordinates follow FLAME: right-handed, y up, the face looking down +z, metres. Joints in FLAME order
 * (global, neck, jaw, left eye at +x, right eye). Expression components are designed deformations with names.
 */
import { parseFlameNpz } from "../../loaders/flame/flameModelFile.js";
import { createFlameTrack, type FlameTrack } from "../../core/flame/flameTrack.js";
import type { FlameModel } from "../../core/flame/FlameModel.js";
import { createRiggedGaussians, faceFrame, quaternionFromMatrix, ShC0, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { writeNpz, type NpyInput } from "../writers/npzWriter.js";
import { createRandom } from "./syntheticModels.js";

type Vec3 = [number, number, number];

/** Names of the teacher's expression components, in FLAME `expr` order. */
export const TeacherExpressionNames = ["smile", "mouthStretch", "pucker", "mouthFrown", "upperLipRaise", "browRaise", "browFrown", "cheekPuff", "eyeSquint", "mouthLeft"];

/** Vertex regions of the teacher mesh (for localized PCA), as FLAME_masks.pkl names its own. */
export type TeacherRegion = "eyeballs" | "eye_region" | "forehead" | "nose" | "lips" | "mouth_interior" | "face" | "scalp" | "neck";

/** The generated head. */
export interface TeacherHead {
    /** FLAME npz arrays (keys as the official conversions). */
    arrays: Record<string, NpyInput>;
    /** The same, as a model. */
    model: FlameModel;
    /** Gaussians bound to the faces. */
    rig: RiggedGaussians;
    /** Region → vertex indices. */
    masks: Map<TeacherRegion, Uint32Array>;
}

/** Sizes of the teacher. */
export interface TeacherHeadOptions {
    /** Latitude rings of the head shell. */
    rings?: number;
    /** Segments around the shell. */
    segments?: number;
    /** Gaussians per face on the face and neck (the scalp and eyes get their own counts). */
    gaussiansPerFace?: number;
    /** Seed of the jitter. */
    seed?: number;
}

const HEAD = { rx: 0.076, ry: 0.1, rz: 0.094 };
const EYE = { x: 0.032, y: 0.018, radius: 0.0115 };
const MOUTH_HALF_WIDTH = 0.025;
const SHAPE_COUNT = 6;

function smoothstep(a: number, b: number, x: number): number {
    const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
    return t * t * (3 - 2 * t);
}

function normalize(v: Vec3): Vec3 {
    const l = Math.hypot(v[0], v[1], v[2]) || 1;
    return [v[0] / l, v[1] / l, v[2] / l];
}

/** Values in [lo, hi] spaced by the inverse of a density, so detail goes where the face is. */
function warpedSamples(count: number, lo: number, hi: number, density: (x: number) => number): number[] {
    const fine = 4096;
    const cumulative = [0];
    for (let i = 1; i <= fine; i++) {
        cumulative.push(cumulative[i - 1] + density(lo + ((i - 0.5) / fine) * (hi - lo)));
    }
    const total = cumulative[fine];
    const out: number[] = [];
    let j = 0;
    for (let k = 0; k <= count; k++) {
        const target = (k / count) * total;
        while (j < fine && cumulative[j + 1] < target) {
            j++;
        }
        const t = cumulative[j + 1] > cumulative[j] ? (target - cumulative[j]) / (cumulative[j + 1] - cumulative[j]) : 0;
        out.push(lo + ((j + Math.min(1, Math.max(0, t))) / fine) * (hi - lo));
    }
    return out;
}

/** The head surface (ellipsoid with chin taper, nose, lips, eye sockets) blended into a neck, for a direction. */
function shellPoint(theta: number, phi: number): Vec3 {
    const dir: Vec3 = [Math.sin(theta) * Math.sin(phi), Math.cos(theta), Math.sin(theta) * Math.cos(phi)];
    const [x, y, z] = dir;
    const taper = y < 0 ? 1 - 0.36 * smoothstep(0, -1, y) : 1;
    const p: Vec3 = [x * HEAD.rx * taper, y * HEAD.ry, z * HEAD.rz * (y < 0 ? 1 - 0.1 * smoothstep(0, -1, y) : 1)];
    const n = normalize([p[0] / HEAD.rx ** 2, p[1] / HEAD.ry ** 2, p[2] / HEAD.rz ** 2]);
    const front = smoothstep(0.55, 0.9, z);
    // Nose: a ridge with a tip and nostril wings.
    const ridge = Math.exp(-((p[0] / 0.0075) ** 2)) * smoothstep(0.008, -0.008, p[1]) * smoothstep(-0.036, -0.022, p[1]) * front;
    const tip = Math.exp(-((p[0] / 0.011) ** 2) - ((p[1] + 0.026) / 0.008) ** 2) * front;
    const wings = Math.exp(-(((Math.abs(p[0]) - 0.013) / 0.005) ** 2) - ((p[1] + 0.03) / 0.005) ** 2) * front;
    // Lips: fuller in the middle, a groove at the mouth line.
    const lipBand = Math.exp(-(((p[1] + 0.05) / 0.0065) ** 2)) * smoothstep(MOUTH_HALF_WIDTH + 0.004, MOUTH_HALF_WIDTH - 0.008, Math.abs(p[0])) * front;
    const chin = Math.exp(-((p[0] / 0.018) ** 2) - ((p[1] + 0.082) / 0.01) ** 2) * front;
    const brow = Math.exp(-(((Math.abs(p[0]) - 0.03) / 0.02) ** 2) - ((p[1] - 0.037) / 0.007) ** 2) * front;
    const bulge = 0.014 * ridge + 0.012 * tip + 0.004 * wings + 0.0045 * lipBand + 0.004 * chin + 0.003 * brow;
    // Eye sockets, so the eyeballs sit in the face rather than on it.
    const socket = [-1, 1].reduce((sum, side) => sum + 0.0075 * Math.exp(-(((p[0] - side * EYE.x) / 0.017) ** 2) - ((p[1] - EYE.y) / 0.0085) ** 2), 0) * front;
    for (let c = 0; c < 3; c++) {
        p[c] += (bulge - socket) * n[c];
    }
    // Below the jaw line the surface becomes a neck tube.
    const t = smoothstep(-0.72, -1, y);
    if (t > 0) {
        const depth = (-0.72 - y) / 0.28;
        const neck: Vec3 = [0.043 * Math.sin(phi), -0.075 - 0.085 * depth, 0.046 * Math.cos(phi) - 0.02];
        for (let c = 0; c < 3; c++) {
            p[c] = p[c] * (1 - t) + neck[c] * t;
        }
    }
    return p;
}

/** Rest positions of the eyeball centres (left eye at +x, as FLAME). */
function eyeCentre(side: number): Vec3 {
    const surface = HEAD.rz * Math.sqrt(1 - (EYE.x / HEAD.rx) ** 2 - (EYE.y / HEAD.ry) ** 2);
    return [side * EYE.x, EYE.y, surface - EYE.radius - 0.001];
}

interface MeshBuilder {
    positions: number[];
    faces: number[];
    /** Part of each vertex (for skinning, colour and masks). */
    parts: string[];
}

function addVertex(mesh: MeshBuilder, p: Vec3, part: string): number {
    mesh.positions.push(p[0], p[1], p[2]);
    mesh.parts.push(part);
    return mesh.parts.length - 1;
}

/** A closed UV sphere with its poles on ±z (so rings are concentric about the gaze), outward faces. */
function addSphere(mesh: MeshBuilder, centre: Vec3, radii: Vec3, rings: number, segments: number, part: string): void {
    const front = addVertex(mesh, [centre[0], centre[1], centre[2] + radii[2]], part);
    const ring: number[][] = [];
    for (let r = 1; r < rings; r++) {
        const alpha = (Math.PI * r) / rings;
        const row: number[] = [];
        for (let s = 0; s < segments; s++) {
            const beta = (2 * Math.PI * s) / segments;
            row.push(
                addVertex(
                    mesh,
                    [centre[0] + radii[0] * Math.sin(alpha) * Math.cos(beta), centre[1] + radii[1] * Math.sin(alpha) * Math.sin(beta), centre[2] + radii[2] * Math.cos(alpha)],
                    part
                )
            );
        }
        ring.push(row);
    }
    const back = addVertex(mesh, [centre[0], centre[1], centre[2] - radii[2]], part);
    for (let s = 0; s < segments; s++) {
        const s1 = (s + 1) % segments;
        mesh.faces.push(front, ring[0][s], ring[0][s1]);
        for (let r = 0; r < rings - 2; r++) {
            mesh.faces.push(ring[r][s], ring[r + 1][s], ring[r + 1][s1], ring[r][s], ring[r + 1][s1], ring[r][s1]);
        }
        mesh.faces.push(ring[rings - 2][s], back, ring[rings - 2][s1]);
    }
}

function buildMesh(rings: number, segments: number): MeshBuilder & { mouthY: number } {
    const mesh: MeshBuilder = { positions: [], faces: [], parts: [] };
    // Latitudes dense between brow and chin; longitudes dense at the front.
    const thetas = warpedSamples(rings, 0, Math.PI, (t) => 1 + 1.8 * Math.exp(-(((t - 1.75) / 0.55) ** 2)));
    const mouthTheta = Math.acos(-0.5);
    let mouthRing = 1;
    thetas.forEach((t, r) => {
        if (Math.abs(t - mouthTheta) < Math.abs(thetas[mouthRing] - mouthTheta)) {
            mouthRing = r;
        }
    });
    thetas[mouthRing] = mouthTheta;
    const phis = warpedSamples(segments, -Math.PI, Math.PI, (p) => 1 + 2 * Math.exp(-((p / 0.7) ** 2))).slice(0, segments);
    const top = addVertex(mesh, shellPoint(0, 0), "shell");
    const grid: number[][] = [];
    for (let r = 1; r < rings; r++) {
        grid.push(phis.map((phi) => addVertex(mesh, shellPoint(thetas[r], phi), "shell")));
    }
    const bottom = addVertex(mesh, shellPoint(Math.PI, 0), "shell");
    const mouthY = mesh.positions[3 * grid[mouthRing - 1][0] + 1];
    // The mouth line is split: the lower lip gets its own copy of the vertices so the jaw can open the mouth.
    const lowerLip = new Map<number, number>();
    grid[mouthRing - 1].forEach((v) => {
        const x = mesh.positions[3 * v];
        const z = mesh.positions[3 * v + 2];
        if (Math.abs(x) < MOUTH_HALF_WIDTH && z > 0.03) {
            lowerLip.set(v, addVertex(mesh, [x, mouthY, z], "lowerLip"));
        }
    });
    const below = (v: number) => lowerLip.get(v) ?? v;
    for (let s = 0; s < segments; s++) {
        const s1 = (s + 1) % segments;
        mesh.faces.push(top, grid[0][s], grid[0][s1]);
        for (let r = 0; r < rings - 2; r++) {
            const upperRow = grid[r];
            const lowerRow = grid[r + 1];
            const a = r === mouthRing - 1 ? below(upperRow[s]) : upperRow[s];
            const d = r === mouthRing - 1 ? below(upperRow[s1]) : upperRow[s1];
            mesh.faces.push(a, lowerRow[s], lowerRow[s1], a, lowerRow[s1], d);
        }
        mesh.faces.push(grid[rings - 2][s], bottom, grid[rings - 2][s1]);
    }
    for (const side of [1, -1]) {
        addSphere(mesh, eyeCentre(side), [EYE.radius, EYE.radius, EYE.radius], 16, 20, side > 0 ? "leftEye" : "rightEye");
    }
    const lipZ = shellPoint(mouthTheta, 0)[2];
    addSphere(mesh, [0, mouthY, lipZ - 0.021], [0.023, 0.016, 0.018], 10, 20, "mouth");
    return { ...mesh, mouthY };
}

/** Skinning weights (global, neck, jaw, left eye, right eye) of a vertex. */
function skinWeights(p: Vec3, part: string, mouthY: number): number[] {
    if (part === "leftEye") {
        return [0, 0, 0, 1, 0];
    }
    if (part === "rightEye") {
        return [0, 0, 0, 0, 1];
    }
    const [x, y, z] = p;
    const front = smoothstep(-0.025, 0.02, z);
    let jaw: number;
    if (part === "lowerLip") {
        jaw = 1;
    } else if (part === "mouth") {
        jaw = smoothstep(mouthY + 0.004, mouthY - 0.004, y);
    } else {
        jaw = smoothstep(mouthY, mouthY - 0.012, y) * front * smoothstep(0.058, 0.03, Math.abs(x)) * (1 - smoothstep(-0.085, -0.11, y));
    }
    const global = smoothstep(-0.1, -0.15, y) * (1 - jaw);
    return [global, Math.max(0, 1 - jaw - global), jaw, 0, 0];
}

/** Designed expression deformations at a rest position (metres for a coefficient of 1). */
function expressionDisplacement(k: number, p: Vec3, part: string, mouthY: number): Vec3 {
    if (part === "leftEye" || part === "rightEye") {
        return [0, 0, 0];
    }
    const [x, y, z] = p;
    const front = smoothstep(0.02, 0.06, z);
    const side = Math.sign(x) || 1;
    const bump = (cx: number, cy: number, sx: number, sy: number) => Math.exp(-(((Math.abs(x) - cx) / sx) ** 2) - ((y - cy) / sy) ** 2) * front;
    const lips = part === "mouth" ? 0.5 * bump(0, mouthY, 0.02, 0.012) : bump(0, mouthY, 0.022, 0.011);
    const upperLip = y >= mouthY && part !== "lowerLip" ? lips : 0;
    const lowerLip = y < mouthY || part === "lowerLip" ? lips : 0;
    const corner = bump(MOUTH_HALF_WIDTH, mouthY, 0.012, 0.01);
    const cheek = bump(0.038, -0.02, 0.016, 0.016);
    switch (k) {
        case 0: // smile
            return [side * (0.004 * corner + 0.0015 * cheek), 0.006 * corner + 0.003 * cheek, -0.002 * corner + 0.002 * cheek];
        case 1: // mouthStretch
            return [side * 0.006 * corner, -0.001 * upperLip + 0.0012 * lowerLip, -0.001 * corner];
        case 2: // pucker
            return [-0.35 * x * lips, 0, 0.006 * lips];
        case 3: // mouthFrown
            return [side * 0.001 * corner, -0.005 * corner + 0.002 * bump(0, -0.078, 0.015, 0.01), 0];
        case 4: // upperLipRaise
            return [0, 0.004 * upperLip + 0.002 * bump(0.013, -0.03, 0.006, 0.006), 0.001 * upperLip];
        case 5: {
            // browRaise
            const forehead = bump(0.028, EYE.y + 0.03, 0.03, 0.018) * smoothstep(EYE.y + 0.004, EYE.y + 0.016, y);
            return [0, 0.007 * forehead, 0];
        }
        case 6: {
            // browFrown
            const inner = bump(0.015, EYE.y + 0.022, 0.012, 0.009);
            return [-side * 0.003 * inner, -0.004 * inner, 0.001 * inner];
        }
        case 7: {
            // cheekPuff
            const puff = bump(0.042, -0.04, 0.018, 0.018);
            const n = normalize([p[0] / HEAD.rx ** 2, 0, p[2] / HEAD.rz ** 2]);
            return [0.007 * puff * n[0], 0, 0.007 * puff * n[2]];
        }
        case 8: // eyeSquint: lower lids and cheeks up
            return [0, 0.003 * bump(EYE.x, EYE.y - 0.011, 0.013, 0.005) + 0.0015 * cheek, 0];
        case 9: // mouthLeft (towards +x)
            return [0.005 * (lips + 0.6 * corner), 0, 0];
    }
    return [0, 0, 0];
}

/** Eyelid closure (FLAME/metrical-tracker convention: coefficient 1 closes the lid) for one eye. */
function eyelidDisplacement(side: number, p: Vec3, part: string): Vec3 {
    if (part !== "shell") {
        return [0, 0, 0];
    }
    const c = eyeCentre(side);
    if (p[2] < c[2]) {
        return [0, 0, 0];
    }
    const dx = p[0] - c[0];
    const dy = p[1] - c[1];
    const across = Math.exp(-((dx / 0.0125) ** 4));
    const lid = across * smoothstep(-0.002, 0.003, dy) * Math.exp(-((Math.max(0, dy - 0.006) / 0.006) ** 2));
    if (lid < 1e-4) {
        return [0, 0, 0];
    }
    // Closed, the lid lies on the eyeball just below the centre line, a little proud of it.
    const targetY = c[1] - 0.25 * Math.max(0, dy);
    const r = EYE.radius + 0.0016;
    const targetZ = Math.max(p[2], c[2] + Math.sqrt(Math.max(0, r * r - dx * dx - (targetY - c[1]) ** 2)));
    return [0, (targetY - p[1]) * lid, (targetZ - p[2]) * lid];
}

type Material = { color: Vec3; opacity: number; kind: "skin" | "hair" | "brow" | "lip" | "eye" | "mouth" | "teeth" };

/** Appearance at a rest position on the mesh. */
function material(p: Vec3, part: string, mouthY: number, random: () => number): Material {
    const [x, y, z] = p;
    const shade = 0.94 + 0.1 * random();
    if (part === "leftEye" || part === "rightEye") {
        const c = eyeCentre(part === "leftEye" ? 1 : -1);
        const angle = Math.acos(Math.min(1, Math.max(-1, (z - c[2]) / EYE.radius)));
        if (angle < 0.17) {
            return { color: [0.02, 0.02, 0.03], opacity: 0.995, kind: "eye" };
        }
        if (angle < 0.42) {
            const ring = 0.8 + 0.4 * random();
            return { color: [0.26 * ring, 0.4 * ring, 0.52 * ring], opacity: 0.995, kind: "eye" };
        }
        return { color: [0.93 * shade, 0.91 * shade, 0.88 * shade], opacity: 0.995, kind: "eye" };
    }
    if (part === "mouth") {
        const toothBand = Math.abs(Math.abs(y - mouthY) - 0.0075) < 0.0035 && Math.abs(x) < 0.016;
        if (toothBand && z > 0.067) {
            return { color: [0.94, 0.92, 0.86], opacity: 0.995, kind: "teeth" };
        }
        return { color: [0.32 * shade, 0.09, 0.1], opacity: 0.995, kind: "mouth" };
    }
    const hairline = -0.045 + 0.107 * smoothstep(-0.2, 0.75, z / HEAD.rz) + 0.004 * Math.cos(x * 90);
    if (y > hairline && part === "shell") {
        const tint = 0.85 + 0.3 * random();
        return { color: [0.22 * tint, 0.14 * tint, 0.085 * tint], opacity: 0.97, kind: "hair" };
    }
    const front = smoothstep(0.03, 0.06, z);
    const lipHalf = MOUTH_HALF_WIDTH * (1 - 0.15 * ((y - mouthY) / 0.008) ** 2);
    const inLip = (part === "lowerLip" || (Math.abs(x) < lipHalf && y > mouthY - 0.0095 && y < mouthY + 0.0075)) && front > 0.5;
    if (inLip) {
        return { color: [0.72 * shade, 0.36 * shade, 0.36 * shade], opacity: 0.99, kind: "lip" };
    }
    const u = (Math.abs(x) - 0.012) / 0.028;
    const browY = EYE.y + 0.017 + 0.006 * Math.sin(Math.PI * Math.min(1, Math.max(0, u))) - 0.003 * u;
    if (u > 0 && u < 1 && Math.abs(y - browY) < 0.0035 && front > 0.5) {
        return { color: [0.2 * shade, 0.13 * shade, 0.08 * shade], opacity: 0.97, kind: "brow" };
    }
    const blush = Math.exp(-(((Math.abs(x) - 0.04) / 0.018) ** 2) - ((y + 0.02) / 0.016) ** 2) * front;
    const neck = smoothstep(-0.08, -0.12, y);
    const socket = [-1, 1].reduce((s, side) => s + Math.exp(-(((x - side * EYE.x) / 0.016) ** 2) - ((y - EYE.y) / 0.01) ** 2), 0) * front;
    const base: Vec3 = [0.87 + 0.04 * blush, 0.67 - 0.06 * blush, 0.57 - 0.04 * blush];
    const dim = (1 - 0.1 * neck) * (1 - 0.12 * socket) * shade;
    return { color: [base[0] * dim, base[1] * dim, base[2] * dim], opacity: 0.99, kind: "skin" };
}

/**
 * Builds the teacher head.
 * @param options sizes and seed
 * @returns FLAME arrays, model, rig and region masks
 */
export function createTeacherHead(options: TeacherHeadOptions = {}): TeacherHead {
    const rings = options.rings ?? 60;
    const segments = options.segments ?? 80;
    const perFace = options.gaussiansPerFace ?? 2;
    const random = createRandom(options.seed ?? 20261124);
    const mesh = buildMesh(rings, segments);
    const v = mesh.parts.length;
    const position = (i: number): Vec3 => [mesh.positions[3 * i], mesh.positions[3 * i + 1], mesh.positions[3 * i + 2]];
    const jointCount = 5;
    const weights = new Float32Array(v * jointCount);
    for (let i = 0; i < v; i++) {
        weights.set(skinWeights(position(i), mesh.parts[i], mesh.mouthY), i * jointCount);
    }
    // Joints as vertex averages (FLAME regresses them the same way): neck rings, the jaw hinge as the mean of points on
    // both cheeks, each eye as its eyeball.
    const regressor = new Float32Array(jointCount * v);
    const averageOf = (joint: number, members: number[]) => members.forEach((i) => (regressor[joint * v + i] = 1 / members.length));
    const shell = Array.from({ length: v }, (_, i) => i).filter((i) => mesh.parts[i] === "shell");
    // The shell ring whose height is nearest to y (ring heights depend on the tessellation).
    const nearRing = (y: number) => {
        const neck = shell.filter((i) => mesh.positions[3 * i + 1] < -0.06);
        const ringY = neck.reduce((best, i) => (Math.abs(mesh.positions[3 * i + 1] - y) < Math.abs(best - y) ? mesh.positions[3 * i + 1] : best), Infinity);
        return neck.filter((i) => Math.abs(mesh.positions[3 * i + 1] - ringY) < 1e-4);
    };
    averageOf(0, nearRing(-0.135));
    averageOf(1, nearRing(-0.095));
    const hinge = shell.filter((i) => Math.abs(mesh.positions[3 * i + 1] + 0.022) < 0.004 && Math.abs(mesh.positions[3 * i + 2]) < 0.008 && Math.abs(mesh.positions[3 * i]) > 0.05);
    averageOf(2, hinge);
    averageOf(
        3,
        Array.from({ length: v }, (_, i) => i).filter((i) => mesh.parts[i] === "leftEye")
    );
    averageOf(
        4,
        Array.from({ length: v }, (_, i) => i).filter((i) => mesh.parts[i] === "rightEye")
    );

    const nExpr = TeacherExpressionNames.length;
    const total = SHAPE_COUNT + nExpr;
    const shapedirs = new Float32Array(v * 3 * total);
    const shapeFields: ((p: Vec3) => Vec3)[] = [
        (p) => [p[0] * 0.08, 0, 0], // wider
        (p) => [0, p[1] * 0.06, 0], // longer
        (p) => [0, 0, p[2] * 0.06], // deeper
        (p) => [0, 0, 0.006 * Math.exp(-((p[0] / 0.01) ** 2) - ((p[1] + 0.015) / 0.015) ** 2) * smoothstep(0.06, 0.09, p[2])], // nose
        (p) => [p[0] * 0.1 * smoothstep(-0.02, -0.08, p[1]), 0, 0], // jaw width
        (p) => [0, 0.004 * smoothstep(0.02, 0.06, p[1]), 0], // forehead height
    ];
    for (let i = 0; i < v; i++) {
        const p = position(i);
        const eyePart = mesh.parts[i] === "leftEye" || mesh.parts[i] === "rightEye";
        for (let k = 0; k < total; k++) {
            // Eyeballs keep their shape under identity changes; they follow their joint (regressed from them).
            const d =
                k < SHAPE_COUNT
                    ? eyePart
                        ? shapeFields[k](eyeCentre(mesh.parts[i] === "leftEye" ? 1 : -1))
                        : shapeFields[k](p)
                    : expressionDisplacement(k - SHAPE_COUNT, p, mesh.parts[i], mesh.mouthY);
            for (let c = 0; c < 3; c++) {
                shapedirs[(i * 3 + c) * total + k] = d[c];
            }
        }
    }
    const eyelids = [1, -1].map((side) => {
        const out = new Float32Array(v * 3);
        for (let i = 0; i < v; i++) {
            out.set(eyelidDisplacement(side, position(i), mesh.parts[i]), 3 * i);
        }
        return out;
    });
    const faces = Uint32Array.from(mesh.faces);
    const arrays: Record<string, NpyInput> = {
        v_template: { descr: "<f8", shape: [v, 3], data: Float64Array.from(mesh.positions) },
        f: { descr: "<u4", shape: [faces.length / 3, 3], data: faces },
        shapedirs: { descr: "<f4", shape: [v, 3, total], data: shapedirs },
        posedirs: { descr: "<f4", shape: [v, 3, 36], data: new Float32Array(v * 3 * 36) },
        J_regressor: { descr: "<f4", shape: [jointCount, v], data: regressor },
        weights: { descr: "<f4", shape: [v, jointCount], data: weights },
        kintree_table: { descr: "<u4", shape: [2, jointCount], data: new Uint32Array([0xffffffff, 0, 1, 1, 1, 0, 1, 2, 3, 4]) },
        n_shape: { descr: "<i8", shape: [], data: new BigInt64Array([BigInt(SHAPE_COUNT)]) },
        n_expr: { descr: "<i8", shape: [], data: new BigInt64Array([BigInt(nExpr)]) },
        l_eyelid: { descr: "<f4", shape: [v, 3], data: eyelids[0] },
        r_eyelid: { descr: "<f4", shape: [v, 3], data: eyelids[1] },
    };
    const model = parseFlameNpz(writeNpz(arrays), "teacher-head.npz").model;
    const rig = bindGaussians(model, mesh.parts, mesh.mouthY, perFace, random);
    return { arrays, model, rig, masks: teacherMasks(mesh.positions, mesh.parts, mesh.mouthY) };
}

function bindGaussians(model: FlameModel, parts: string[], mouthY: number, perFace: number, random: () => number): RiggedGaussians {
    const faces = model.data.faces;
    const vertices = model.data.template;
    const faceCount = faces.length / 3;
    const plans: { face: number; count: number }[] = [];
    for (let f = 0; f < faceCount; f++) {
        const part = parts[faces[3 * f]];
        const z = (vertices[3 * faces[3 * f] + 2] + vertices[3 * faces[3 * f + 1] + 2] + vertices[3 * faces[3 * f + 2] + 2]) / 3;
        const eye = part === "leftEye" || part === "rightEye";
        // Detail where it is seen: two per face on the face, one at the back and inside the mouth.
        const count = eye ? (z > eyeCentre(1)[2] ? 2 : 0) : part === "mouth" ? 1 : z > 0.01 ? perFace : 1;
        plans.push({ face: f, count });
    }
    const rig = createRiggedGaussians(plans.reduce((n, p) => n + p.count, 0));
    let i = 0;
    const frameQuaternion = [0, 0, 0, 0];
    for (const { face, count } of plans) {
        const frame = faceFrame(vertices, faces, face);
        quaternionFromMatrix(frame.rotation, frameQuaternion);
        const corner = (k: number): Vec3 => [vertices[3 * faces[3 * face + k]], vertices[3 * faces[3 * face + k] + 1], vertices[3 * faces[3 * face + k] + 2]];
        const [a, b, c] = [corner(0), corner(1), corner(2)];
        const area =
            0.5 *
            Math.hypot(
                ...[
                    (b[1] - a[1]) * (c[2] - a[2]) - (b[2] - a[2]) * (c[1] - a[1]),
                    (b[2] - a[2]) * (c[0] - a[0]) - (b[0] - a[0]) * (c[2] - a[2]),
                    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]),
                ]
            );
        for (let n = 0; n < count; n++) {
            let u = random();
            let w = random();
            if (u + w > 1) {
                u = 1 - u;
                w = 1 - w;
            }
            const p: Vec3 = [0, 1, 2].map((k) => a[k] + u * (b[k] - a[k]) + w * (c[k] - a[k])) as Vec3;
            const look = material(p, parts[faces[3 * face]], mouthY, random);
            // Baked soft light from the front and above, so the face reads as a shape (GEM colours are static).
            const normal = [frame.rotation[1], frame.rotation[4], frame.rotation[7]];
            const light = 0.72 + 0.3 * Math.max(0, (0.25 * normal[0] + 0.45 * normal[1] + 0.86 * normal[2]) * (look.kind === "eye" ? 0.3 : 1));
            look.color = look.color.map((x) => Math.min(1, x * light)) as Vec3;
            const sigma = 0.85 * Math.sqrt(area / count);
            let lift = 0;
            let tangent = [sigma, sigma];
            let thickness = 0.25 * sigma;
            let spin = random() * Math.PI;
            if (look.kind === "hair") {
                lift = 0.003 + 0.004 * random();
                tangent = [sigma * 1.9, sigma * 0.8];
                thickness = 0.4 * sigma;
            } else if (look.kind === "brow") {
                lift = 0.0012;
                tangent = [sigma * 1.2, sigma * 0.45];
                spin = 0.25 * (random() - 0.5);
            }
            // Local position: Rᵀ (p − c) / k, plus the lift along the face normal (local y).
            const d = [p[0] - frame.center[0], p[1] - frame.center[1], p[2] - frame.center[2]];
            const r = frame.rotation;
            for (let col = 0; col < 3; col++) {
                rig.localPositions[3 * i + col] = (r[col] * d[0] + r[3 + col] * d[1] + r[6 + col] * d[2]) / frame.scale + (col === 1 ? lift / frame.scale : 0);
            }
            rig.localLogScales.set([Math.log(tangent[0] / frame.scale), Math.log(thickness / frame.scale), Math.log(tangent[1] / frame.scale)], 3 * i);
            // A spin about the face normal (local y axis).
            rig.localRotations.set([Math.cos(spin / 2), 0, Math.sin(spin / 2), 0], 4 * i);
            rig.opacityLogits[i] = Math.log(look.opacity / (1 - look.opacity));
            rig.colorDc.set(
                look.color.map((x) => (x - 0.5) / ShC0),
                3 * i
            );
            rig.binding[i] = face;
            i++;
        }
    }
    return rig;
}

function teacherMasks(positions: number[], parts: string[], mouthY: number): Map<TeacherRegion, Uint32Array> {
    const members = new Map<TeacherRegion, number[]>();
    const put = (region: TeacherRegion, i: number) => {
        if (!members.has(region)) {
            members.set(region, []);
        }
        members.get(region)!.push(i);
    };
    parts.forEach((part, i) => {
        const [x, y, z] = [positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]];
        if (part === "leftEye" || part === "rightEye") {
            put("eyeballs", i);
        } else if (part === "mouth") {
            put("mouth_interior", i);
        } else if (y < -0.085 && z < 0.04) {
            put("neck", i);
        } else if (z < 0.02 || y > 0.06) {
            put("scalp", i);
        } else if (Math.abs(Math.abs(x) - EYE.x) < 0.022 && Math.abs(y - EYE.y) < 0.014) {
            put("eye_region", i);
        } else if (y > EYE.y + 0.014) {
            put("forehead", i);
        } else if (Math.abs(x) < 0.032 && y < mouthY + 0.014 && y > mouthY - 0.016) {
            put("lips", i);
        } else if (Math.abs(x) < 0.02 && y > mouthY + 0.014) {
            put("nose", i);
        } else {
            put("face", i);
        }
    });
    return new Map([...members].map(([region, list]) => [region, Uint32Array.from(list)]));
}

/**
 * The teacher's expression sequence (VHAP track layout, 30 fps, canonical head: no global pose, neck or translation):
 * each expression alone, jaw openings, blinks and gaze, then smooth random combinations. The last `heldOut` frames
 * come from a separate random stream and are never used for fitting.
 * @param frames total frames
 * @param heldOut frames at the end kept for evaluation
 * @param seed seed
 * @returns the track
 */
export function createTeacherTrack(frames = 330, heldOut = 60, seed = 7): FlameTrack {
    const e = TeacherExpressionNames.length;
    const track = createFlameTrack(frames, e, new Float32Array(SHAPE_COUNT));
    const pulse = (t: number, start: number, length: number) => (t >= start && t < start + length ? Math.sin((Math.PI * (t - start)) / length) ** 2 : 0);
    const solo = 18;
    const soloEnd = e * solo;
    const smoothRandom = (stream: number) => {
        const random = createRandom(seed * 1000 + stream);
        const waves = Array.from({ length: 3 }, () => [0.02 + 0.05 * random(), random() * Math.PI * 2, random()]);
        return (t: number) => waves.reduce((s, [f, ph, a]) => s + a * Math.sin(f * t * Math.PI * 2 * 0.5 + ph), 0) / 1.5;
    };
    const training = frames - heldOut;
    const streams = Array.from({ length: e + 6 }, (_, i) => [smoothRandom(i), smoothRandom(100 + i)]);
    for (let t = 0; t < frames; t++) {
        const stream = (i: number) => streams[i][t < training ? 0 : 1](t);
        const expr = track.expression.subarray(t * e, (t + 1) * e);
        if (t < soloEnd) {
            const k = Math.floor(t / solo);
            expr[k] = (k === 9 ? 1.2 * Math.sign(Math.sin(t)) : 1.3) * pulse(t, k * solo, solo);
        } else {
            for (let k = 0; k < e; k++) {
                expr[k] = Math.max(-0.4, 0.9 * stream(k) + 0.25);
            }
        }
        const jaw = t < soloEnd ? 0.3 * pulse(t, 40, 50) + 0.22 * pulse(t, 120, 36) : Math.max(0, 0.2 * stream(e) + 0.06);
        track.jawPose.set([jaw, 0.03 * stream(e + 1), 0], 3 * t);
        const yaw = 0.28 * stream(e + 2);
        const pitch = 0.15 * stream(e + 3);
        track.eyePose.set([pitch, yaw, 0, pitch, yaw, 0], 6 * t);
        const blink = Math.max(pulse(t % 75, 30, 9), t >= training ? pulse(t % 40, 10, 8) : 0);
        const squeeze = t >= soloEnd ? Math.max(0, 0.3 * stream(e + 4)) : 0;
        track.eyelids.set([Math.min(1, blink + squeeze), Math.min(1, blink + (t >= soloEnd ? Math.max(0, 0.3 * stream(e + 5)) : 0))], 2 * t);
    }
    return track;
}
