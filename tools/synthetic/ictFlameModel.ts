/**
 * A head-shaped model in the FLAME layout derived from ICT-FaceKit (MIT), for the FLAME sample: ICT's face, head and
 * eyeballs as the template; ICT identity modes as shape directions; ICT's ARKit-named expression shapes (less those
 * FLAME does with joints or eyelid shapes) as expression directions; FLAME's five joints (root, neck, jaw, eyes) placed
 * in the scan with skinning weights from the data itself (the jaw weight of a vertex is how far it follows ICT's
 * jawOpen shape); ICT's blinks as FLAME eyelid shapes; no pose correctives; the 68 Multi-PIE landmarks as a landmark
 * embedding. And a FLAME track made from the ARKit talking track through the same correspondence.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { createArkitToFlameMap } from "../../core/animation/arkitToFlameMap.js";
import { createFlameTrack, type FlameTrack } from "../../core/flame/flameTrack.js";
import { toHalfArray } from "../../core/halfFloat.js";
import { writeNpz, type NpyInput } from "../writers/npzWriter.js";
import { ictExpressionWeights, ictVertices, type IctFaceKit } from "./ictHead.js";

/** ICT parts in the template. */
const templateParts = ["face", "head_and_neck", "eyeball_left", "eyeball_right"];

/** ARKit shapes FLAME does with joints (jaw, eyes) or its eyelid shapes: not expression directions. */
const jointDriven = new Set(["jawOpen", "jawLeft", "jawRight", "eyeBlinkLeft", "eyeBlinkRight", ...ArkitBlendshapeNames.filter((n) => n.startsWith("eyeLook"))]);

/** ARKit names of the expression directions, in order. */
export function ictFlameExpressionNames(kit: IctFaceKit): string[] {
    return ArkitBlendshapeNames.filter((name) => kit.arkitNames.includes(name) && !jointDriven.has(name));
}

/** Identity modes used as shape directions. */
export const IctFlameShapeCount = 10;

/**
 * Builds the arrays of the model (keys as in a FLAME npz).
 * @param kit ICT-FaceKit
 * @returns key → array
 */
export function createIctFlameArrays(kit: IctFaceKit): Record<string, NpyInput> {
    // Vertices of the template parts, renumbered; triangles whose corners are all kept.
    const keep = new Int32Array(kit.vertexCount).fill(-1);
    const kept: number[] = [];
    for (const part of templateParts) {
        const [start, end] = kit.parts.get(part)!.vertices;
        for (let v = start; v < end; v++) {
            keep[v] = kept.length;
            kept.push(v);
        }
    }
    const faces: number[] = [];
    for (const part of templateParts) {
        const [start, end] = kit.parts.get(part)!.triangles;
        for (let t = start; t < end; t++) {
            const ids = [kit.faces[3 * t], kit.faces[3 * t + 1], kit.faces[3 * t + 2]].map((v) => keep[v]);
            if (ids.every((v) => v >= 0)) {
                faces.push(...ids);
            }
        }
    }
    const v = kept.length;
    const neutral = ictVertices(kit, [], null);
    const template = new Float64Array(3 * v);
    kept.forEach((source, i) => template.set(neutral.subarray(3 * source, 3 * source + 3), 3 * i));
    const arkit = new Float32Array(52);
    const shapeOf = (name: string) => {
        arkit.fill(0);
        arkit[ArkitBlendshapeNames.indexOf(name)] = 1;
        const posed = ictVertices(kit, [], ictExpressionWeights(kit, arkit));
        const delta = new Float32Array(3 * v);
        kept.forEach((source, i) => {
            for (let c = 0; c < 3; c++) {
                delta[3 * i + c] = posed[3 * source + c] - neutral[3 * source + c];
            }
        });
        return delta;
    };
    const expressionNames = ictFlameExpressionNames(kit);
    const total = IctFlameShapeCount + expressionNames.length;
    const shapedirs = new Float32Array(v * 3 * total);
    for (let k = 0; k < IctFlameShapeCount; k++) {
        const base = k * kit.vertexCount * 3;
        kept.forEach((source, i) => {
            for (let c = 0; c < 3; c++) {
                shapedirs[(3 * i + c) * total + k] = kit.identityDeltas[base + 3 * source + c];
            }
        });
    }
    expressionNames.forEach((name, e) => {
        const delta = shapeOf(name);
        for (let i = 0; i < 3 * v; i++) {
            shapedirs[i * total + IctFlameShapeCount + e] = delta[i];
        }
    });
    // Joints: root and neck in the neck (as the default heads pivot), the jaw hinge in front of the ears, the eyes at
    // their eyeballs' centres.
    const landmark = (i: number) => Array.from(neutral.subarray(3 * kit.landmarks68[i], 3 * kit.landmarks68[i] + 3));
    const [l0, l16] = [landmark(0), landmark(16)];
    const eyeCentre = (part: string) => {
        const [start, end] = kit.parts.get(part)!.vertices;
        const c = [0, 0, 0];
        for (let s = start; s < end; s++) {
            for (let k = 0; k < 3; k++) {
                c[k] += neutral[3 * s + k] / (end - start);
            }
        }
        return c;
    };
    // +X is the subject's left: FLAME's eye joints are left (3) then right (4).
    const joints = [[0, -0.105, -0.03], [0, -0.06, -0.018], [0, (l0[1] + l16[1]) / 2 - 0.02, (l0[2] + l16[2]) / 2 - 0.02], eyeCentre("eyeball_left"), eyeCentre("eyeball_right")];
    // Each joint an affine combination of four template vertices around it (nearest along -x, +x, +y, +z), solved so
    // that the regressor gives the target exactly on the neutral head and moves with the shape.
    const regressor = new Float32Array(5 * v);
    joints.forEach((target, j) => {
        const directions = [
            [-1, 0, 0],
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
        ];
        const chosen = directions.map((d) => {
            let best = -1;
            let bestScore = Infinity;
            for (let i = 0; i < v; i++) {
                const e = [template[3 * i] - target[0], template[3 * i + 1] - target[1], template[3 * i + 2] - target[2]];
                const along = e[0] * d[0] + e[1] * d[1] + e[2] * d[2];
                const distance = Math.hypot(e[0], e[1], e[2]);
                if (along > 0.7 * distance && distance < bestScore) {
                    best = i;
                    bestScore = distance;
                }
            }
            return best;
        });
        // Solve [v_a v_b v_c v_d; 1 1 1 1] w = [target; 1].
        const a = [0, 1, 2, 3].map((row) => chosen.map((i) => (row < 3 ? template[3 * i + row] : 1)));
        const b = [...target, 1];
        for (let col = 0; col < 4; col++) {
            let pivot = col;
            for (let row = col + 1; row < 4; row++) {
                if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
                    pivot = row;
                }
            }
            [a[col], a[pivot]] = [a[pivot], a[col]];
            [b[col], b[pivot]] = [b[pivot], b[col]];
            for (let row = 0; row < 4; row++) {
                if (row !== col) {
                    const f = a[row][col] / a[col][col];
                    for (let k = col; k < 4; k++) {
                        a[row][k] -= f * a[col][k];
                    }
                    b[row] -= f * b[col];
                }
            }
        }
        chosen.forEach((i, k) => (regressor[j * v + i] += b[k] / a[k][k]));
    });
    // Skinning: eyeballs to their eye joints; the jaw weight is how far a vertex follows jawOpen (relative to the chin);
    // the lower neck blends to the root; the rest is the head (neck joint).
    const jaw = shapeOf("jawOpen");
    let chin = 0;
    for (let i = 0; i < v; i++) {
        chin = Math.max(chin, Math.hypot(jaw[3 * i], jaw[3 * i + 1], jaw[3 * i + 2]));
    }
    const weights = new Float32Array(5 * v);
    const [leftEye, rightEye] = ["eyeball_left", "eyeball_right"].map((part) => kit.parts.get(part)!.vertices);
    kept.forEach((source, i) => {
        const w = [0, 0, 0, 0, 0];
        if (source >= leftEye[0] && source < leftEye[1]) {
            w[3] = 1;
        } else if (source >= rightEye[0] && source < rightEye[1]) {
            w[4] = 1;
        } else {
            const y = template[3 * i + 1];
            w[0] = Math.min(1, Math.max(0, (-0.11 - y) / 0.05));
            w[2] = (1 - w[0]) * Math.min(1, Math.hypot(jaw[3 * i], jaw[3 * i + 1], jaw[3 * i + 2]) / chin);
            w[1] = 1 - w[0] - w[2];
        }
        weights.set(w, 5 * i);
    });
    const eyelid = (name: string) => shapeOf(name);
    // Landmarks: each of the 68 vertex landmarks on a triangle that has it as first corner (barycentric 1, 0, 0).
    const lmkFaces = new Uint32Array(68);
    const lmkBary = new Float32Array(68 * 3);
    for (let l = 0; l < 68; l++) {
        const target = keep[kit.landmarks68[l]];
        const at = faces.findIndex((id, k) => id === target && k % 3 === 0);
        lmkFaces[l] = Math.floor((at >= 0 ? at : faces.indexOf(target)) / 3);
        const corner = faces.slice(3 * lmkFaces[l], 3 * lmkFaces[l] + 3).indexOf(target);
        lmkBary[3 * l + corner] = 1;
    }
    return {
        v_template: { descr: "<f8", shape: [v, 3], data: template },
        f: { descr: "<u4", shape: [faces.length / 3, 3], data: Uint32Array.from(faces) },
        shapedirs: { descr: "<f2", shape: [v, 3, total], data: toHalfArray(shapedirs) },
        posedirs: { descr: "<f2", shape: [v, 3, 36], data: new Uint16Array(v * 3 * 36) },
        J_regressor: { descr: "<f4", shape: [5, v], data: regressor },
        weights: { descr: "<f4", shape: [v, 5], data: weights },
        kintree_table: { descr: "<u4", shape: [2, 5], data: new Uint32Array([0xffffffff, 0, 1, 1, 1, 0, 1, 2, 3, 4]) },
        n_shape: { descr: "<i8", shape: [], data: new BigInt64Array([BigInt(IctFlameShapeCount)]) },
        n_expr: { descr: "<i8", shape: [], data: new BigInt64Array([BigInt(expressionNames.length)]) },
        l_eyelid: { descr: "<f4", shape: [v, 3], data: eyelid("eyeBlinkLeft") },
        r_eyelid: { descr: "<f4", shape: [v, 3], data: eyelid("eyeBlinkRight") },
        lmk_faces_idx: { descr: "<u4", shape: [68], data: lmkFaces },
        lmk_b_coords: { descr: "<f4", shape: [68, 3], data: lmkBary },
    };
}

/**
 * The model as a compressed npz.
 * @param kit ICT-FaceKit
 * @param deflate raw-deflate compressor (Node: zlib.deflateRawSync)
 * @returns file bytes
 */
export function createIctFlameNpz(kit: IctFaceKit, deflate: (data: Uint8Array) => Uint8Array): Uint8Array {
    return writeNpz(createIctFlameArrays(kit), deflate);
}

/**
 * A FLAME track for the model from ARKit frames: expression = the ARKit weights of its expression directions, jaw and
 * eyes and eyelids through the ARKit → FLAME map.
 * @param kit ICT-FaceKit
 * @param frames rows of 52 ARKit weights
 * @returns the track
 */
export function ictFlameTrack(kit: IctFaceKit, frames: readonly Float32Array[]): FlameTrack {
    const names = ictFlameExpressionNames(kit);
    const track = createFlameTrack(frames.length, names.length, null);
    const map = createArkitToFlameMap({ headRotation: "none" });
    const source = map.source.map((channel) => ArkitBlendshapeNames.indexOf(channel.slice("arkit/".length)));
    const input = new Float32Array(map.source.length);
    const output = new Float32Array(map.target.length);
    frames.forEach((row, t) => {
        names.forEach((name, e) => (track.expression[t * names.length + e] = row[ArkitBlendshapeNames.indexOf(name)]));
        source.forEach((a, i) => (input[i] = row[a]));
        map.apply(input, output);
        map.target.forEach((channel, i) => {
            const [, field, index] = channel.split("/");
            const width = field === "eyePose" ? 6 : field === "eyelids" ? 2 : 3;
            const target = track[field as "jawPose" | "eyePose" | "eyelids"];
            target[t * width + Number(index)] = output[i];
        });
    });
    return track;
}
