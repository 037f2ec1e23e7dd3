/**
 * CPU reference of GEM reconstruction, in plain TypeScript with no engine: the formula every GPU path is tested against.
 *
 *   x_a = activation_a( μ_a + Σ_k c_k · σ_k · u_{a,k} )   (σ_k = sqrt(eigenvalue_k) when coefficients are in stddev units)
 */
import type { GemModel, GemAttributeGroup } from "./GemModel.js";
import { fromHalf } from "./halfFloat.js";

/** Reconstructed Gaussians of one frame, after activations. */
export interface GemGaussians {
    /** Number of Gaussians. */
    count: number;
    /** Centres, xyz per Gaussian. */
    positions: Float32Array;
    /** Linear scales (standard deviations), xyz per Gaussian. */
    scales: Float32Array;
    /** Unit quaternions (w, x, y, z) per Gaussian. */
    rotations: Float32Array;
    /** Opacities. */
    opacities: Float32Array;
    /** RGB colours in [0, 1]. */
    colors: Float32Array;
}

let halfTable: Float32Array | null = null;

function getHalfTable(): Float32Array {
    if (!halfTable) {
        halfTable = new Float32Array(65536);
        for (let i = 0; i < 65536; i++) {
            halfTable[i] = fromHalf(i);
        }
    }
    return halfTable;
}

/**
 * Multiplier applied to a user coefficient of a group before it scales a basis vector.
 * @param model the model (its coefficient units)
 * @param group the group
 * @param component component index
 * @returns σ_k for whitened models, 1 for raw ones
 */
export function coefficientScale(model: GemModel, group: GemAttributeGroup, component: number): number {
    return model.coefficientUnits === "stddev" ? Math.sqrt(Math.max(group.eigenvalues[component], 0)) : 1;
}

/**
 * Weights that multiply the *stored* basis values (bytes for uint8, halves or floats otherwise), with the constant that
 * quantisation offsets add to every element:  x = mean + bias + Σ_k weights[k] · stored_k.
 * This is what the GPU pass consumes, so the shader is the same for every storage type.
 * @param model the model
 * @param group the group
 * @param coefficients the group's K user coefficients (from `offset` on)
 * @param out where to write them (its `weights` of length K), reused across frames; default a new object
 * @param offset index of the group's first coefficient in `coefficients`
 * @returns per-component weights and the shared bias (`out` when given)
 */
export function computeBasisWeights(
    model: GemModel,
    group: GemAttributeGroup,
    coefficients: ArrayLike<number>,
    out?: { weights: Float32Array; bias: number },
    offset = 0
): { weights: Float32Array; bias: number } {
    const result = out ?? { weights: new Float32Array(group.components), bias: 0 };
    const weights = result.weights;
    let bias = 0;
    for (let k = 0; k < group.components; k++) {
        const w = coefficients[offset + k] * coefficientScale(model, group, k);
        if (group.basis?.dtype === "uint8") {
            weights[k] = (w * group.basis.scale[k]) / 255;
            bias += w * group.basis.offset[k];
        } else {
            weights[k] = w;
        }
    }
    result.bias = bias;
    return result;
}

/**
 * Linear part of one group: μ + Σ_k c_k σ_k u_k, before the activation.
 * @param model the model
 * @param group the group
 * @param coefficients the group's K user coefficients (from `offset` on)
 * @param out optional destination of length G·C
 * @param offset index of the group's first coefficient in `coefficients`
 * @returns the linear values, index `g * C + c`
 */
export function reconstructGroupLinear(model: GemModel, group: GemAttributeGroup, coefficients: ArrayLike<number>, out?: Float32Array, offset = 0): Float32Array {
    const n = group.mean.length;
    const result = out ?? new Float32Array(n);
    result.set(group.mean);
    const basis = group.basis;
    if (!basis) {
        return result;
    }
    const table = basis.dtype === "float16" ? getHalfTable() : null;
    for (let k = 0; k < group.components; k++) {
        const w = coefficients[offset + k] * coefficientScale(model, group, k);
        if (w === 0) {
            continue;
        }
        const base = k * n;
        if (basis.dtype === "float32") {
            const data = basis.data;
            for (let i = 0; i < n; i++) {
                result[i] += w * data[base + i];
            }
        } else if (basis.dtype === "float16") {
            const data = basis.data;
            for (let i = 0; i < n; i++) {
                result[i] += w * table![data[base + i]];
            }
        } else {
            const data = basis.data;
            const scale = basis.scale[k] / 255;
            const offset = basis.offset[k];
            for (let i = 0; i < n; i++) {
                result[i] += w * (offset + scale * data[base + i]);
            }
        }
    }
    return result;
}

/**
 * Applies a group's activation in place.
 * @param group the group (activation and channel count)
 * @param values linear values, index `g * C + c`
 * @returns the same array
 */
export function applyActivation(group: GemAttributeGroup, values: Float32Array): Float32Array {
    switch (group.activation) {
        case "none":
            break;
        case "exp":
            for (let i = 0; i < values.length; i++) {
                values[i] = Math.exp(values[i]);
            }
            break;
        case "sigmoid":
            for (let i = 0; i < values.length; i++) {
                values[i] = 1 / (1 + Math.exp(-values[i]));
            }
            break;
        case "normalize": {
            const c = group.channels;
            for (let base = 0; base < values.length; base += c) {
                let norm = 0;
                for (let j = 0; j < c; j++) {
                    norm += values[base + j] * values[base + j];
                }
                norm = Math.sqrt(norm);
                if (norm > 0) {
                    for (let j = 0; j < c; j++) {
                        values[base + j] /= norm;
                    }
                } else {
                    // A degenerate quaternion (or direction) falls back to identity, as F.normalize's epsilon would leave 0.
                    values[base] = 1;
                }
            }
            break;
        }
    }
    return values;
}

/**
 * Splits a concatenated coefficient vector (group order) into per-group views.
 * @param model the model
 * @param coefficients Σ K values
 * @returns one view per group
 */
export function splitCoefficients(model: GemModel, coefficients: Float32Array): Float32Array[] {
    return model.groups.map((group, i) => coefficients.subarray(model.coefficientOffsets[i], model.coefficientOffsets[i] + group.components));
}

/**
 * Reconstructs every attribute of every Gaussian.
 * @param model the model
 * @param coefficients concatenated user coefficients (length {@link GemModel.totalComponents})
 * @param out Gaussians of this model to overwrite (an earlier result), reused across frames; default new arrays
 * @returns the Gaussians after activations (`out` when given)
 */
export function reconstructGaussians(model: GemModel, coefficients: Float32Array, out?: GemGaussians): GemGaussians {
    if (coefficients.length !== model.totalComponents) {
        throw new RangeError(`reconstructGaussians: expected ${model.totalComponents} coefficients, got ${coefficients.length}`);
    }
    if (out && out.count !== model.gaussianCount) {
        throw new RangeError(`reconstructGaussians: the output holds ${out.count} Gaussians, the model ${model.gaussianCount}`);
    }
    const result = out ?? ({ count: model.gaussianCount } as GemGaussians);
    result.positions = reconstructGroup(model, 0, coefficients, out?.positions);
    result.opacities = reconstructGroup(model, 1, coefficients, out?.opacities);
    result.scales = reconstructGroup(model, 2, coefficients, out?.scales);
    result.rotations = reconstructGroup(model, 3, coefficients, out?.rotations);
    result.colors = reconstructGroup(model, 4, coefficients, out?.colors);
    return result;
}

/** One group of {@link reconstructGaussians}: linear part, then activation, in place. */
function reconstructGroup(model: GemModel, index: number, coefficients: Float32Array, target: Float32Array | undefined): Float32Array {
    const group = model.groups[index];
    return applyActivation(group, reconstructGroupLinear(model, group, coefficients, target, model.coefficientOffsets[index]));
}

/**
 * Covariance Σ = R · diag(2s)² · Rᵀ in Babylon's splat convention (the quad spans ±2 kernel units),
 * for a quaternion (w, x, y, z) that need not be normalised.
 * @param scale linear scales sx, sy, sz
 * @param quaternion (w, x, y, z)
 * @param out destination: Σ00, Σ01, Σ02, Σ11, Σ12, Σ22
 * @param offset write offset in out
 */
export function splatCovariance(scale: ArrayLike<number>, quaternion: ArrayLike<number>, out: Float32Array | number[], offset = 0): void {
    covarianceAt(scale, 0, quaternion, 0, out, offset);
}

/** {@link splatCovariance} reading scale and quaternion at offsets of larger arrays (no view per Gaussian). */
function covarianceAt(scale: ArrayLike<number>, s: number, quaternion: ArrayLike<number>, q: number, out: Float32Array | number[], offset: number): void {
    let w = quaternion[q];
    let x = quaternion[q + 1];
    let y = quaternion[q + 2];
    let z = quaternion[q + 3];
    const n = Math.hypot(w, x, y, z) || 1;
    w /= n;
    x /= n;
    y /= n;
    z /= n;
    const r00 = 1 - 2 * (y * y + z * z);
    const r01 = 2 * (x * y - w * z);
    const r02 = 2 * (x * z + w * y);
    const r10 = 2 * (x * y + w * z);
    const r11 = 1 - 2 * (x * x + z * z);
    const r12 = 2 * (y * z - w * x);
    const r20 = 2 * (x * z - w * y);
    const r21 = 2 * (y * z + w * x);
    const r22 = 1 - 2 * (x * x + y * y);
    const s0 = 4 * scale[s] * scale[s];
    const s1 = 4 * scale[s + 1] * scale[s + 1];
    const s2 = 4 * scale[s + 2] * scale[s + 2];
    out[offset] = r00 * r00 * s0 + r01 * r01 * s1 + r02 * r02 * s2;
    out[offset + 1] = r00 * r10 * s0 + r01 * r11 * s1 + r02 * r12 * s2;
    out[offset + 2] = r00 * r20 * s0 + r01 * r21 * s1 + r02 * r22 * s2;
    out[offset + 3] = r10 * r10 * s0 + r11 * r11 * s1 + r12 * r12 * s2;
    out[offset + 4] = r10 * r20 * s0 + r11 * r21 * s1 + r12 * r22 * s2;
    out[offset + 5] = r20 * r20 * s0 + r21 * r21 * s1 + r22 * r22 * s2;
}

/** Splat data in the layout of Babylon's data textures (RGBA per Gaussian), as floats, covariances un-normalised. */
export interface GemSplatTextures {
    /** x, y, z, 1 (the GPU textures hold the covariance scale in w: Σ = covariance texel × w). */
    centers: Float32Array;
    /** Σ00, Σ01, Σ02, Σ11. */
    covariancesA: Float32Array;
    /** Σ12, Σ22, 0, 0. */
    covariancesB: Float32Array;
    /** r, g, b, opacity, clamped to [0, 1]. */
    colors: Float32Array;
}

/**
 * Lays reconstructed Gaussians out as Babylon's four splat data textures (the GPU pass writes the same values).
 * @param gaussians reconstructed Gaussians
 * @returns one RGBA row per Gaussian in each texture
 */
export function toSplatTextures(gaussians: GemGaussians): GemSplatTextures {
    const n = gaussians.count;
    const textures = { centers: new Float32Array(4 * n), covariancesA: new Float32Array(4 * n), covariancesB: new Float32Array(4 * n), colors: new Float32Array(4 * n) };
    writeSplatTextures(gaussians, textures.centers, textures.covariancesA, textures.covariancesB, textures.colors);
    return textures;
}

/**
 * Writes reconstructed Gaussians into splat texture data, in place (the CPU fallback's upload, every changed frame):
 * what {@link toSplatTextures} returns, with colours as bytes when `colors` is a Uint8Array (0–255, rounded). The
 * arrays may be longer than 4 × count (a texture's padding); the rest is left alone.
 * @param gaussians reconstructed Gaussians
 * @param centers x, y, z, 1 per Gaussian
 * @param covariancesA Σ00, Σ01, Σ02, Σ11
 * @param covariancesB Σ12, Σ22, 0, 0
 * @param colors r, g, b, opacity clamped to [0, 1] (floats) or 0–255 (bytes)
 */
export function writeSplatTextures(
    gaussians: GemGaussians,
    centers: Float32Array,
    covariancesA: Float32Array,
    covariancesB: Float32Array,
    colors: Float32Array | Uint8Array
): void {
    const n = gaussians.count;
    const bytes = colors instanceof Uint8Array;
    const { positions, scales, rotations, opacities } = gaussians;
    const rgb = gaussians.colors;
    const cov = covarianceScratch;
    for (let i = 0; i < n; i++) {
        centers[4 * i] = positions[3 * i];
        centers[4 * i + 1] = positions[3 * i + 1];
        centers[4 * i + 2] = positions[3 * i + 2];
        centers[4 * i + 3] = 1;
        covarianceAt(scales, 3 * i, rotations, 4 * i, cov, 0);
        covariancesA[4 * i] = cov[0];
        covariancesA[4 * i + 1] = cov[1];
        covariancesA[4 * i + 2] = cov[2];
        covariancesA[4 * i + 3] = cov[3];
        covariancesB[4 * i] = cov[4];
        covariancesB[4 * i + 1] = cov[5];
        covariancesB[4 * i + 2] = 0;
        covariancesB[4 * i + 3] = 0;
        colors[4 * i] = unitColor(rgb[3 * i], bytes);
        colors[4 * i + 1] = unitColor(rgb[3 * i + 1], bytes);
        colors[4 * i + 2] = unitColor(rgb[3 * i + 2], bytes);
        colors[4 * i + 3] = unitColor(opacities[i], bytes);
    }
}

/** Scratch covariance of {@link writeSplatTextures} (six values). */
const covarianceScratch = new Float32Array(6);

/** A value clamped to [0, 1], or as a rounded byte. */
function unitColor(value: number, bytes: boolean): number {
    const clamped = Math.min(1, Math.max(0, value));
    return bytes ? Math.round(clamped * 255) : clamped;
}

/**
 * Bakes a transform into splat data (what a crowd's pass writes for an avatar placed by a matrix): centres
 * p' = M p + t, covariances Σ' = L Σ Lᵀ with L the linear part of M.
 * @param textures splat data (not modified)
 * @param matrix column-major 4 × 4 (Babylon's `Matrix.m`)
 * @returns transformed splat data
 */
export function transformSplatTextures(textures: GemSplatTextures, matrix: ArrayLike<number>): GemSplatTextures {
    const m = matrix;
    const n = textures.centers.length / 4;
    const centers = new Float32Array(textures.centers);
    const covariancesA = new Float32Array(4 * n);
    const covariancesB = new Float32Array(4 * n);
    // L[r][c] = m[c * 4 + r]
    const L = [m[0], m[4], m[8], m[1], m[5], m[9], m[2], m[6], m[10]];
    const S = new Float64Array(9);
    const T = new Float64Array(9);
    for (let i = 0; i < n; i++) {
        const [x, y, z] = [textures.centers[4 * i], textures.centers[4 * i + 1], textures.centers[4 * i + 2]];
        centers[4 * i] = m[0] * x + m[4] * y + m[8] * z + m[12];
        centers[4 * i + 1] = m[1] * x + m[5] * y + m[9] * z + m[13];
        centers[4 * i + 2] = m[2] * x + m[6] * y + m[10] * z + m[14];
        const a = textures.covariancesA;
        const b = textures.covariancesB;
        S.set([a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 1], a[4 * i + 3], b[4 * i], a[4 * i + 2], b[4 * i], b[4 * i + 1]]);
        for (let r = 0; r < 3; r++) {
            for (let c = 0; c < 3; c++) {
                T[r * 3 + c] = L[r * 3] * S[c] + L[r * 3 + 1] * S[3 + c] + L[r * 3 + 2] * S[6 + c];
            }
        }
        const out = (r: number, c: number) => T[r * 3] * L[c * 3] + T[r * 3 + 1] * L[c * 3 + 1] + T[r * 3 + 2] * L[c * 3 + 2];
        covariancesA.set([out(0, 0), out(0, 1), out(0, 2), out(1, 1)], 4 * i);
        covariancesB[4 * i] = out(1, 2);
        covariancesB[4 * i + 1] = out(2, 2);
    }
    return { centers, covariancesA, covariancesB, colors: new Float32Array(textures.colors) };
}

/**
 * Concatenates sets of Gaussians, each shifted by its own offset (for example several rest-pose heads laid out as
 * one static splat mesh).
 * @param parts the sets
 * @param offsets one xyz offset per set (default none)
 * @returns one set holding all of them, in order
 */
export function concatenateGaussians(parts: readonly GemGaussians[], offsets?: readonly ArrayLike<number>[]): GemGaussians {
    const count = parts.reduce((n, p) => n + p.count, 0);
    const result: GemGaussians = {
        count,
        positions: new Float32Array(3 * count),
        scales: new Float32Array(3 * count),
        rotations: new Float32Array(4 * count),
        opacities: new Float32Array(count),
        colors: new Float32Array(3 * count),
    };
    let at = 0;
    parts.forEach((part, p) => {
        const offset = offsets?.[p] ?? [0, 0, 0];
        for (let i = 0; i < part.count; i++) {
            for (let c = 0; c < 3; c++) {
                result.positions[3 * (at + i) + c] = part.positions[3 * i + c] + offset[c];
            }
        }
        result.scales.set(part.scales, 3 * at);
        result.rotations.set(part.rotations, 4 * at);
        result.opacities.set(part.opacities, at);
        result.colors.set(part.colors, 3 * at);
        at += part.count;
    });
    return result;
}
