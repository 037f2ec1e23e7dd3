/**
 * Writes Gaussian point clouds as binary PLY files in the layouts the research code uses (for tests, benchmarks and
 * generated assets): the reference 3DGS layout and GaussianAvatars' FLAME-rigged layout.
 */
import type { GemGaussians } from "../../core/gemReconstruction.js";
import { ShC0, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";

/** 3DGS vertex properties, in the order the reference implementation writes them. */
const gaussianProperties = [
    "x",
    "y",
    "z",
    "nx",
    "ny",
    "nz",
    "f_dc_0",
    "f_dc_1",
    "f_dc_2",
    ...Array.from({ length: 45 }, (_, i) => `f_rest_${i}`),
    "opacity",
    "scale_0",
    "scale_1",
    "scale_2",
    "rot_0",
    "rot_1",
    "rot_2",
    "rot_3",
];
const restOffset = 9 + 45;

/**
 * Writes a binary little-endian PLY whose vertex element has only float properties.
 * @param names property names, in order
 * @param count vertices
 * @param fill writes row i (one value per property)
 * @returns PLY bytes
 */
export function writeFloatPly(names: readonly string[], count: number, fill: (row: Float32Array, index: number) => void): Uint8Array {
    const header = `ply\nformat binary_little_endian 1.0\nelement vertex ${count}\n${names.map((n) => `property float ${n}`).join("\n")}\nend_header\n`;
    const head = new TextEncoder().encode(header);
    const body = new Float32Array(count * names.length);
    for (let i = 0; i < count; i++) {
        fill(body.subarray(i * names.length, (i + 1) * names.length), i);
    }
    const out = new Uint8Array(head.byteLength + body.byteLength);
    out.set(head);
    out.set(new Uint8Array(body.buffer), head.byteLength);
    return out;
}

/**
 * Encodes world-space Gaussians in the reference 3DGS `point_cloud.ply` layout: logit opacity, log scales,
 * (w, x, y, z) rotation, degree-0 colour in f_dc and 45 zero f_rest values.
 * @param gaussians Gaussians after activations
 * @returns PLY bytes
 */
export function writeGaussianPly(gaussians: GemGaussians): Uint8Array {
    return writeFloatPly(gaussianProperties, gaussians.count, (row, i) => {
        row.set(gaussians.positions.subarray(3 * i, 3 * i + 3), 0);
        for (let c = 0; c < 3; c++) {
            row[6 + c] = (gaussians.colors[3 * i + c] - 0.5) / ShC0;
            row[restOffset + 1 + c] = Math.log(gaussians.scales[3 * i + c]);
        }
        const o = Math.min(1 - 1e-6, Math.max(1e-6, gaussians.opacities[i]));
        row[restOffset] = Math.log(o / (1 - o));
        row.set(gaussians.rotations.subarray(4 * i, 4 * i + 4), restOffset + 4);
    });
}

/**
 * Encodes a rig as GaussianAvatars writes it (all properties float, 45 zero f_rest values, zero normals, binding_0).
 * @param rig the bound Gaussians
 * @returns PLY bytes
 */
export function writeGaussianAvatarsPly(rig: RiggedGaussians): Uint8Array {
    return writeFloatPly([...gaussianProperties, "binding_0"], rig.count, (row, i) => {
        row.set(rig.localPositions.subarray(3 * i, 3 * i + 3), 0);
        row.set(rig.colorDc.subarray(3 * i, 3 * i + 3), 6);
        row[restOffset] = rig.opacityLogits[i];
        row.set(rig.localLogScales.subarray(3 * i, 3 * i + 3), restOffset + 1);
        row.set(rig.localRotations.subarray(4 * i, 4 * i + 4), restOffset + 4);
        row[restOffset + 8] = rig.binding[i];
    });
}
