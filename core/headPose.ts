/**
 * The rigid head pose of a GEM avatar (pure math, no engine).
 *
 * GEM's bases live in a head frame without neck rotation and without global pose: upstream removes FLAME's neck
 * transform A₁ from every Gaussian before the PCA and re-applies it (or, at test time, the root transform) rigidly to
 * all Gaussians. The head pose here is that rigid transform, FLAME's kinematic chain up to the neck joint:
 *
 *   x' = R₀ R₁ (x − J₁) + R₀ (J₁ − J₀) + J₀ + t
 *
 * with R₀ = rodrigues(globalPose), R₁ = rodrigues(neckPose), J₀ and J₁ the root and neck joints of the avatar's
 * canonical FLAME mesh, t the FLAME translation. With a zero neck pose it is upstream's `root_RT` (rotation about
 * J₀, then translation).
 */
import { flameJoints, flameShapedVertices, rodrigues } from "./flame/flameForward.js";
import type { FlameModel } from "./flame/FlameModel.js";
import { GemFormatError } from "./errors/GemFormatError.js";

/** The FLAME joints a GEM head pose pivots about, in the model's frame (metres). */
export interface GemHeadJoints {
    /** Root joint J₀ (the global rotation pivots about it). */
    global: Float32Array;
    /** Neck joint J₁. */
    neck: Float32Array;
}

/** FLAME parameters that move a GEM head rigidly (axis-angle radians, metres); absent fields are zero. */
export interface GemHeadPose {
    /** FLAME global (root) rotation, 3 values. */
    globalPose?: ArrayLike<number>;
    /** FLAME neck rotation, 3 values. */
    neckPose?: ArrayLike<number>;
    /** FLAME translation, 3 values. */
    translation?: ArrayLike<number>;
}

/** The FLAME parameters of a head pose, each 3 values. */
export const GemHeadPoseFields = ["globalPose", "neckPose", "translation"] as const;

/**
 * A zero head pose to fill in.
 * @returns global pose, neck pose and translation, 3 zeros each
 */
export function createHeadPose(): Record<(typeof GemHeadPoseFields)[number], Float32Array> {
    return { globalPose: new Float32Array(3), neckPose: new Float32Array(3), translation: new Float32Array(3) };
}

const origin = new Float32Array(3);
const zero = [0, 0, 0];
/** Scratch rotations of {@link headPoseMatrix} (it runs every frame a head moves: no allocation there). */
const globalRotation = new Float64Array(9);
const neckRotation = new Float64Array(9);

/**
 * The head pose as a 4 × 4 matrix in FLAME's column-vector convention, row-major: x' = M · [x; 1].
 * @param pose global, neck and translation parameters
 * @param joints pivots (the origin for both when null)
 * @param out destination
 * @returns out
 */
export function headPoseMatrix(pose: GemHeadPose, joints: GemHeadJoints | null, out = new Float64Array(16)): Float64Array {
    const r0 = rodrigues(pose.globalPose ?? zero, globalRotation);
    const r1 = rodrigues(pose.neckPose ?? zero, neckRotation);
    const j0 = joints?.global ?? origin;
    const j1 = joints?.neck ?? origin;
    const t = pose.translation ?? zero;
    for (let row = 0; row < 3; row++) {
        for (let col = 0; col < 3; col++) {
            out[4 * row + col] = r0[3 * row] * r1[col] + r0[3 * row + 1] * r1[3 + col] + r0[3 * row + 2] * r1[6 + col];
        }
    }
    for (let row = 0; row < 3; row++) {
        const r = 4 * row;
        const neckOffset = r0[3 * row] * (j1[0] - j0[0]) + r0[3 * row + 1] * (j1[1] - j0[1]) + r0[3 * row + 2] * (j1[2] - j0[2]);
        out[r + 3] = -(out[r] * j1[0] + out[r + 1] * j1[1] + out[r + 2] * j1[2]) + neckOffset + j0[row] + t[row];
    }
    out[12] = out[13] = out[14] = 0;
    out[15] = 1;
    return out;
}

/**
 * Reads and checks the `flameJoints` metadata of a model: `{ "global": [x, y, z], "neck": [x, y, z] }`.
 * @param value the metadata value
 * @param fileName for errors
 * @returns the joints, or null when absent
 */
export function parseHeadJoints(value: unknown, fileName: string): GemHeadJoints | null {
    if (value === undefined) {
        return null;
    }
    if (typeof value !== "object" || value === null) {
        throw new GemFormatError("invalid-descriptor", fileName, "metadata.flameJoints", "an object { global: [x, y, z], neck: [x, y, z] }", JSON.stringify(value));
    }
    const read = (name: keyof GemHeadJoints): Float32Array => {
        const v = (value as Record<string, unknown>)[name];
        if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
            throw new GemFormatError("invalid-descriptor", fileName, `metadata.flameJoints.${name}`, "3 finite numbers", JSON.stringify(v));
        }
        return Float32Array.from(v as number[]);
    };
    return { global: read("global"), neck: read("neck") };
}

/**
 * The root and neck joints of an avatar's canonical FLAME mesh, which GEM's bases live around: FLAME's joint regressor
 * applied to the template plus the identity shape (expression zero) plus, for VHAP-tracked actors, the per-vertex
 * `static_offset` (VHAP's teeth vertices beyond the model's own are ignored: they carry no regressor weight).
 * @param model the FLAME model the avatar was tracked with
 * @param shape identity shape coefficients (extra ones beyond the model's count are ignored)
 * @param staticOffset per-vertex offsets, at least V × 3 values (VHAP's `static_offset`), or undefined
 * @param fileName for errors
 * @returns the joints
 */
export function canonicalHeadJoints(model: FlameModel, shape?: ArrayLike<number>, staticOffset?: ArrayLike<number>, fileName = "static_offset"): GemHeadJoints {
    const vertices = flameShapedVertices(model, shape);
    if (staticOffset) {
        if (staticOffset.length % 3 !== 0 || staticOffset.length < vertices.length) {
            throw new GemFormatError("size-mismatch", fileName, "static_offset", `at least ${model.vertexCount} × 3 values (one offset per FLAME vertex)`, staticOffset.length);
        }
        for (let i = 0; i < vertices.length; i++) {
            vertices[i] += staticOffset[i];
        }
    }
    const joints = flameJoints(model, vertices);
    return { global: joints.slice(0, 3), neck: joints.slice(3, 6) };
}

/**
 * The `flameJoints` metadata value of joints (micrometre precision).
 * @param joints the joints
 * @returns `{ global: [x, y, z], neck: [x, y, z] }`
 */
export function headJointsMetadata(joints: GemHeadJoints): { global: number[]; neck: number[] } {
    const micrometres = (values: Float32Array) => Array.from(values, (v) => Math.round(v * 1e6) / 1e6);
    return { global: micrometres(joints.global), neck: micrometres(joints.neck) };
}
