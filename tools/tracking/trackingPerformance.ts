/**
 * A rendered performance for the face tracker's end-to-end test and for trying the live sample without a webcam: the
 * default head (ICT-FaceKit, the default identity) holding known ARKit expressions and head turns, rendered in Chromium
 * and written as a y4m that Chromium's fake camera plays (`--use-file-for-fake-video-capture`).
 *
 * Each picture carries a code in its top-left corner (12 cells of 8 × 8 pixels on a row, white = 1): 4 bits of pose
 * index, then 8 bits of frame counter, so a page can tell which pose the tracker was looking at, and consecutive
 * pictures always differ (a held pose is not a frozen camera).
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { posedRiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { openFrameRenderer } from "../distill/frameRenderer.js";
import { createIctHeadRig, ictExpressionWeights, ictVertices, IctHeadIdentities, type IctFaceKit, type IctHeadIdentity } from "../synthetic/ictHead.js";
import { readIctFaceKit } from "../synthetic/ictFaceKitFile.js";
import { encodeY4m } from "../writers/y4mWriter.js";

/** One held pose of the performance. */
export interface PerformancePose {
    /** ARKit weights by name (others 0). */
    weights: Record<string, number>;
    /** Head yaw in ARKit's sense (positive: the performer turns to their own left), radians. */
    headYaw: number;
    /** How long it is held. */
    seconds: number;
}

/** The performance: neutral first (calibration), then single and combined expressions with head turns. */
export const TrackingPerformancePoses: readonly PerformancePose[] = [
    { weights: {}, headYaw: 0, seconds: 3 },
    { weights: { jawOpen: 0.6 }, headYaw: 0, seconds: 2 },
    { weights: { mouthSmileLeft: 0.8, mouthSmileRight: 0.8 }, headYaw: -0.2, seconds: 2 },
    { weights: { eyeBlinkLeft: 1, eyeBlinkRight: 1 }, headYaw: 0.2, seconds: 2 },
    { weights: { browInnerUp: 0.8 }, headYaw: 0, seconds: 2 },
    { weights: { mouthPucker: 0.8 }, headYaw: -0.1, seconds: 2 },
    { weights: { jawOpen: 0.3, mouthFunnel: 0.6 }, headYaw: 0.1, seconds: 2 },
    { weights: {}, headYaw: 0.35, seconds: 2 },
];

/** Cells of the corner code. */
export const PerformanceCodeCells = 12;
/** Size of one cell, pixels. */
export const PerformanceCodeCell = 8;

/** The rendered performance. */
export interface TrackingPerformance {
    width: number;
    height: number;
    fps: number;
    /** The y4m file. */
    y4m: Uint8Array;
    /** Pose index of each picture. */
    framePoses: number[];
    /** The still picture of each pose (RGBA, without the code). */
    stills: Uint8Array[];
}

/**
 * ARKit-52 weights of a pose.
 * @param pose the pose (its weights by ARKit name; others 0)
 * @returns 52 weights in ArkitBlendshapeNames order
 * @throws Error on a name that is not ARKit's
 */
export function performanceArkitWeights(pose: { weights?: Record<string, number> }): Float32Array {
    const arkit = new Float32Array(52);
    for (const [name, value] of Object.entries(pose.weights ?? {})) {
        const index = ArkitBlendshapeNames.indexOf(name);
        if (index < 0) {
            throw new Error(`unknown ARKit name ${name}`);
        }
        arkit[index] = value;
    }
    return arkit;
}

/**
 * Stamps the corner code into a picture.
 * @param rgba picture (changed in place)
 * @param width its width
 * @param pose pose index (0–15)
 * @param counter frame counter (mod 256)
 */
export function stampPerformanceCode(rgba: Uint8Array, width: number, pose: number, counter: number): void {
    const bits = ((pose & 15) << 8) | (counter & 255);
    for (let cell = 0; cell < PerformanceCodeCells; cell++) {
        const on = (bits >> (PerformanceCodeCells - 1 - cell)) & 1;
        for (let y = 0; y < PerformanceCodeCell; y++) {
            for (let x = 0; x < PerformanceCodeCell; x++) {
                const i = (y * width + cell * PerformanceCodeCell + x) * 4;
                rgba[i] = rgba[i + 1] = rgba[i + 2] = on ? 235 : 16;
                rgba[i + 3] = 255;
            }
        }
    }
}

/**
 * Renders the performance (one still per pose, held for its seconds).
 * @param options picture size, frame rate, camera distance (metres), the kit and head (default: the default head)
 * @returns the y4m and what each picture shows
 */
export async function renderTrackingPerformance(
    options: { width?: number; height?: number; fps?: number; distance?: number; kit?: IctFaceKit; head?: IctHeadIdentity } = {}
): Promise<TrackingPerformance> {
    const width = options.width ?? 320;
    const height = options.height ?? 240;
    const fps = options.fps ?? 15;
    const kit = options.kit ?? readIctFaceKit();
    const head = options.head ?? IctHeadIdentities[0];
    const rig = createIctHeadRig(kit, head);
    const renderer = await openFrameRenderer(width, height, options.distance ?? 0.42);
    const stills: Uint8Array[] = [];
    try {
        for (const pose of TrackingPerformancePoses) {
            const gaussians = posedRiggedGaussians(rig.rig, ictVertices(kit, head.identity, ictExpressionWeights(kit, performanceArkitWeights(pose))), kit.faces);
            // The renderer orbits the camera; a head turned to its own left is the camera orbiting to its right.
            stills.push((await renderer.render(gaussians, -pose.headYaw)).pixels);
        }
    } finally {
        await renderer.close();
    }
    const frames: Uint8Array[] = [];
    const framePoses: number[] = [];
    TrackingPerformancePoses.forEach((pose, index) => {
        for (let f = 0; f < Math.round(pose.seconds * fps); f++) {
            const picture = stills[index].slice();
            stampPerformanceCode(picture, width, index, frames.length);
            frames.push(picture);
            framePoses.push(index);
        }
    });
    return { width, height, fps, y4m: encodeY4m(frames, width, height, fps), framePoses, stills };
}
