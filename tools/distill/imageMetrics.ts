/**
 * Image quality metrics for the distillation report, on 8-bit RGBA images: PSNR over RGB and SSIM (Wang et al. 2004:
 * 11 × 11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03) on luma.
 */

/**
 * Peak signal-to-noise ratio over the RGB channels.
 * @param a RGBA bytes
 * @param b RGBA bytes of the same size
 * @returns PSNR in dB (Infinity for identical images)
 */
export function psnr(a: Uint8Array, b: Uint8Array): number {
    if (a.length !== b.length) {
        throw new RangeError(`psnr: images of ${a.length} and ${b.length} bytes`);
    }
    let sum = 0;
    let count = 0;
    for (let i = 0; i < a.length; i += 4) {
        for (let c = 0; c < 3; c++) {
            sum += (a[i + c] - b[i + c]) ** 2;
        }
        count += 3;
    }
    const mse = sum / count;
    return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

function luma(rgba: Uint8Array, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
        out[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
    }
    return out;
}

function blur(values: Float64Array, width: number, height: number, kernel: Float64Array): Float64Array {
    const radius = (kernel.length - 1) / 2;
    const tmp = new Float64Array(values.length);
    const out = new Float64Array(values.length);
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            let sum = 0;
            for (let k = -radius; k <= radius; k++) {
                const xx = Math.min(width - 1, Math.max(0, x + k));
                sum += kernel[k + radius] * values[y * width + xx];
            }
            tmp[y * width + x] = sum;
        }
    }
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            let sum = 0;
            for (let k = -radius; k <= radius; k++) {
                const yy = Math.min(height - 1, Math.max(0, y + k));
                sum += kernel[k + radius] * tmp[yy * width + x];
            }
            out[y * width + x] = sum;
        }
    }
    return out;
}

/**
 * Structural similarity on luma, averaged over the image.
 * @param a RGBA bytes
 * @param b RGBA bytes
 * @param width image width
 * @param height image height
 * @returns mean SSIM in [−1, 1] (1 for identical images)
 */
export function ssim(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
    const n = width * height;
    if (a.length !== 4 * n || b.length !== 4 * n) {
        throw new RangeError(`ssim: expected ${4 * n} bytes per image`);
    }
    const kernel = new Float64Array(11);
    let total = 0;
    for (let i = 0; i < 11; i++) {
        kernel[i] = Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5));
        total += kernel[i];
    }
    kernel.forEach((v, i) => (kernel[i] = v / total));
    const x = luma(a, n);
    const y = luma(b, n);
    const xx = x.map((v) => v * v);
    const yy = y.map((v) => v * v);
    const xy = x.map((v, i) => v * y[i]);
    const [mx, my, sxx, syy, sxy] = [x, y, xx, yy, xy].map((values) => blur(values, width, height, kernel));
    const c1 = (0.01 * 255) ** 2;
    const c2 = (0.03 * 255) ** 2;
    let sum = 0;
    for (let i = 0; i < n; i++) {
        const vx = sxx[i] - mx[i] * mx[i];
        const vy = syy[i] - my[i] * my[i];
        const cov = sxy[i] - mx[i] * my[i];
        sum += ((2 * mx[i] * my[i] + c1) * (2 * cov + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
    }
    return sum / n;
}
