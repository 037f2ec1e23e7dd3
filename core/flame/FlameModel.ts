import { GemFormatError } from "../errors/GemFormatError.js";

/** Construction data of a {@link FlameModel}; every count is taken from the arrays. */
export interface FlameModelData {
    /** Mean template, V × 3, metres. */
    template: Float32Array;
    /** Triangles, F × 3 vertex indices. */
    faces: Uint32Array;
    /** Identity shape directions, component-major: index `k * V * 3 + v * 3 + c`. */
    shapeDirections: Float32Array;
    /** Expression directions, component-major like the shape directions. */
    expressionDirections: Float32Array;
    /** Pose-corrective directions, feature-major: index `p * V * 3 + v * 3 + c`, 9 · (J − 1) features. */
    poseDirections: Float32Array;
    /** Dense joint regressor, J × V. */
    jointRegressor: Float32Array;
    /** Skinning weights, V × J. */
    weights: Float32Array;
    /** Parent of each joint (−1 for the root). */
    parents: Int32Array;
    /** Optional eyelid blendshapes (left then right), 2 × V × 3, when the file carries `l_eyelid` / `r_eyelid`. */
    eyelidDirections?: Float32Array;
    /** Optional landmark embeddings by name: face index and barycentric coordinates of each landmark. */
    landmarks?: Record<string, FlameLandmarkEmbedding>;
    /** File name for errors. */
    fileName?: string;
}

/** Landmarks embedded in the mesh: point l = Σ_i bary[l][i] · vertex(faces[faceIndices[l]][i]). */
export interface FlameLandmarkEmbedding {
    /** Face of each landmark. */
    faceIndices: Uint32Array;
    /** Barycentric coordinates, 3 per landmark. */
    barycentric: Float32Array;
}

/** FLAME's five joints, in file order. */
export const FlameJointNames = ["global", "neck", "jaw", "leftEye", "rightEye"] as const;

/**
 * A FLAME-format morphable head model in memory, independent of any engine (the content of `generic_model.pkl`,
 * `flame2023.pkl` and their npz conversions, in the layouts the forward pass reads fastest).
 */
export class FlameModel {
    /** Vertices V. */
    public readonly vertexCount: number;
    /** Joints J (5 for FLAME). */
    public readonly jointCount: number;
    /** Identity shape components. */
    public readonly shapeCount: number;
    /** Expression components. */
    public readonly expressionCount: number;
    /** Pose-corrective features, 9 · (J − 1). */
    public readonly poseFeatureCount: number;
    /** The model data. */
    public readonly data: Readonly<FlameModelData>;

    /**
     * Checks that every array agrees with the counts the others imply.
     * @param data the arrays
     */
    constructor(data: FlameModelData) {
        const fileName = data.fileName ?? "FLAME model";
        const v = data.template.length / 3;
        if (!Number.isInteger(v) || v <= 0) {
            throw new GemFormatError("size-mismatch", fileName, "v_template", "V × 3 values", data.template.length);
        }
        const j = data.parents.length;
        const check = (field: string, actual: number, expected: number) => {
            if (actual !== expected) {
                throw new GemFormatError("size-mismatch", fileName, field, expected, actual);
            }
        };
        check("weights.length (V × J)", data.weights.length, v * j);
        check("J_regressor.length (J × V)", data.jointRegressor.length, j * v);
        check("posedirs.length (V × 3 × 9(J−1))", data.poseDirections.length, v * 3 * 9 * (j - 1));
        if (data.shapeDirections.length % (v * 3) !== 0 || data.expressionDirections.length % (v * 3) !== 0) {
            throw new GemFormatError(
                "size-mismatch",
                fileName,
                "shapedirs",
                `a multiple of V × 3 = ${v * 3}`,
                `${data.shapeDirections.length} + ${data.expressionDirections.length}`
            );
        }
        if (data.eyelidDirections && data.eyelidDirections.length !== 2 * v * 3) {
            throw new GemFormatError("size-mismatch", fileName, "l_eyelid / r_eyelid", `2 × (${v}, 3)`, data.eyelidDirections.length);
        }
        const faceCount = data.faces.length / 3;
        for (const [name, embedding] of Object.entries(data.landmarks ?? {})) {
            if (embedding.barycentric.length !== embedding.faceIndices.length * 3) {
                throw new GemFormatError("size-mismatch", fileName, `${name} barycentric coordinates`, embedding.faceIndices.length * 3, embedding.barycentric.length);
            }
            const bad = embedding.faceIndices.findIndex((f) => f >= faceCount);
            if (bad >= 0) {
                throw new GemFormatError("invalid-descriptor", fileName, `${name} face index [${bad}]`, `< ${faceCount}`, embedding.faceIndices[bad]);
            }
        }
        if (data.faces.length % 3 !== 0) {
            throw new GemFormatError("size-mismatch", fileName, "f", "F × 3 indices", data.faces.length);
        }
        for (let i = 0; i < data.faces.length; i++) {
            if (data.faces[i] >= v) {
                throw new GemFormatError("invalid-descriptor", fileName, `f[${i}]`, `a vertex index < ${v}`, data.faces[i]);
            }
        }
        for (let i = 0; i < j; i++) {
            const parent = data.parents[i];
            if (i === 0 ? parent !== -1 : parent < 0 || parent >= i) {
                throw new GemFormatError("invalid-descriptor", fileName, `kintree_table[0][${i}]`, i === 0 ? "-1 (root)" : `a parent index < ${i}`, parent);
            }
        }
        this.vertexCount = v;
        this.jointCount = j;
        this.shapeCount = data.shapeDirections.length / (v * 3);
        this.expressionCount = data.expressionDirections.length / (v * 3);
        this.poseFeatureCount = 9 * (j - 1);
        this.data = data;
    }
}
