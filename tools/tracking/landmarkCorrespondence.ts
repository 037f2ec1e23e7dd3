/**
 * The correspondence from MediaPipe's 478 face-mesh landmarks to the ICT-FaceKit surface, established once by
 * rendering the ICT head (jaw slightly open, so upper and lower lip landmarks land on their own lip) from the front,
 * detecting the landmarks, and casting each one's pixel back onto the mesh (nearest triangle under it, perspective-
 * correct barycentric coordinates). Checked by projecting the result into side views and comparing with the
 * detections there. `npm run make-tracking` writes samples/assets/tracking/.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { posedRiggedGaussians } from "../../core/flame/riggedGaussians.js";
import type { LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { openFrameRenderer } from "../distill/frameRenderer.js";
import { createIctHeadRig, ictExpressionWeights, ictLandmarkModel, ictVertices, IctHeadIdentities, type IctFaceKit } from "../synthetic/ictHead.js";
import type { FaceLandmarkDetector } from "./humanDetector.js";

/** Landmark → ICT triangle and barycentric coordinates. */
export interface LandmarkCorrespondence {
    /** Where it came from. */
    source: string;
    /** Per landmark: triangle index into ICT's faces, then 3 barycentric coordinates. */
    landmarks: [number, number, number, number][];
    /** Reprojection check in side views (pixels at 512²). */
    check: { yaw: number; meanPx: number; medianPx: number; p90Px: number; maxPx: number }[];
}

/** The renderer's camera (tools/distill/page/gaussianRenderPage.ts): vertical fov 0.8 rad, target y −0.005. */
const fov = 0.8;
const targetY = -0.005;

/** Projects a model point (right-handed, face toward +z) as the render page's camera sees it from a yaw. */
function project(p: ArrayLike<number>, size: number, distance: number, yaw: number): [number, number, number] {
    // The page mirrors z (scaling.z = −1) and orbits the camera: world = (x, y, −z); camera at (d sin yaw, −0.005, −d cos yaw).
    const wx = p[0];
    const wy = p[1];
    const wz = -p[2];
    const cx = distance * Math.sin(yaw);
    const cz = -distance * Math.cos(yaw);
    // Camera axes (left-handed, looking at the target).
    const forward = [-cx, 0, -cz];
    const fl = Math.hypot(forward[0], forward[2]);
    const f = [forward[0] / fl, 0, forward[2] / fl];
    const right = [f[2], 0, -f[0]];
    const d = [wx - cx, wy - targetY, wz - cz];
    const depth = d[0] * f[0] + d[2] * f[2];
    const x = d[0] * right[0] + d[2] * right[2];
    const y = d[1];
    const focal = size / 2 / Math.tan(fov / 2);
    return [size / 2 + (x / depth) * focal, size / 2 - (y / depth) * focal, depth];
}

/**
 * Establishes the correspondence.
 * @param kit ICT-FaceKit
 * @param detector the landmark detector
 * @param size render size
 * @returns the correspondence
 */
export async function buildLandmarkCorrespondence(kit: IctFaceKit, detector: FaceLandmarkDetector, size = 512): Promise<LandmarkCorrespondence> {
    const distance = 0.45;
    const head = { ...IctHeadIdentities[0], identity: [] };
    const rig = createIctHeadRig(kit, head);
    const arkit = new Float32Array(52);
    arkit[ArkitBlendshapeNames.indexOf("jawOpen")] = 0.2;
    const vertices = ictVertices(kit, [], ictExpressionWeights(kit, arkit));
    const renderer = await openFrameRenderer(size, size, distance);
    const views = [0, -0.35, 0.35];
    const detections: number[][] = [];
    try {
        for (const yaw of views) {
            const image = await renderer.render(posedRiggedGaussians(rig.rig, vertices, kit.faces), yaw);
            const { faces } = await detector.detect(image.png);
            if (faces.length !== 1 || faces[0].mesh.length !== 478 * 3) {
                throw new Error(`expected one face of 478 landmarks at yaw ${yaw}, found ${faces.length}`);
            }
            detections.push(faces[0].mesh);
        }
    } finally {
        await renderer.close();
    }
    // Triangles that can carry landmarks: the face, head and neck, and the eyeballs (irises).
    const triangles: number[] = [];
    for (const part of ["face", "head_and_neck", "eyeball_left", "eyeball_right"]) {
        const [start, end] = kit.parts.get(part)!.triangles;
        for (let t = start; t < end; t++) {
            triangles.push(t);
        }
    }
    const projected = new Float64Array(kit.vertexCount * 3);
    for (let v = 0; v < kit.vertexCount; v++) {
        projected.set(project(vertices.subarray(3 * v, 3 * v + 3), size, distance, 0), 3 * v);
    }
    const front = detections[0];
    const landmarks: [number, number, number, number][] = [];
    const eyeballs = triangles.filter((t) => t >= kit.parts.get("eyeball_left")!.triangles[0]);
    for (let l = 0; l < 478; l++) {
        const [u, v] = [front[3 * l], front[3 * l + 1]];
        // Iris landmarks (468–477) belong on the eyeballs, whatever lid geometry lies in front in the render.
        const candidates = l >= 468 ? eyeballs : triangles;
        let best: [number, number, number, number] | null = null;
        let bestDepth = Infinity;
        let nearest: [number, number, number, number] | null = null;
        let nearestDistance = Infinity;
        for (const t of candidates) {
            const ids = [kit.faces[3 * t], kit.faces[3 * t + 1], kit.faces[3 * t + 2]];
            const [a, b, c] = ids.map((id) => [projected[3 * id], projected[3 * id + 1], projected[3 * id + 2]]);
            const det = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1]);
            if (Math.abs(det) < 1e-12) {
                continue;
            }
            const l0 = ((b[1] - c[1]) * (u - c[0]) + (c[0] - b[0]) * (v - c[1])) / det;
            const l1 = ((c[1] - a[1]) * (u - c[0]) + (a[0] - c[0]) * (v - c[1])) / det;
            const l2 = 1 - l0 - l1;
            if (l0 >= 0 && l1 >= 0 && l2 >= 0) {
                // Perspective-correct barycentrics, and the depth under the pixel.
                const w = [l0 / a[2], l1 / b[2], l2 / c[2]];
                const sum = w[0] + w[1] + w[2];
                const depth = 1 / sum;
                if (depth < bestDepth) {
                    bestDepth = depth;
                    best = [t, w[0] / sum, w[1] / sum, w[2] / sum];
                }
            } else if (!best) {
                // Outside every triangle so far (a contour landmark just past the silhouette): keep the nearest centroid.
                const cu = (a[0] + b[0] + c[0]) / 3 - u;
                const cv = (a[1] + b[1] + c[1]) / 3 - v;
                const d = cu * cu + cv * cv + ((a[2] + b[2] + c[2]) / 3) * 1e-6;
                if (d < nearestDistance) {
                    nearestDistance = d;
                    nearest = [t, 1 / 3, 1 / 3, 1 / 3];
                }
            }
        }
        landmarks.push((best ?? nearest)!);
    }
    // Check: the correspondence's points in the side views against the detections there.
    const check = views.slice(1).map((yaw, k) => {
        const errors: number[] = [];
        landmarks.forEach(([t, b0, b1, b2], l) => {
            const p = [0, 0, 0];
            [b0, b1, b2].forEach((b, j) => {
                for (let c = 0; c < 3; c++) {
                    p[c] += b * vertices[3 * kit.faces[3 * t + j] + c];
                }
            });
            const [u, v] = project(p, size, distance, yaw);
            errors.push(Math.hypot(u - detections[k + 1][3 * l], v - detections[k + 1][3 * l + 1]));
        });
        const sorted = [...errors].sort((a, b) => a - b);
        const round = (x: number) => Math.round(x * 100) / 100;
        return {
            yaw,
            meanPx: round(errors.reduce((a, b) => a + b, 0) / errors.length),
            medianPx: round(sorted[sorted.length >> 1]),
            p90Px: round(sorted[Math.floor(sorted.length * 0.9)]),
            maxPx: round(sorted[sorted.length - 1]),
        };
    });
    return {
        source: "MediaPipe face mesh (478, with irises; @vladmandic/human's tfjs port) on the ICT-FaceKit head rendered from the front with jawOpen 0.2, cast back onto the mesh",
        landmarks: landmarks.map(([t, a, b, c]) => [t, Math.round(a * 1e6) / 1e6, Math.round(b * 1e6) / 1e6, Math.round(c * 1e6) / 1e6]),
        check,
    };
}

/**
 * The landmark blendshape model of ICT-FaceKit at the corresponded points (for the face solver).
 * @param kit the kit
 * @param correspondence landmark → triangle and barycentric coordinates
 * @returns the model: 478 landmarks, the 51 ARKit shapes ICT has, its identity modes
 */
export function ictLandmarkModelFromCorrespondence(kit: IctFaceKit, correspondence: LandmarkCorrespondence): LandmarkBlendshapeModel {
    return ictLandmarkModel(
        kit,
        correspondence.landmarks.map(([t, b0, b1, b2]) => [
            [kit.faces[3 * t], b0],
            [kit.faces[3 * t + 1], b1],
            [kit.faces[3 * t + 2], b2],
        ])
    );
}
