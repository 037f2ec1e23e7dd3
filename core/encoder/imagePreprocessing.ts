/**
 * Turns a video frame into an encoder input (pure, shared by the worker and the tool that fits the test encoder, so
 * training and inference see identical tensors): crop a normalised box, resize by area averaging, RGB in [0, 1],
 * `(x − mean) / std`, NCHW.
 */
import type { EncoderDescriptor } from "./encoderDescriptor.js";

/**
 * Preprocesses an RGBA image.
 * @param rgba pixels, top row first, 4 bytes each
 * @param width image width
 * @param height image height
 * @param box normalised [x, y, width, height] of the face (parts outside the image read as black)
 * @param input the descriptor's input section
 * @param out destination of 3 × input.height × input.width (allocated when omitted)
 * @returns the tensor data
 */
export function preprocessImage(
    rgba: ArrayLike<number>,
    width: number,
    height: number,
    box: readonly number[],
    input: EncoderDescriptor["input"],
    out?: Float32Array
): Float32Array {
    const w = input.width;
    const h = input.height;
    const plane = w * h;
    const result = out ?? new Float32Array(3 * plane);
    const x0 = box[0] * width;
    const y0 = box[1] * height;
    const cellW = (box[2] * width) / w;
    const cellH = (box[3] * height) / h;
    for (let v = 0; v < h; v++) {
        const top = y0 + v * cellH;
        for (let u = 0; u < w; u++) {
            const left = x0 + u * cellW;
            // Area average over the cell, each source pixel weighted by its overlap.
            let r = 0;
            let g = 0;
            let b = 0;
            let area = 0;
            for (let y = Math.floor(top); y < Math.ceil(top + cellH); y++) {
                const wy = Math.min(y + 1, top + cellH) - Math.max(y, top);
                if (wy <= 0) {
                    continue;
                }
                for (let x = Math.floor(left); x < Math.ceil(left + cellW); x++) {
                    const wx = Math.min(x + 1, left + cellW) - Math.max(x, left);
                    if (wx <= 0) {
                        continue;
                    }
                    const weight = wx * wy;
                    area += weight;
                    if (x >= 0 && y >= 0 && x < width && y < height) {
                        const o = 4 * (y * width + x);
                        r += weight * rgba[o];
                        g += weight * rgba[o + 1];
                        b += weight * rgba[o + 2];
                    }
                }
            }
            const scale = area > 0 ? 1 / (255 * area) : 0;
            const i = v * w + u;
            result[i] = (r * scale - input.mean[0]) / input.std[0];
            result[plane + i] = (g * scale - input.mean[1]) / input.std[1];
            result[2 * plane + i] = (b * scale - input.mean[2]) / input.std[2];
        }
    }
    return result;
}
