/**
 * Gaussians bound to mesh triangles, as in GaussianAvatars (Qian et al., CVPR 2024): each Gaussian has a parent face
 * and a position, rotation and log-scale local to that face's frame, scaled by the face's size. CPU reference.
 *
 * Face frame of (v0, v1, v2): a0 = normalize(v1 − v0), a1 = normalize(a0 × (v2 − v0)) (the normal),
 * a2 = −normalize(a1 × a0), R = [a0 | a1 | a2] (columns); scale k = (‖v1 − v0‖ + |a2 · (v2 − v0)|) / 2;
 * centre c = (v0 + v1 + v2) / 3. World: μ = k · R · μ_local + c, s = exp(s_local) · k, q = q(R) ⊗ normalize(q_local),
 * opacity = sigmoid(o), colour = 0.5 + C0 · f_dc (degree-0 spherical harmonics).
 */
import type { GemGaussians } from "../gemReconstruction.js";
import { GemFormatError } from "../errors/GemFormatError.js";
import { requireWithin } from "../errors/requireFinite.js";

/** Degree-0 spherical-harmonics constant, 1 / (2 √π). */
export const ShC0 = 0.28209479177387814;

/** Gaussians bound to triangles, in the parametrisation GaussianAvatars stores. */
export interface RiggedGaussians {
    /** Number of Gaussians. */
    count: number;
    /** Parent face of each Gaussian. */
    binding: Uint32Array;
    /** Position in the face frame, in units of the face scale. */
    localPositions: Float32Array;
    /** log(scale / face scale), 3 per Gaussian. */
    localLogScales: Float32Array;
    /** Rotation in the face frame, (w, x, y, z), not necessarily normalised. */
    localRotations: Float32Array;
    /** Opacity logits. */
    opacityLogits: Float32Array;
    /** Degree-0 SH coefficients (f_dc), 3 per Gaussian. */
    colorDc: Float32Array;
}

/**
 * Allocates a zero-filled rig.
 * @param count number of Gaussians
 * @returns the rig
 */
export function createRiggedGaussians(count: number): RiggedGaussians {
    return {
        count,
        binding: new Uint32Array(count),
        localPositions: new Float32Array(3 * count),
        localLogScales: new Float32Array(3 * count),
        localRotations: new Float32Array(4 * count),
        opacityLogits: new Float32Array(count),
        colorDc: new Float32Array(3 * count),
    };
}

/** Largest magnitude of a log-scale a rig may hold (e^20 ≈ 5·10^8 face sizes: anything beyond is a broken file). */
export const MaxRiggedLogScale = 20;

/**
 * Physical ranges of rigged Gaussians: positions in units of their triangle's scale, quaternion components (normalised
 * when posed), opacity logits and colour coefficients.
 */
export const RiggedGaussianRanges = { maxLocalPosition: 1000, maxQuaternionComponent: 1e6, maxOpacityLogit: 1000, maxColor: 1000 } as const;

/**
 * Refuses degenerate Gaussians a trained rig should never hold: a zero (or near-zero) quaternion has no rotation, a
 * log-scale beyond ±{@link MaxRiggedLogScale} overflows or vanishes once exponentiated, and values beyond
 * {@link RiggedGaussianRanges} are refused as `out-of-range`.
 * @param rig the rig (values already checked finite)
 * @param fileName for errors
 * @param prefix field prefix in errors (`gaussians_` for npz keys, `` for PLY properties)
 * @returns the rig
 */
export function requireSoundRig(rig: RiggedGaussians, fileName: string, prefix = ""): RiggedGaussians {
    // Finite but absurd values (3.4e38) would overflow the first product they enter when posed.
    requireWithin(rig.localPositions, RiggedGaussianRanges.maxLocalPosition, fileName, `${prefix}xyz`);
    requireWithin(rig.localRotations, RiggedGaussianRanges.maxQuaternionComponent, fileName, `${prefix}rotation`);
    requireWithin(rig.opacityLogits, RiggedGaussianRanges.maxOpacityLogit, fileName, `${prefix}opacity`);
    requireWithin(rig.colorDc, RiggedGaussianRanges.maxColor, fileName, `${prefix}f_dc`);
    for (let i = 0; i < rig.count; i++) {
        const q = rig.localRotations;
        const norm = Math.hypot(q[4 * i], q[4 * i + 1], q[4 * i + 2], q[4 * i + 3]);
        if (!(norm > 1e-8)) {
            throw new GemFormatError("invalid-descriptor", fileName, `${prefix}rotation[${i}]`, "a non-zero quaternion", `norm ${norm}`);
        }
        for (let c = 0; c < 3; c++) {
            const s = rig.localLogScales[3 * i + c];
            if (Math.abs(s) > MaxRiggedLogScale) {
                throw new GemFormatError("invalid-descriptor", fileName, `${prefix}scale[${i}]`, `log-scales within ±${MaxRiggedLogScale}`, s);
            }
        }
    }
    return rig;
}

/**
 * Quaternion (w, x, y, z) of a rotation matrix given by its columns (Shepperd's method, w ≥ 0).
 * @param m row-major 3 × 3
 * @param out destination
 * @param offset write offset
 */
export function quaternionFromMatrix(m: ArrayLike<number>, out: Float32Array | number[], offset = 0): void {
    const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = [m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]];
    const trace = m00 + m11 + m22;
    let w: number;
    let x: number;
    let y: number;
    let z: number;
    if (trace > 0) {
        const s = Math.sqrt(trace + 1) * 2;
        w = 0.25 * s;
        x = (m21 - m12) / s;
        y = (m02 - m20) / s;
        z = (m10 - m01) / s;
    } else if (m00 > m11 && m00 > m22) {
        const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
        w = (m21 - m12) / s;
        x = 0.25 * s;
        y = (m01 + m10) / s;
        z = (m02 + m20) / s;
    } else if (m11 > m22) {
        const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
        w = (m02 - m20) / s;
        x = (m01 + m10) / s;
        y = 0.25 * s;
        z = (m12 + m21) / s;
    } else {
        const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
        w = (m10 - m01) / s;
        x = (m02 + m20) / s;
        y = (m12 + m21) / s;
        z = 0.25 * s;
    }
    const sign = w < 0 ? -1 : 1;
    out[offset] = w * sign;
    out[offset + 1] = x * sign;
    out[offset + 2] = y * sign;
    out[offset + 3] = z * sign;
}

/**
 * Frame of one face.
 * @param vertices V × 3
 * @param faces F × 3
 * @param face face index
 * @returns row-major rotation (columns a0, a1, a2), scale and centre
 */
export function faceFrame(vertices: ArrayLike<number>, faces: ArrayLike<number>, face: number): { rotation: number[]; scale: number; center: number[] } {
    const p = (k: number) => [vertices[3 * faces[3 * face + k]], vertices[3 * faces[3 * face + k] + 1], vertices[3 * faces[3 * face + k] + 2]];
    const [v0, v1, v2] = [p(0), p(1), p(2)];
    const e1 = [v1[0] - v0[0], v1[1] - v0[1], v1[2] - v0[2]];
    const e2 = [v2[0] - v0[0], v2[1] - v0[1], v2[2] - v0[2]];
    const norm = (a: number[]) => {
        const l = Math.hypot(a[0], a[1], a[2]) || 1;
        return [a[0] / l, a[1] / l, a[2] / l];
    };
    const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    const a0 = norm(e1);
    const a1 = norm(cross(a0, e2));
    const c = norm(cross(a1, a0));
    const a2 = [-c[0], -c[1], -c[2]];
    const scale = (Math.hypot(e1[0], e1[1], e1[2]) + Math.abs(a2[0] * e2[0] + a2[1] * e2[1] + a2[2] * e2[2])) / 2;
    return {
        rotation: [a0[0], a1[0], a2[0], a0[1], a1[1], a2[1], a0[2], a1[2], a2[2]],
        scale,
        center: [(v0[0] + v1[0] + v2[0]) / 3, (v0[1] + v1[1] + v2[1]) / 3, (v0[2] + v1[2] + v2[2]) / 3],
    };
}

/**
 * World-space Gaussians of a rigged set on a posed mesh.
 * @param rigged the bound Gaussians
 * @param vertices posed mesh vertices, V × 3
 * @param faces mesh faces, F × 3
 * @returns Gaussians after activations
 */
export function posedRiggedGaussians(rigged: RiggedGaussians, vertices: ArrayLike<number>, faces: ArrayLike<number>): GemGaussians {
    const n = rigged.count;
    const positions = new Float32Array(3 * n);
    const scales = new Float32Array(3 * n);
    const rotations = new Float32Array(4 * n);
    const opacities = new Float32Array(n);
    const colors = new Float32Array(3 * n);
    // Each face's frame once (rotation 9, scale 1, centre 3, quaternion 4), computed on first use.
    const faceCount = faces.length / 3;
    const frameData = new Float64Array(faceCount * 17);
    const done = new Uint8Array(faceCount);
    const faceQuaternion = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
        const face = rigged.binding[i];
        const base = face * 17;
        if (!done[face]) {
            const f = faceFrame(vertices, faces, face);
            quaternionFromMatrix(f.rotation, faceQuaternion);
            frameData.set(f.rotation, base);
            frameData[base + 9] = f.scale;
            frameData.set(f.center, base + 10);
            frameData.set(faceQuaternion, base + 13);
            done[face] = 1;
        }
        const k = frameData[base + 9];
        const l0 = rigged.localPositions[3 * i];
        const l1 = rigged.localPositions[3 * i + 1];
        const l2 = rigged.localPositions[3 * i + 2];
        for (let row = 0; row < 3; row++) {
            const r = base + 3 * row;
            positions[3 * i + row] = k * (frameData[r] * l0 + frameData[r + 1] * l1 + frameData[r + 2] * l2) + frameData[base + 10 + row];
            scales[3 * i + row] = Math.exp(rigged.localLogScales[3 * i + row]) * k;
            colors[3 * i + row] = 0.5 + ShC0 * rigged.colorDc[3 * i + row];
        }
        opacities[i] = 1 / (1 + Math.exp(-rigged.opacityLogits[i]));
        let w = rigged.localRotations[4 * i];
        let x = rigged.localRotations[4 * i + 1];
        let y = rigged.localRotations[4 * i + 2];
        let z = rigged.localRotations[4 * i + 3];
        const norm = Math.hypot(w, x, y, z) || 1;
        w /= norm;
        x /= norm;
        y /= norm;
        z /= norm;
        // Hamilton product q_f ⊗ q_local.
        const fw = frameData[base + 13];
        const fx = frameData[base + 14];
        const fy = frameData[base + 15];
        const fz = frameData[base + 16];
        rotations[4 * i] = fw * w - fx * x - fy * y - fz * z;
        rotations[4 * i + 1] = fw * x + fx * w + fy * z - fz * y;
        rotations[4 * i + 2] = fw * y - fx * z + fy * w + fz * x;
        rotations[4 * i + 3] = fw * z + fx * y - fy * x + fz * w;
    }
    return { count: n, positions, scales, rotations, opacities, colors };
}
