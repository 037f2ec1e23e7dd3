/**
 * Writes FLAME-rigged Gaussians in GaussianAvatars' point_cloud.ply layout (for tests and generated assets).
 */
import type { RiggedGaussians } from "../plugin/flame/riggedGaussians";

/**
 * Encodes a rig as GaussianAvatars writes it (all properties float, 45 zero f_rest values, zero normals).
 * @param rig the bound Gaussians
 * @returns PLY bytes
 */
export function writeGaussianAvatarsPly(rig: RiggedGaussians): Uint8Array {
    const names = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2", ...Array.from({ length: 45 }, (_, i) => `f_rest_${i}`), "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3", "binding_0"];
    const header = `ply\nformat binary_little_endian 1.0\nelement vertex ${rig.count}\n${names.map((n) => `property float ${n}`).join("\n")}\nend_header\n`;
    const head = new TextEncoder().encode(header);
    const body = new Float32Array(rig.count * names.length);
    for (let i = 0; i < rig.count; i++) {
        const row = body.subarray(i * names.length, (i + 1) * names.length);
        row.set(rig.localPositions.subarray(3 * i, 3 * i + 3), 0);
        row.set(rig.colorDc.subarray(3 * i, 3 * i + 3), 6);
        const o = 9 + 45;
        row[o] = rig.opacityLogits[i];
        row.set(rig.localLogScales.subarray(3 * i, 3 * i + 3), o + 1);
        row.set(rig.localRotations.subarray(4 * i, 4 * i + 4), o + 4);
        row[o + 8] = rig.binding[i];
    }
    const out = new Uint8Array(head.byteLength + body.byteLength);
    out.set(head);
    out.set(new Uint8Array(body.buffer), head.byteLength);
    return out;
}
