/**
 * A minimal binary layout for one frame of Gaussians (count, then positions, scales, rotations, opacities, colours as
 * little-endian float32), used to hand frames from the Node tools to the rendering page.
 */
import type { GemGaussians } from "../../core/gemReconstruction.js";

/**
 * Encodes a frame.
 * @param gaussians the frame
 * @returns bytes
 */
export function encodeGaussianFrame(gaussians: GemGaussians): Uint8Array {
    const n = gaussians.count;
    const floats = new Float32Array(1 + 14 * n);
    new Uint32Array(floats.buffer, 0, 1)[0] = n;
    let at = 1;
    for (const part of [gaussians.positions, gaussians.scales, gaussians.rotations, gaussians.opacities, gaussians.colors]) {
        floats.set(part, at);
        at += part.length;
    }
    return new Uint8Array(floats.buffer);
}

/**
 * Decodes a frame written by {@link encodeGaussianFrame}.
 * @param bytes the bytes
 * @returns the frame
 */
export function decodeGaussianFrame(bytes: Uint8Array): GemGaussians {
    const copy = bytes.slice();
    const n = new Uint32Array(copy.buffer, 0, 1)[0];
    const floats = new Float32Array(copy.buffer);
    if (floats.length !== 1 + 14 * n) {
        throw new RangeError(`Gaussian frame: ${floats.length} floats for ${n} Gaussians`);
    }
    let at = 1;
    const take = (width: number) => {
        at += width * n;
        return floats.subarray(at - width * n, at);
    };
    return { count: n, positions: take(3), scales: take(3), rotations: take(4), opacities: take(1), colors: take(3) };
}
