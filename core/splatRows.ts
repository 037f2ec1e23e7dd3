import type { GemGaussians } from "./gemReconstruction.js";

function toByte(value: number): number {
    return Math.max(0, Math.min(255, Math.round(value)));
}

/**
 * Packs reconstructed Gaussians into Babylon's 32-byte `.splat` rows (position and |scale| as float32, RGBA and the
 * quaternion as bytes, `q · 127.5 + 127.5`), the input of `GaussianSplattingMesh.updateData`.
 * @param gaussians reconstructed Gaussians (colours and opacities in [0, 1], unit quaternions wxyz)
 * @returns count × 32 bytes
 */
export function packSplatRows(gaussians: GemGaussians): ArrayBuffer {
    const count = gaussians.count;
    const buffer = new ArrayBuffer(count * 32);
    const floats = new Float32Array(buffer);
    const bytes = new Uint8Array(buffer);
    for (let i = 0; i < count; i++) {
        floats[8 * i] = gaussians.positions[3 * i];
        floats[8 * i + 1] = gaussians.positions[3 * i + 1];
        floats[8 * i + 2] = gaussians.positions[3 * i + 2];
        floats[8 * i + 3] = Math.abs(gaussians.scales[3 * i]);
        floats[8 * i + 4] = Math.abs(gaussians.scales[3 * i + 1]);
        floats[8 * i + 5] = Math.abs(gaussians.scales[3 * i + 2]);
        bytes[32 * i + 24] = toByte(gaussians.colors[3 * i] * 255);
        bytes[32 * i + 25] = toByte(gaussians.colors[3 * i + 1] * 255);
        bytes[32 * i + 26] = toByte(gaussians.colors[3 * i + 2] * 255);
        bytes[32 * i + 27] = toByte(gaussians.opacities[i] * 255);
        for (let c = 0; c < 4; c++) {
            bytes[32 * i + 28 + c] = toByte(gaussians.rotations[4 * i + c] * 127.5 + 127.5);
        }
    }
    return buffer;
}
