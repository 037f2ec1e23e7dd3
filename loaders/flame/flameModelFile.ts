/**
 * Reads FLAME models from the npz conversions of the official pickles that open-source pipelines use
 * (keys of FLAME 2020 / 2023: v_template, f, shapedirs, posedirs, J_regressor, weights, kintree_table).
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { FlameModel } from "../../core/flame/FlameModel.js";
import { requireKind, type NdArray } from "../archives/ndArray.js";
import { NpzArrays, readNpz } from "../archives/npzArchive.js";
import type { InflateRaw } from "../archives/zipArchive.js";
import { requireFinite, requireWithin } from "../../core/errors/requireFinite.js";

/** Keys a FLAME npz must have. */
export const FlameRequiredKeys = ["v_template", "f", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table"] as const;
/** Keys read when present. */
export const FlameOptionalKeys = ["n_shape", "n_expr", "J", "l_eyelid", "r_eyelid"] as const;

/** Landmark embedding key pairs (face indices, barycentric coordinates) and the name each is exposed under. */
export const FlameLandmarkKeys: readonly { name: string; faces: string; barycentric: readonly string[] }[] = [
    { name: "lmk", faces: "lmk_faces_idx", barycentric: ["lmk_b_coords", "lmk_bary_coords"] },
    { name: "static_lmk", faces: "static_lmk_faces_idx", barycentric: ["static_lmk_bary_coords"] },
    { name: "full_lmk", faces: "full_lmk_faces_idx", barycentric: ["full_lmk_bary_coords"] },
];

/** Options of {@link flameModelFromArrays}. */
export interface FlameModelOptions {
    /**
     * How many of `shapedirs`' components are identity shape; the rest are expression. Default: the file's `n_shape`
     * key, else 300 when there are 400 components (the layout of every official FLAME release).
     */
    shapeCount?: number;
    /** File name for errors. */
    fileName?: string;
}

/** Result: the model and the keys that were not used. */
export interface FlameModelRead {
    model: FlameModel;
    ignoredKeys: string[];
}

function toFloat32(array: NdArray): Float32Array {
    return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as ArrayLike<number>);
}

/**
 * Builds a FLAME model from named arrays.
 * @param arrays arrays by key
 * @param options component split and file name
 * @returns the model and the unused keys
 */
export function flameModelFromArrays(arrays: ReadonlyMap<string, NdArray>, options: FlameModelOptions = {}): FlameModelRead {
    const fileName = options.fileName ?? "flame.npz";
    for (const key of FlameRequiredKeys) {
        if (!arrays.has(key)) {
            throw new GemFormatError("invalid-descriptor", fileName, key, "present (a FLAME model npz)", `missing; keys: ${[...arrays.keys()].join(", ")}`);
        }
    }
    const get = (key: string) => arrays.get(key)!;
    for (const key of ["v_template", "shapedirs", "posedirs", "J_regressor", "weights", "l_eyelid", "r_eyelid", "J"]) {
        if (arrays.has(key)) {
            requireKind(get(key), "float", fileName, key);
        }
    }
    for (const key of ["f", "kintree_table", "n_shape", "n_expr"]) {
        if (arrays.has(key)) {
            requireKind(get(key), "integer", fileName, key);
        }
    }
    const shapeOf = (key: string, rank: number, expected: string) => {
        const shape = get(key).shape;
        if (shape.length !== rank) {
            throw new GemFormatError("size-mismatch", fileName, `${key}.shape`, expected, `(${shape.join(", ")})`);
        }
        return shape;
    };
    const [v, three] = shapeOf("v_template", 2, "(V, 3)");
    if (three !== 3) {
        throw new GemFormatError("size-mismatch", fileName, "v_template.shape", "(V, 3)", `(${v}, ${three})`);
    }
    const [sv, sc, total] = shapeOf("shapedirs", 3, "(V, 3, K)");
    if (sv !== v || sc !== 3) {
        throw new GemFormatError("size-mismatch", fileName, "shapedirs.shape", `(${v}, 3, K)`, `(${sv}, ${sc}, ${total})`);
    }
    const nShapeKey = arrays.get("n_shape")?.data[0];
    const shapeCount = options.shapeCount ?? (nShapeKey !== undefined ? Number(nShapeKey) : total === 400 ? 300 : undefined);
    if (shapeCount === undefined || !Number.isInteger(shapeCount) || shapeCount < 0 || shapeCount > total) {
        throw new GemFormatError(
            "invalid-descriptor",
            fileName,
            "shapedirs",
            "400 components (300 shape + 100 expression), an n_shape key, or the shapeCount option",
            `${total} components`
        );
    }
    const nExprKey = arrays.get("n_expr")?.data[0];
    if (nExprKey !== undefined && Number(nExprKey) !== total - shapeCount) {
        throw new GemFormatError("size-mismatch", fileName, "n_expr", total - shapeCount, Number(nExprKey));
    }
    const [jr, jv] = shapeOf("J_regressor", 2, "(J, V)");
    if (jv !== v) {
        throw new GemFormatError("size-mismatch", fileName, "J_regressor.shape", `(J, ${v})`, `(${jr}, ${jv})`);
    }
    const [wv, wj] = shapeOf("weights", 2, "(V, J)");
    if (wv !== v || wj !== jr) {
        throw new GemFormatError("size-mismatch", fileName, "weights.shape", `(${v}, ${jr})`, `(${wv}, ${wj})`);
    }
    const [kt, kj] = shapeOf("kintree_table", 2, "(2, J)");
    if (kt !== 2 || kj !== jr) {
        throw new GemFormatError("size-mismatch", fileName, "kintree_table.shape", `(2, ${jr})`, `(${kt}, ${kj})`);
    }
    const [pv, pc, pf] = shapeOf("posedirs", 3, "(V, 3, 9(J−1))");
    if (pv !== v || pc !== 3 || pf !== 9 * (jr - 1)) {
        throw new GemFormatError("size-mismatch", fileName, "posedirs.shape", `(${v}, 3, ${9 * (jr - 1)})`, `(${pv}, ${pc}, ${pf})`);
    }
    const [, fc] = shapeOf("f", 2, "(F, 3)");
    if (fc !== 3) {
        throw new GemFormatError("size-mismatch", fileName, "f.shape", "(F, 3)", `(${get("f").shape.join(", ")})`);
    }
    for (const key of ["v_template", "shapedirs", "posedirs", "J_regressor", "weights", "l_eyelid", "r_eyelid"].filter((k) => arrays.has(k))) {
        // After the cast to float32: a float64 value beyond float32's range is as broken as an infinity, and a finite
        // value beyond the key's physical range (3.4e38 in v_template) overflows the posed mesh.
        requireWithin(toFloat32(get(key)), key === "J_regressor" || key === "weights" ? FlameModelRanges.maxWeight : FlameModelRanges.maxCoordinate, fileName, key);
    }
    // (V, 3, K) → component-major (K, V·3), the layout the forward pass streams.
    const transpose = (source: Float32Array, components: number, first: number, count: number) => {
        const out = new Float32Array(count * v * 3);
        for (let i = 0; i < v * 3; i++) {
            for (let k = 0; k < count; k++) {
                out[k * v * 3 + i] = source[i * components + first + k];
            }
        }
        return out;
    };
    const shapedirs = toFloat32(get("shapedirs"));
    const posedirs = toFloat32(get("posedirs"));
    const parents = Int32Array.from(get("kintree_table").data.subarray(0, jr) as ArrayLike<number>);
    // The pickles store the root's parent as a large unsigned sentinel; FLAME code sets it to −1.
    parents[0] = -1;
    const known = new Set<string>([...FlameRequiredKeys, ...FlameOptionalKeys]);
    let eyelidDirections: Float32Array | undefined;
    if (arrays.has("l_eyelid") || arrays.has("r_eyelid")) {
        const left = arrays.get("l_eyelid");
        const right = arrays.get("r_eyelid");
        if (!left || !right || left.data.length !== v * 3 || right.data.length !== v * 3) {
            throw new GemFormatError(
                "size-mismatch",
                fileName,
                "l_eyelid / r_eyelid",
                `both present with shape (${v}, 3)`,
                `${left?.shape.join("×") ?? "missing"} and ${right?.shape.join("×") ?? "missing"}`
            );
        }
        eyelidDirections = new Float32Array(2 * v * 3);
        eyelidDirections.set(toFloat32(left));
        eyelidDirections.set(toFloat32(right), v * 3);
    }
    const landmarks: Record<string, { faceIndices: Uint32Array; barycentric: Float32Array }> = {};
    for (const { name, faces, barycentric } of FlameLandmarkKeys) {
        const faceArray = arrays.get(faces);
        const baryKey = barycentric.find((k) => arrays.has(k));
        if (faceArray && baryKey) {
            requireKind(faceArray, "integer", fileName, faces);
            requireKind(arrays.get(baryKey)!, "float", fileName, baryKey);
            requireFinite(toFloat32(arrays.get(baryKey)!), fileName, baryKey);
            landmarks[name] = { faceIndices: Uint32Array.from(faceArray.data as ArrayLike<number>), barycentric: toFloat32(arrays.get(baryKey)!).slice() };
            known.add(faces);
            known.add(baryKey);
        }
    }
    const model = new FlameModel({
        template: toFloat32(get("v_template")).slice(),
        faces: Uint32Array.from(get("f").data as ArrayLike<number>),
        shapeDirections: transpose(shapedirs, total, 0, shapeCount),
        expressionDirections: transpose(shapedirs, total, shapeCount, total - shapeCount),
        poseDirections: transpose(posedirs, pf, 0, pf),
        jointRegressor: toFloat32(get("J_regressor")).slice(),
        weights: toFloat32(get("weights")).slice(),
        parents,
        eyelidDirections,
        landmarks,
        fileName,
    });
    const nonNumeric = arrays instanceof NpzArrays ? [...arrays.ignored.keys()] : [];
    return { model, ignoredKeys: [...[...arrays.keys()].filter((k) => !known.has(k)), ...nonNumeric] };
}

/**
 * Physical ranges of a FLAME model's arrays: vertex coordinates and displacements per unit coefficient (`v_template`,
 * `shapedirs`, `posedirs`, eyelid blendshapes) within ±1000 model units (FLAME uses metres); joint-regressor and skinning
 * weights within ±10 (they are in [0, 1] and sum to 1). Beyond them a file is refused as `out-of-range`.
 */
export const FlameModelRanges = { maxCoordinate: 1000, maxWeight: 10 } as const;

/**
 * Parses a FLAME npz.
 * @param bytes file contents
 * @param fileName for errors
 * @param options component split
 * @param inflate decoder for np.savez_compressed files
 * @returns the model and the unused keys
 */
export function parseFlameNpz(bytes: Uint8Array, fileName: string, options: FlameModelOptions = {}, inflate: InflateRaw | null = null): FlameModelRead {
    return flameModelFromArrays(readNpz(bytes, fileName, inflate), { ...options, fileName });
}
