/**
 * Our container for FLAME-rigged Gaussians: npz arrays `gaussians_binding` (N,) integer face indices,
 * `gaussians_xyz` (N, 3), `gaussians_scale` (N, 3) log relative scales, `gaussians_rotation` (N, 4) w x y z,
 * `gaussians_opacity` (N,) logits, `gaussians_f_dc` (N, 3) — the GaussianAvatars parametrisation, optionally in the
 * same npz as the FLAME model it is bound to.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { requireSoundRig, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { requireKind, type NdArray } from "../archives/ndArray.js";
import { requireFinite } from "../../core/errors/requireFinite.js";

/** Keys of the rig in the npz container, with values per Gaussian. */
export const RiggedGaussianKeys = { binding: 1, xyz: 3, scale: 3, rotation: 4, opacity: 1, f_dc: 3 } as const;

/**
 * Whether an npz holds a rig.
 * @param arrays arrays by key
 * @returns true when `gaussians_binding` is present
 */
export function hasRiggedGaussians(arrays: ReadonlyMap<string, NdArray>): boolean {
    return arrays.has("gaussians_binding");
}

/**
 * Reads the rig from npz arrays.
 * @param arrays arrays by key
 * @param fileName for errors
 * @param faceCount every binding must be below it
 * @returns the rig
 */
export function riggedGaussiansFromArrays(arrays: ReadonlyMap<string, NdArray>, fileName: string, faceCount: number): RiggedGaussians {
    const get = (key: keyof typeof RiggedGaussianKeys) => {
        const array = arrays.get(`gaussians_${key}`);
        if (!array) {
            throw new GemFormatError("invalid-descriptor", fileName, `gaussians_${key}`, "present (a rigged-Gaussian npz)", "missing");
        }
        return array;
    };
    requireKind(get("binding"), "integer", fileName, "gaussians_binding");
    for (const key of Object.keys(RiggedGaussianKeys).filter((k) => k !== "binding")) {
        requireKind(get(key as keyof typeof RiggedGaussianKeys), "float", fileName, `gaussians_${key}`);
    }
    const count = get("binding").data.length;
    for (const [key, width] of Object.entries(RiggedGaussianKeys)) {
        const length = get(key as keyof typeof RiggedGaussianKeys).data.length;
        if (length !== count * width) {
            throw new GemFormatError("size-mismatch", fileName, `gaussians_${key}`, `${count} × ${width} values`, length);
        }
    }
    const floats = (key: keyof typeof RiggedGaussianKeys) => {
        return requireFinite(Float32Array.from(get(key).data as ArrayLike<number>), fileName, `gaussians_${key}`);
    };
    const binding = Uint32Array.from(get("binding").data as ArrayLike<number>);
    const source = get("binding").data;
    for (let i = 0; i < count; i++) {
        if (source[i] !== binding[i] || binding[i] >= faceCount) {
            throw new GemFormatError("invalid-descriptor", fileName, `gaussians_binding[${i}]`, `a face index < ${faceCount}`, source[i]);
        }
    }
    return requireSoundRig(
        {
            count,
            binding,
            localPositions: floats("xyz"),
            localLogScales: floats("scale"),
            localRotations: floats("rotation"),
            opacityLogits: floats("opacity"),
            colorDc: floats("f_dc"),
        },
        fileName,
        "gaussians_"
    );
}
