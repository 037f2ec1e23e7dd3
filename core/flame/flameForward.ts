/**
 * CPU reference of the FLAME forward pass (plain TypeScript, no engine), in FLAME's exact order:
 * shape and expression offsets, joints regressed from the shaped mesh, pose correctives from the rotation features of
 * the non-root joints, linear blend skinning, translation.
 */
import type { FlameModel } from "./FlameModel.js";

/** FLAME parameters of one frame. Missing arrays mean zeros; shorter arrays leave the rest at zero. */
export interface FlameParameters {
    /** Identity shape β. */
    shape?: ArrayLike<number>;
    /** Expression ψ. */
    expression?: ArrayLike<number>;
    /** Root rotation (axis-angle, about the root joint, not the origin). */
    globalPose?: ArrayLike<number>;
    /** Neck rotation (axis-angle). */
    neckPose?: ArrayLike<number>;
    /** Jaw rotation (axis-angle). */
    jawPose?: ArrayLike<number>;
    /** Left then right eye rotations (6 values). */
    eyePose?: ArrayLike<number>;
    /** Translation added after skinning. */
    translation?: ArrayLike<number>;
    /**
     * Eyelid closure, left then right, for models carrying eyelid blendshapes. Added with the expression, before
     * skinning (see docs/FORMAT.md §4 for how this relates to metrical-tracker's post-skinning addition).
     */
    eyelids?: ArrayLike<number>;
}

/** Result of a forward pass. */
export interface FlameForwardResult {
    /** Posed vertices, V × 3. */
    vertices: Float32Array;
    /** Shaped mesh before pose correctives and skinning (template + shape + expression), V × 3. */
    shapedVertices: Float32Array;
    /** Rest joints regressed from the shaped mesh, J × 3. */
    joints: Float32Array;
    /** Skinning transforms A_j (rest joint removed), J × 16, row-major 3 × 4 rows then [0 0 0 1]. */
    transforms: Float32Array;
    /** Pose-corrective features, 9 · (J − 1). */
    poseFeatures: Float32Array;
}

/**
 * Rodrigues' formula, as FLAME's `batch_rodrigues`: θ = ‖r + 1e-8‖.
 * @param r axis-angle vector
 * @param out 3 × 3 row-major rotation
 * @returns out
 */
export function rodrigues(r: ArrayLike<number>, out = new Float64Array(9)): Float64Array {
    const angle = Math.hypot(r[0] + 1e-8, r[1] + 1e-8, r[2] + 1e-8);
    const x = r[0] / angle;
    const y = r[1] / angle;
    const z = r[2] / angle;
    const s = Math.sin(angle);
    const c = 1 - Math.cos(angle);
    // R = I + sin θ K + (1 − cos θ) K², K the skew matrix of the unit axis.
    out[0] = 1 + c * (-y * y - z * z);
    out[1] = -s * z + c * x * y;
    out[2] = s * y + c * x * z;
    out[3] = s * z + c * x * y;
    out[4] = 1 + c * (-x * x - z * z);
    out[5] = -s * x + c * y * z;
    out[6] = -s * y + c * x * z;
    out[7] = s * x + c * y * z;
    out[8] = 1 + c * (-x * x - y * y);
    return out;
}

/**
 * Joint rotations as FLAME orders them: [global, neck, jaw, leftEye, rightEye] (3 values each).
 * @param model the model (its joint count)
 * @param p parameters
 * @returns J × 3 axis-angle values
 */
export function flamePoseVector(model: FlameModel, p: FlameParameters): Float64Array {
    const pose = new Float64Array(model.jointCount * 3);
    const put = (values: ArrayLike<number> | undefined, offset: number, max: number) => {
        for (let i = 0; values && i < Math.min(values.length, max) && offset + i < pose.length; i++) {
            pose[offset + i] = values[i];
        }
    };
    put(p.globalPose, 0, 3);
    put(p.neckPose, 3, 3);
    put(p.jawPose, 6, 3);
    put(p.eyePose, 9, 6);
    return pose;
}

/**
 * The shaped mesh: template + shape and expression offsets.
 * @param model the model
 * @param shape β
 * @param expression ψ
 * @returns V × 3 vertices
 */
export function flameShapedVertices(model: FlameModel, shape?: ArrayLike<number>, expression?: ArrayLike<number>, eyelids?: ArrayLike<number>): Float32Array {
    const { template, shapeDirections, expressionDirections } = model.data;
    const n = template.length;
    const out = new Float64Array(template);
    const accumulate = (directions: Float32Array, count: number, coefficients?: ArrayLike<number>) => {
        for (let k = 0; coefficients && k < Math.min(count, coefficients.length); k++) {
            const w = coefficients[k];
            if (w !== 0) {
                const base = k * n;
                for (let i = 0; i < n; i++) {
                    out[i] += w * directions[base + i];
                }
            }
        }
    };
    accumulate(shapeDirections, model.shapeCount, shape);
    accumulate(expressionDirections, model.expressionCount, expression);
    if (model.data.eyelidDirections) {
        accumulate(model.data.eyelidDirections, 2, eyelids);
    }
    return Float32Array.from(out);
}

/**
 * Joints regressed from a shaped mesh.
 * @param model the model
 * @param shaped V × 3 vertices
 * @returns J × 3 joints
 */
export function flameJoints(model: FlameModel, shaped: Float32Array): Float32Array {
    const { jointRegressor } = model.data;
    const v = model.vertexCount;
    const joints = new Float32Array(model.jointCount * 3);
    for (let j = 0; j < model.jointCount; j++) {
        let x = 0;
        let y = 0;
        let z = 0;
        for (let i = 0; i < v; i++) {
            const w = jointRegressor[j * v + i];
            if (w !== 0) {
                x += w * shaped[3 * i];
                y += w * shaped[3 * i + 1];
                z += w * shaped[3 * i + 2];
            }
        }
        joints[3 * j] = x;
        joints[3 * j + 1] = y;
        joints[3 * j + 2] = z;
    }
    return joints;
}

/**
 * Skinning transforms of the kinematic chain: G_0 = [R_0 | J_0], G_j = G_parent · [R_j | J_j − J_parent],
 * A_j = G_j with the rest joint removed (translation t_j − R_j^world · J_j).
 * @param model the model (parents)
 * @param rotations J × 9 row-major rotations
 * @param joints J × 3 rest joints
 * @returns J × 16 row-major matrices
 */
export function flameSkinningTransforms(model: FlameModel, rotations: Float64Array, joints: Float32Array): Float32Array {
    const jCount = model.jointCount;
    const global = new Float64Array(jCount * 12);
    for (let j = 0; j < jCount; j++) {
        const parent = model.data.parents[j];
        const r = rotations.subarray(9 * j, 9 * j + 9);
        const t = [joints[3 * j], joints[3 * j + 1], joints[3 * j + 2]];
        if (parent >= 0) {
            t[0] -= joints[3 * parent];
            t[1] -= joints[3 * parent + 1];
            t[2] -= joints[3 * parent + 2];
        }
        const g = global.subarray(12 * j, 12 * j + 12);
        if (parent < 0) {
            for (let row = 0; row < 3; row++) {
                g[4 * row] = r[3 * row];
                g[4 * row + 1] = r[3 * row + 1];
                g[4 * row + 2] = r[3 * row + 2];
                g[4 * row + 3] = t[row];
            }
        } else {
            const p = global.subarray(12 * parent, 12 * parent + 12);
            for (let row = 0; row < 3; row++) {
                for (let col = 0; col < 3; col++) {
                    g[4 * row + col] = p[4 * row] * r[col] + p[4 * row + 1] * r[3 + col] + p[4 * row + 2] * r[6 + col];
                }
                g[4 * row + 3] = p[4 * row] * t[0] + p[4 * row + 1] * t[1] + p[4 * row + 2] * t[2] + p[4 * row + 3];
            }
        }
    }
    const out = new Float32Array(jCount * 16);
    for (let j = 0; j < jCount; j++) {
        const g = global.subarray(12 * j, 12 * j + 12);
        const jx = joints[3 * j];
        const jy = joints[3 * j + 1];
        const jz = joints[3 * j + 2];
        for (let row = 0; row < 3; row++) {
            out[16 * j + 4 * row] = g[4 * row];
            out[16 * j + 4 * row + 1] = g[4 * row + 1];
            out[16 * j + 4 * row + 2] = g[4 * row + 2];
            out[16 * j + 4 * row + 3] = g[4 * row + 3] - (g[4 * row] * jx + g[4 * row + 1] * jy + g[4 * row + 2] * jz);
        }
        out[16 * j + 15] = 1;
    }
    return out;
}

/**
 * The full forward pass.
 * @param model the model
 * @param p parameters
 * @returns posed vertices and intermediate results
 */
export function flameForward(model: FlameModel, p: FlameParameters): FlameForwardResult {
    const v = model.vertexCount;
    const jCount = model.jointCount;
    const shaped = flameShapedVertices(model, p.shape, p.expression, p.eyelids);
    const joints = flameJoints(model, shaped);
    const pose = flamePoseVector(model, p);
    const rotations = new Float64Array(jCount * 9);
    for (let j = 0; j < jCount; j++) {
        rodrigues(pose.subarray(3 * j, 3 * j + 3), rotations.subarray(9 * j, 9 * j + 9));
    }
    const features = new Float32Array(model.poseFeatureCount);
    for (let j = 1; j < jCount; j++) {
        for (let i = 0; i < 9; i++) {
            features[9 * (j - 1) + i] = rotations[9 * j + i] - (i % 4 === 0 ? 1 : 0);
        }
    }
    const posed = new Float64Array(shaped);
    const { poseDirections, weights } = model.data;
    for (let f = 0; f < features.length; f++) {
        const w = features[f];
        if (w !== 0) {
            const base = f * v * 3;
            for (let i = 0; i < v * 3; i++) {
                posed[i] += w * poseDirections[base + i];
            }
        }
    }
    const transforms = flameSkinningTransforms(model, rotations, joints);
    const vertices = new Float32Array(v * 3);
    const t = p.translation ?? [0, 0, 0];
    const blended = new Float64Array(12);
    for (let i = 0; i < v; i++) {
        blended.fill(0);
        for (let j = 0; j < jCount; j++) {
            const w = weights[i * jCount + j];
            if (w !== 0) {
                for (let e = 0; e < 12; e++) {
                    blended[e] += w * transforms[16 * j + e];
                }
            }
        }
        const x = posed[3 * i];
        const y = posed[3 * i + 1];
        const z = posed[3 * i + 2];
        for (let row = 0; row < 3; row++) {
            vertices[3 * i + row] = blended[4 * row] * x + blended[4 * row + 1] * y + blended[4 * row + 2] * z + blended[4 * row + 3] + (t[row] ?? 0);
        }
    }
    return { vertices, shapedVertices: shaped, joints, transforms, poseFeatures: features };
}

/**
 * Landmarks on a (posed) mesh from an embedding.
 * @param model the model (faces and embeddings)
 * @param vertices V × 3 vertices
 * @param name embedding name (for example `lmk`, `static_lmk`, `full_lmk`)
 * @returns L × 3 points
 */
export function flameLandmarks(model: FlameModel, vertices: ArrayLike<number>, name: string): Float32Array {
    const embedding = model.data.landmarks?.[name];
    if (!embedding) {
        throw new RangeError(`flameLandmarks: no landmark embedding "${name}" (have: ${Object.keys(model.data.landmarks ?? {}).join(", ") || "none"})`);
    }
    const faces = model.data.faces;
    const count = embedding.faceIndices.length;
    const out = new Float32Array(count * 3);
    for (let l = 0; l < count; l++) {
        const f = embedding.faceIndices[l];
        for (let k = 0; k < 3; k++) {
            const v = faces[3 * f + k];
            const w = embedding.barycentric[3 * l + k];
            out[3 * l] += w * vertices[3 * v];
            out[3 * l + 1] += w * vertices[3 * v + 1];
            out[3 * l + 2] += w * vertices[3 * v + 2];
        }
    }
    return out;
}
