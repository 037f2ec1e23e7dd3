/**
 * A simulated personalisation capture with ground truth, for the tests and the bench: an ICT head of a random identity
 * with a known albedo (the default heads' colouring in other colours, times a procedural texture of freckle-sized spots),
 * turning its head and making a few expressions in front of the render page's camera (Chromium, Babylon's splat
 * pipeline). Each picture comes with the head's landmarks projected exactly through that camera (optionally with
 * detector-like noise), and held-out views are rendered the same way.
 */
import { posedRiggedGaussians, ShC0 } from "../../core/flame/riggedGaussians.js";
import type { GemGaussians } from "../../core/gemReconstruction.js";
import type { FrameRenderer, RenderedImage } from "../distill/frameRenderer.js";
import { performanceArkitWeights, stampPerformanceCode } from "../tracking/trackingPerformance.js";
import { encodeY4m } from "../writers/y4mWriter.js";
import { createRandom } from "../synthetic/syntheticModels.js";
import { fitSimilarity, type LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import {
    createIctHeadRig,
    ictExpressionWeights,
    ictLandmarkModel,
    ictVertices,
    IctHeadIdentities,
    type IctFaceKit,
    type IctHeadIdentity,
    type IctHeadRig,
} from "../synthetic/ictHead.js";
import { expressVertices } from "./personalAppearance.js";
import type { CaptureFrame } from "./personalHead.js";
import { surfacePoints, type SurfaceLandmark } from "./personalShape.js";

/** The render page's camera (tools/distill/page/gaussianRenderPage.ts): vertical fov 0.8 rad, aimed at y −0.005. */
export interface CaptureCamera {
    width: number;
    height: number;
    /** Distance from the head's centre, metres. */
    distance: number;
}

/** One held head pose of a capture. */
export interface CapturePose {
    /** Head yaw (the subject turns to their own left for positive), radians. */
    yaw: number;
    /** Head pitch (looks up for positive), radians. */
    pitch: number;
    /** ARKit weights by name (others 0). */
    weights?: Record<string, number>;
}

/** The capture: a slow turn left and right, up and down, then a few expressions. */
export const SimulatedCapturePoses: readonly CapturePose[] = [
    { yaw: 0, pitch: 0 },
    { yaw: 0.2, pitch: 0 },
    { yaw: 0.4, pitch: 0 },
    { yaw: 0.6, pitch: 0 },
    { yaw: -0.2, pitch: 0 },
    { yaw: -0.4, pitch: 0 },
    { yaw: -0.6, pitch: 0 },
    { yaw: 0, pitch: 0.25 },
    { yaw: 0.3, pitch: 0.2 },
    { yaw: -0.3, pitch: 0.2 },
    { yaw: 0, pitch: -0.2 },
    { yaw: 0.3, pitch: -0.15 },
    { yaw: -0.3, pitch: -0.15 },
    { yaw: 0.1, pitch: 0, weights: { mouthSmileLeft: 0.7, mouthSmileRight: 0.7 } },
    { yaw: -0.1, pitch: 0, weights: { jawOpen: 0.5 } },
    { yaw: 0, pitch: 0.05, weights: { browInnerUp: 0.7, browOuterUpLeft: 0.5, browOuterUpRight: 0.5 } },
    { yaw: 0.15, pitch: 0, weights: { eyeBlinkLeft: 1, eyeBlinkRight: 1 } },
    { yaw: -0.15, pitch: -0.05, weights: { mouthPucker: 0.7 } },
];

/** Held-out views: head poses the capture never held. */
export const HeldOutPoses: readonly CapturePose[] = [
    { yaw: 0.1, pitch: 0.1 },
    { yaw: -0.5, pitch: 0.1 },
    { yaw: 0.5, pitch: -0.1 },
    { yaw: 0.75, pitch: 0 },
];

/** Pivot of the head turns (ICT's neck joint, as the default heads'). */
const pivot = [0, -0.06, -0.018];

/**
 * Turns vertices about the neck: R = Ry(yaw) Rx(−pitch) (the face looks toward +z; positive pitch looks up).
 * @param vertices V × 3 (changed in place)
 * @param yaw radians
 * @param pitch radians
 * @returns vertices
 */
export function turnHead(vertices: Float32Array, yaw: number, pitch: number): Float32Array {
    const cy = Math.cos(yaw);
    const sy = Math.sin(yaw);
    const cp = Math.cos(-pitch);
    const sp = Math.sin(-pitch);
    for (let i = 0; i < vertices.length; i += 3) {
        const x = vertices[i] - pivot[0];
        const y = vertices[i + 1] - pivot[1];
        const z = vertices[i + 2] - pivot[2];
        // Rx(−pitch) then Ry(yaw).
        const y1 = cp * y - sp * z;
        const z1 = sp * y + cp * z;
        vertices[i] = cy * x + sy * z1 + pivot[0];
        vertices[i + 1] = y1 + pivot[1];
        vertices[i + 2] = -sy * x + cy * z1 + pivot[2];
    }
    return vertices;
}

/**
 * Projects a head-frame point as the render page's camera sees it (yaw 0): picture pixels x right, y down, and a
 * detector-like z (away from the camera, in the picture's pixels at the reference depth, 0 there; MediaPipe's z is "in
 * roughly the same scale as x").
 * @param p the point (ICT frame)
 * @param camera the camera
 * @param referenceZ head-frame z of the reference plane (the landmarks' mean z)
 * @returns [x, y, z]
 */
export function projectToPicture(p: ArrayLike<number>, camera: CaptureCamera, referenceZ = 0): [number, number, number] {
    // The page mirrors z (scaling.z = −1): world (x, y, −z); the camera at (0, −0.005, −d) looks toward +z.
    const depth = camera.distance - p[2];
    const reference = camera.distance - referenceZ;
    const focal = camera.height / 2 / Math.tan(0.4);
    return [camera.width / 2 + (p[0] / depth) * focal, camera.height / 2 - ((p[1] + 0.005) / depth) * focal, ((depth - reference) / reference) * focal];
}

/** A ground-truth head: identity, colours and its rig (with the texture). */
export interface GroundTruthHead {
    head: IctHeadIdentity;
    rig: IctHeadRig;
    /** V × 3 neutral vertices. */
    vertices: Float32Array;
}

/**
 * A random identity with random colours and a known texture.
 * @param kit the kit
 * @param seed random seed
 * @param gaussians Gaussians (default 18,000)
 * @returns the head
 */
export function randomGroundTruthHead(kit: IctFaceKit, seed: number, gaussians = 18000): GroundTruthHead {
    const random = createRandom(seed);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const identity = Array.from({ length: kit.identityCount }, () => Math.max(-2, Math.min(2, normal())));
    const tone = 0.45 + 0.45 * random();
    const head: IctHeadIdentity = {
        name: `ground-truth-${seed}`,
        label: `Ground truth ${seed}`,
        identity,
        skin: [tone + 0.08, tone * 0.78, tone * 0.66],
        lips: [tone * 0.85, tone * 0.45, tone * 0.45],
        iris: [0.15 + 0.4 * random(), 0.15 + 0.3 * random(), 0.1 + 0.3 * random()],
        hair: [0.1 + 0.5 * random(), 0.08 + 0.35 * random(), 0.05 + 0.2 * random()],
        seed: 1000 + seed,
    };
    const vertices = ictVertices(kit, identity, null);
    const rig = createIctHeadRig(kit, head, { gaussians });
    // The known texture: freckle-sized darker spots on a 7 mm lattice over the skin, at the Gaussians' rest positions.
    const rest = posedRiggedGaussians(rig.rig, vertices, kit.faces).positions;
    for (let i = 0; i < rig.rig.count; i++) {
        if (rig.parts[i] !== "skin") {
            continue;
        }
        const spot = Math.cos((rest[3 * i] * 2 * Math.PI) / 0.007) * Math.cos((rest[3 * i + 1] * 2 * Math.PI) / 0.007) * Math.cos((rest[3 * i + 2] * 2 * Math.PI) / 0.007);
        const factor = spot > 0.55 ? 0.72 : 1;
        for (let c = 0; c < 3; c++) {
            const value = (0.5 + ShC0 * rig.rig.colorDc[3 * i + c]) * factor;
            rig.rig.colorDc[3 * i + c] = (value - 0.5) / ShC0;
        }
    }
    return { head, rig, vertices };
}

/**
 * Gaussians of a rig on a neutral (plus a pose's expression and head turn).
 * @param kit the kit
 * @param rig the rig
 * @param neutral V × 3
 * @param pose expression and head turn
 * @returns the Gaussians and the posed vertices
 */
export function posedHead(kit: IctFaceKit, rig: IctHeadRig, neutral: Float32Array, pose: CapturePose): { gaussians: GemGaussians; vertices: Float32Array } {
    const vertices = turnHead(expressVertices(kit, neutral, ictExpressionWeights(kit, performanceArkitWeights(pose))), pose.yaw, pose.pitch);
    return { gaussians: posedRiggedGaussians(rig.rig, vertices, kit.faces), vertices };
}

/**
 * Renders a capture of a head with its exact landmarks (plus noise).
 * @param renderer the render page, or null for landmarks alone (the pictures are then mid-grey, 320 × 240)
 * @param kit the kit
 * @param truth the head
 * @param landmarks surface landmarks (MediaPipe → ICT)
 * @param camera the camera
 * @param poses head poses
 * @param noise landmark noise σ, pixels (z: twice that)
 * @param seed noise seed
 * @returns the frames
 */
export async function renderSimulatedCapture(
    renderer: FrameRenderer | null,
    kit: IctFaceKit,
    truth: GroundTruthHead,
    landmarks: readonly SurfaceLandmark[],
    camera: CaptureCamera,
    poses: readonly CapturePose[] = SimulatedCapturePoses,
    noise = 0.7,
    seed = 5
): Promise<CaptureFrame[]> {
    const random = createRandom(seed);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const frames: CaptureFrame[] = [];
    for (const pose of poses) {
        const { gaussians, vertices } = posedHead(kit, truth.rig, truth.vertices, pose);
        const image = renderer
            ? await renderer.render(gaussians, 0)
            : { width: camera.width, height: camera.height, pixels: new Uint8Array(camera.width * camera.height * 4).fill(128) };
        const points = surfacePoints(kit, vertices, landmarks);
        const projected = new Float32Array(points.length);
        let referenceZ = 0;
        for (let l = 0; l < landmarks.length; l++) {
            referenceZ += points[3 * l + 2] / landmarks.length;
        }
        for (let l = 0; l < landmarks.length; l++) {
            const [x, y, z] = projectToPicture(points.subarray(3 * l, 3 * l + 3), camera, referenceZ);
            projected[3 * l] = x + noise * normal();
            projected[3 * l + 1] = y + noise * normal();
            projected[3 * l + 2] = z + 2 * noise * normal();
        }
        frames.push({ width: image.width, height: image.height, pixels: image.pixels, landmarks: projected });
    }
    return frames;
}

/** The template head the comparisons start from: the shipped default head's identity and colours. */
export const TemplateHead = IctHeadIdentities[0];

/**
 * PSNR over the pixels where either picture shows the head (RGB, 8-bit): black background on both sides is not
 * counted, so the figure measures the head.
 * @param a RGBA
 * @param b RGBA
 * @returns dB
 */
export function headPsnr(a: Uint8Array, b: Uint8Array): number {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < a.length; i += 4) {
        if (a[i] + a[i + 1] + a[i + 2] > 6 || b[i] + b[i + 1] + b[i + 2] > 6) {
            for (let c = 0; c < 3; c++) {
                sum += (a[i + c] - b[i + c]) ** 2;
            }
            count += 3;
        }
    }
    return count === 0 || sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * count) / sum);
}

/** The capture performance the fake camera plays: the prompts' motions, each still held for a while. */
export const CapturePerformancePoses: readonly (CapturePose & { seconds: number })[] = [
    { yaw: 0, pitch: 0, seconds: 1.2 },
    { yaw: 0.2, pitch: 0, seconds: 0.5 },
    { yaw: 0.4, pitch: 0, seconds: 0.5 },
    { yaw: 0.55, pitch: 0, seconds: 0.5 },
    { yaw: -0.2, pitch: 0, seconds: 0.5 },
    { yaw: -0.4, pitch: 0, seconds: 0.5 },
    { yaw: -0.55, pitch: 0, seconds: 0.5 },
    { yaw: 0, pitch: 0.2, seconds: 0.8 },
    { yaw: 0, pitch: -0.2, seconds: 0.8 },
    { yaw: 0.1, pitch: 0, weights: { mouthSmileLeft: 0.7, mouthSmileRight: 0.7 }, seconds: 0.8 },
    { yaw: -0.1, pitch: 0, weights: { jawOpen: 0.5 }, seconds: 0.8 },
    { yaw: 0, pitch: 0.05, weights: { browInnerUp: 0.7, browOuterUpLeft: 0.5, browOuterUpRight: 0.5 }, seconds: 0.8 },
    { yaw: 0.15, pitch: 0, weights: { eyeBlinkLeft: 1, eyeBlinkRight: 1 }, seconds: 0.6 },
];

/**
 * Renders the capture performance as a y4m for Chromium's fake camera (`--use-file-for-fake-video-capture`). Each
 * picture carries the tracking performance's corner code (pose index, frame counter), so held stills are never a frozen
 * camera to the tracker.
 * @param renderer the render page (its size is the video's)
 * @param kit the kit
 * @param truth the head
 * @param fps frames per second
 * @returns the y4m and its size
 */
export async function renderCapturePerformance(
    renderer: FrameRenderer,
    kit: IctFaceKit,
    truth: GroundTruthHead,
    fps = 15
): Promise<{ y4m: Uint8Array; width: number; height: number; frames: number }> {
    const stills: RenderedImage[] = [];
    for (const pose of CapturePerformancePoses) {
        stills.push(await renderer.render(posedHead(kit, truth.rig, truth.vertices, pose).gaussians));
    }
    const { width, height } = stills[0];
    const pictures: Uint8Array[] = [];
    CapturePerformancePoses.forEach((pose, index) => {
        for (let f = 0; f < Math.max(1, Math.round(pose.seconds * fps)); f++) {
            const picture = stills[index].pixels.slice();
            stampPerformanceCode(picture, width, index, pictures.length);
            pictures.push(picture);
        }
    });
    return { y4m: encodeY4m(pictures, width, height, fps), width, height, frames: pictures.length };
}

/**
 * The surface landmark model simulated landmarks are exact for: ICT's neutral, expression and identity displacements at
 * the MediaPipe → ICT surface points.
 * @param kit the kit
 * @param landmarks surface landmarks
 * @returns the model
 */
export function surfaceLandmarkModel(kit: IctFaceKit, landmarks: readonly SurfaceLandmark[]): LandmarkBlendshapeModel {
    return ictLandmarkModel(
        kit,
        landmarks.map(([t, b0, b1, b2]) => [
            [kit.faces[3 * t], b0],
            [kit.faces[3 * t + 1], b1],
            [kit.faces[3 * t + 2], b2],
        ])
    );
}

/**
 * A head's vertices brought onto another's by the similarity of their face parts (a face's scale is not observable from
 * one camera, so shapes are compared after it, as monocular benchmarks do).
 * @param kit the kit (parts)
 * @param vertices V × 3 to bring
 * @param truth V × 3 to bring them onto
 * @returns V × 3 aligned
 */
export function alignedToTruth(kit: IctFaceKit, vertices: Float32Array, truth: Float32Array): Float32Array {
    const [start, end] = kit.parts.get("face")!.vertices;
    const pose = fitSimilarity(vertices.subarray(3 * start, 3 * end), truth.subarray(3 * start, 3 * end));
    const r = pose.rotation;
    const out = new Float32Array(vertices.length);
    for (let i = 0; i < vertices.length; i += 3) {
        const [x, y, z] = [vertices[i], vertices[i + 1], vertices[i + 2]];
        for (let row = 0; row < 3; row++) {
            out[i + row] = pose.scale * (r[3 * row] * x + r[3 * row + 1] * y + r[3 * row + 2] * z) + pose.translation[row];
        }
    }
    return out;
}

/**
 * Mean vertex distance over ICT's face part after {@link alignedToTruth}, millimetres.
 * @param kit the kit
 * @param fitted V × 3
 * @param truth V × 3
 * @returns millimetres
 */
export function faceVertexError(kit: IctFaceKit, fitted: Float32Array, truth: Float32Array): number {
    const [start, end] = kit.parts.get("face")!.vertices;
    const aligned = alignedToTruth(kit, fitted, truth);
    let sum = 0;
    for (let v = start; v < end; v++) {
        sum += Math.hypot(aligned[3 * v] - truth[3 * v], aligned[3 * v + 1] - truth[3 * v + 1], aligned[3 * v + 2] - truth[3 * v + 2]);
    }
    return (sum / (end - start)) * 1000;
}
