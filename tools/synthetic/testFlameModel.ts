/**
 * A small FLAME-format model, generated deterministically: the licensed FLAME model cannot ship, so tests and samples
 * use this one. Same keys, shapes and semantics as the official npz conversions (v_template, f, shapedirs with shape
 * components first then expression, posedirs with 36 features, dense J_regressor, weights, kintree_table with the
 * root's parent stored as 2^32 − 1), with a few hundred vertices; `n_shape` / `n_expr` keys give the split. It also
 * carries eyelid blendshapes (`l_eyelid`, `r_eyelid`) and a landmark embedding (`lmk_faces_idx`, `lmk_b_coords`), as
 * npz files merged with those extras do.
 */
import { createRandom } from "./syntheticModels.js";
import { writeNpz, type NpyInput } from "../writers/npzWriter.js";

/** Sizes of the generated model. */
export interface TestFlameModelOptions {
    /** Latitude rings of the head sphere (vertices ≈ rings × segments). */
    rings?: number;
    /** Segments per ring. */
    segments?: number;
    /** Identity shape components. */
    shapeCount?: number;
    /** Expression components. */
    expressionCount?: number;
    /** Seed. */
    seed?: number;
}

/** Joint positions of the generated head (FLAME order: global, neck, jaw, left eye, right eye), metres, y up, face +z. */
export const TestFlameJointTargets = [
    [0, -0.085, -0.01],
    [0, -0.045, -0.012],
    [0, -0.025, 0.015],
    [0.032, 0.02, 0.07],
    [-0.032, 0.02, 0.07],
];

/**
 * Builds the arrays of the test model.
 * @param options sizes and seed
 * @returns key → array, as in a FLAME npz
 */
export function createTestFlameArrays(options: TestFlameModelOptions = {}): Record<string, NpyInput> {
    const rings = options.rings ?? 16;
    const segments = options.segments ?? 24;
    const nShape = options.shapeCount ?? 20;
    const nExpr = options.expressionCount ?? 10;
    const random = createRandom(options.seed ?? 2017);
    const positions: number[] = [];
    const normals: number[] = [];
    positions.push(0, 0.1, 0);
    normals.push(0, 1, 0);
    for (let r = 1; r < rings; r++) {
        const theta = (Math.PI * r) / rings;
        for (let s = 0; s < segments; s++) {
            const phi = (2 * Math.PI * s) / segments;
            const n = [Math.sin(theta) * Math.sin(phi), Math.cos(theta), Math.sin(theta) * Math.cos(phi)];
            positions.push(0.078 * n[0], 0.1 * n[1], 0.092 * n[2]);
            normals.push(n[0], n[1], n[2]);
        }
    }
    positions.push(0, -0.1, 0);
    normals.push(0, -1, 0);
    const v = positions.length / 3;
    const faces: number[] = [];
    const ring = (r: number, s: number) => 1 + (r - 1) * segments + (s % segments);
    for (let s = 0; s < segments; s++) {
        faces.push(0, ring(1, s), ring(1, s + 1));
        for (let r = 1; r < rings - 1; r++) {
            faces.push(ring(r, s), ring(r + 1, s), ring(r + 1, s + 1), ring(r, s), ring(r + 1, s + 1), ring(r, s + 1));
        }
        faces.push(ring(rings - 1, s), v - 1, ring(rings - 1, s + 1));
    }
    // Smooth deformation fields: normal displacement from a few random low-frequency waves, optionally masked.
    const field = (amplitude: number, mask: (x: number, y: number, z: number) => number) => {
        const f = [1 + 4 * random(), 1 + 4 * random(), 1 + 4 * random()].map((k) => k * 10);
        const phase = [random(), random(), random()].map((p) => p * 6.28);
        const along = [random() - 0.5, random() - 0.5, random() - 0.5];
        const out = new Float64Array(v * 3);
        for (let i = 0; i < v; i++) {
            const [x, y, z] = [positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]];
            const w = amplitude * mask(x, y, z) * Math.sin(f[0] * x + phase[0]) * Math.cos(f[1] * y + phase[1]) * Math.sin(f[2] * z + phase[2] + 1);
            for (let c = 0; c < 3; c++) {
                out[3 * i + c] = w * (normals[3 * i + c] + 0.3 * along[c]);
            }
        }
        return out;
    };
    const total = nShape + nExpr;
    const shapedirs = new Float32Array(v * 3 * total);
    const mouth = (x: number, y: number, z: number) => Math.exp(-((y + 0.03) ** 2) / 0.0015) * (z > 0 ? 1 : 0.2) + 0.1 * Math.exp(-(x * x) / 0.01);
    for (let k = 0; k < total; k++) {
        const values = k < nShape ? field(0.01 / (1 + 0.2 * k), () => 1) : field(0.006, mouth);
        for (let i = 0; i < v * 3; i++) {
            shapedirs[i * total + k] = values[i];
        }
    }
    const posedirs = new Float32Array(v * 3 * 36);
    for (let p = 0; p < 36; p++) {
        const values = field(0.004, () => 1);
        for (let i = 0; i < v * 3; i++) {
            posedirs[i * 36 + p] = values[i];
        }
    }
    // Each joint regressed as the mean of the 8 template vertices nearest its target.
    const jCount = TestFlameJointTargets.length;
    const regressor = new Float32Array(jCount * v);
    TestFlameJointTargets.forEach((target, j) => {
        const order = Array.from({ length: v }, (_, i) => i).sort(
            (a, b) =>
                Math.hypot(positions[3 * a] - target[0], positions[3 * a + 1] - target[1], positions[3 * a + 2] - target[2]) -
                Math.hypot(positions[3 * b] - target[0], positions[3 * b + 1] - target[1], positions[3 * b + 2] - target[2])
        );
        for (const i of order.slice(0, 8)) {
            regressor[j * v + i] = 1 / 8;
        }
    });
    const weights = new Float32Array(v * jCount);
    for (let i = 0; i < v; i++) {
        const [x, y, z] = [positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]];
        const w = new Float64Array(jCount);
        w[0] = Math.max(0, Math.min(1, (-y - 0.07) / 0.03));
        w[2] = Math.max(0, Math.min(1, (-y - 0.02) / 0.02)) * Math.max(0, Math.min(1, z / 0.03)) * (1 - w[0]);
        for (const eye of [3, 4]) {
            const t = TestFlameJointTargets[eye];
            w[eye] = Math.max(0, 1 - Math.hypot(x - t[0], y - t[1], z - t[2]) / 0.025);
        }
        const rest = Math.max(0, 1 - w[0] - w[2] - w[3] - w[4]);
        w[1] = rest;
        const sum = w.reduce((a, b) => a + b, 0);
        for (let j = 0; j < jCount; j++) {
            weights[i * jCount + j] = w[j] / sum;
        }
    }
    const kintree = new Uint32Array([0xffffffff, 0, 1, 1, 1, 0, 1, 2, 3, 4]);
    // Eyelid blendshapes (as metrical-tracker ships them, merged into the npz): upper-lid vertices move down.
    const eyelid = (eye: number) => {
        const out = new Float32Array(v * 3);
        const t = TestFlameJointTargets[eye];
        for (let i = 0; i < v; i++) {
            const d = Math.hypot(positions[3 * i] - t[0], positions[3 * i + 1] - t[1] - 0.01, positions[3 * i + 2] - t[2]);
            out[3 * i + 1] = -0.01 * Math.max(0, 1 - d / 0.025);
        }
        return out;
    };
    // A landmark embedding: 12 landmarks on random faces with random barycentric coordinates.
    const faceCount = faces.length / 3;
    const lmkFaces = Uint32Array.from({ length: 12 }, () => Math.floor(random() * faceCount));
    const lmkBary = new Float32Array(36);
    for (let l = 0; l < 12; l++) {
        const a = random();
        const b = random() * (1 - a);
        lmkBary.set([a, b, 1 - a - b], 3 * l);
    }
    return {
        v_template: { descr: "<f8", shape: [v, 3], data: Float64Array.from(positions) },
        f: { descr: "<u4", shape: [faces.length / 3, 3], data: Uint32Array.from(faces) },
        shapedirs: { descr: "<f4", shape: [v, 3, total], data: shapedirs },
        posedirs: { descr: "<f4", shape: [v, 3, 36], data: posedirs },
        J_regressor: { descr: "<f4", shape: [jCount, v], data: regressor },
        weights: { descr: "<f4", shape: [v, jCount], data: weights },
        kintree_table: { descr: "<u4", shape: [2, jCount], data: kintree },
        n_shape: { descr: "<i8", shape: [], data: new BigInt64Array([BigInt(nShape)]) },
        n_expr: { descr: "<i8", shape: [], data: new BigInt64Array([BigInt(nExpr)]) },
        l_eyelid: { descr: "<f4", shape: [v, 3], data: eyelid(3) },
        r_eyelid: { descr: "<f4", shape: [v, 3], data: eyelid(4) },
        lmk_faces_idx: { descr: "<u4", shape: [12], data: lmkFaces },
        lmk_b_coords: { descr: "<f4", shape: [12, 3], data: lmkBary },
    };
}

/**
 * The test model as npz bytes.
 * @param options sizes and seed
 * @returns the file
 */
export function createTestFlameNpz(options: TestFlameModelOptions = {}): Uint8Array {
    return writeNpz(createTestFlameArrays(options));
}
