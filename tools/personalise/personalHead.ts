/**
 * A personal GEM avatar from a short capture, on the user's own machine: shape (identity modes and a smooth offset fitted
 * to the landmarks), appearance (the pictures projected onto the Gaussians), then the personal teacher (Gaussians on the
 * fitted ICT head, posed by ARKit weights through ICT's expression shapes) distilled into a GEM model with `arkit` and
 * `flame` maps, as the shipped default heads are.
 *
 * No file access and no engine: the personalise sample runs it in a Web Worker; the tests run it in Node.
 */
import { posedRiggedGaussians, ShC0 } from "../../core/flame/riggedGaussians.js";
import type { GemModel } from "../../core/GemModel.js";
import type { LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { arkitTrainingExpressions, distillArkitTeacher } from "../distill/arkitDistillation.js";
import type { GaussianSequence } from "../distill/gaussianSequence.js";
import { ictHeadJointsMetadata, IctHeadComponents } from "../synthetic/ictDefaultHeads.js";
import { createIctHeadRig, ictExpressionWeights, IctHeadIdentities, type IctFaceKit, type IctHeadIdentity, type IctHeadRig } from "../synthetic/ictHead.js";
import { expressVertices, projectAppearance, type AppearanceOptions, type CapturedPicture, type PersonalAppearance } from "./personalAppearance.js";
import { fitPersonalShape, hasWholeLandmarks, type PersonalShape, type PersonalShapeOptions, type SurfaceLandmark } from "./personalShape.js";

/** A captured picture with its detector landmarks. */
export interface CaptureFrame extends CapturedPicture {
    /** n × 3 detector landmarks (picture pixels: x right, y down, z away from the camera). */
    landmarks: Float32Array;
}

/**
 * Options for a face-mesh detector's landmarks (the tracker's MediaPipe mesh), measured on the personalise sample's
 * end-to-end capture (docs/PERSONALISE.md): the identity is fitted with the detector's depth trusted little (its z moves
 * with the face's pose and its own prior far more than with the face's shape) and without the per-vertex offset (the
 * detector's residuals are its own placement, not the face's); the poses the pictures are projected with keep the depth.
 */
export const DetectorLandmarkOptions: Pick<PersonalHeadOptions, "shape" | "poses"> = {
    shape: { depthScale: 10, offset: false },
    poses: { depthScale: 1 },
};

/** Options of {@link buildPersonalHead}. */
export interface PersonalHeadOptions {
    /** The template whose Gaussian placement and colours fill what the camera did not see (default: the default head). */
    template?: IctHeadIdentity;
    /** Gaussians, approximately (default 18,000, as the default head). */
    gaussians?: number;
    /** Components per group (default the default heads'). */
    components?: Partial<typeof IctHeadComponents>;
    /** Every this many frames of the talking track are training expressions (default 6). */
    trackStride?: number;
    /** Random combinations of ARKit shapes among the training expressions (default 80). */
    combinations?: number;
    /** Pictures used at most, spread evenly over the capture (default 40): the fits' time grows with them. */
    maxFrames?: number;
    /** Stop after the shape and appearance (no distillation). */
    skipDistillation?: boolean;
    /** Options of the shape fit. */
    shape?: PersonalShapeOptions;
    /**
     * Options of the pose solve the appearance is projected with, against the fitted shape (default: the shape's own
     * poses). A detector's landmarks want the shape fitted with its depth trusted little and the poses with it.
     */
    poses?: Omit<PersonalShapeOptions, "identity" | "offset">;
    appearance?: AppearanceOptions;
    /** Model name. */
    name?: string;
    /** Progress: stage, done, total. */
    onProgress?: (stage: string, done: number, total: number) => void;
}

/** What a page's build reports beside the `.gem` (the personalise sample's worker). */
export interface PersonalHeadReport {
    /** Identity coefficients. */
    identity: number[];
    /** V × 3 offset on the identity's neutral, metres. */
    vertexOffsets: Float32Array;
    /** RMS landmark residual with the template, the identity and both, millimetres. */
    residualMm: { template: number; identity: number; personal: number };
    usedFrames: number;
    seenFraction: number;
    rejected: number;
    samples: number;
    gaussians: number;
    /** Components per group. */
    components: Record<string, number>;
    /** Milliseconds per stage. */
    timings: { assets: number; shape: number; appearance: number; distillation: number; write: number };
}

/** What {@link buildPersonalHead} gives. */
export interface PersonalHead {
    shape: PersonalShape;
    appearance: PersonalAppearance;
    /** The personal teacher's Gaussians (bound to ICT's triangles on the fitted head, projected colours). */
    rig: IctHeadRig;
    /** The distilled model (null with `skipDistillation`). */
    model: GemModel | null;
    /** Milliseconds per stage. */
    timings: { shape: number; appearance: number; distillation: number };
}

/**
 * The personal teacher as a frame sequence: the fitted neutral plus ICT's expression shapes for each row of ARKit
 * weights, the rig posed on it.
 * @param kit the kit
 * @param rig the personal rig
 * @param neutral V × 3 fitted neutral
 * @param rows rows of 52 ARKit weights
 * @returns the sequence
 */
export function personalTeacherSequence(kit: IctFaceKit, rig: IctHeadRig, neutral: Float32Array, rows: readonly Float32Array[]): GaussianSequence {
    const weights = new Float32Array(kit.arkitNames.length);
    return {
        name: "personal teacher",
        frameCount: rows.length,
        frame(t: number) {
            return posedRiggedGaussians(rig.rig, expressVertices(kit, neutral, ictExpressionWeights(kit, rows[t], weights)), kit.faces);
        },
    };
}

/**
 * Colours of a rig's Gaussians, 0–1.
 * @param rig the rig
 * @returns G × 3
 */
export function rigColors(rig: IctHeadRig): Float32Array {
    return Float32Array.from(rig.rig.colorDc, (dc) => Math.min(1, Math.max(0, 0.5 + ShC0 * dc)));
}

/**
 * Builds a personal head from captured frames.
 * @param kit ICT-FaceKit
 * @param model the landmark model the frames' landmarks are read with (the tracker's)
 * @param landmarks the model's landmarks on ICT's surface
 * @param frames the capture (pictures and landmarks)
 * @param talking rows of 52 ARKit weights of a real performance (the talking track), for training expressions
 * @param options template, budget, progress
 * @returns shape, appearance, rig and the distilled model
 */
export function buildPersonalHead(
    kit: IctFaceKit,
    model: LandmarkBlendshapeModel,
    landmarks: readonly SurfaceLandmark[],
    frames: readonly CaptureFrame[],
    talking: readonly Float32Array[],
    options: PersonalHeadOptions = {}
): PersonalHead {
    const progress = options.onProgress ?? (() => {});
    const whole = frames.filter((f) => hasWholeLandmarks(f, model.landmarkCount));
    const most = options.maxFrames ?? 40;
    const usable = whole.length <= most ? whole : Array.from({ length: most }, (_, i) => whole[Math.floor(((i + 0.5) * whole.length) / most)]);
    let start = performance.now();
    progress("shape", 0, 1);
    const shape = fitPersonalShape(kit, model, landmarks, usable, options.shape);
    if (options.poses) {
        // Poses against the fitted neutral (identity and offset), with their own depth handling.
        const posed = fitPersonalShape(kit, model, landmarks, usable, { ...options.poses, identity: shape.identity, offset: false });
        shape.poses = posed.poses;
    }
    progress("shape", 1, 1);
    const timings = { shape: performance.now() - start, appearance: 0, distillation: 0 };
    start = performance.now();
    progress("appearance", 0, 1);
    const template = options.template ?? IctHeadIdentities[0];
    const rig = createIctHeadRig(kit, template, { gaussians: options.gaussians, vertices: shape.vertices });
    const appearance = projectAppearance(kit, rig.rig, rig.parts, shape.vertices, model.names, shape.poses, usable, rigColors(rig), options.appearance);
    for (let i = 0; i < appearance.colors.length; i++) {
        rig.rig.colorDc[i] = (appearance.colors[i] - 0.5) / ShC0;
    }
    progress("appearance", 1, 1);
    timings.appearance = performance.now() - start;
    if (options.skipDistillation) {
        return { shape, appearance, rig, model: null, timings };
    }
    start = performance.now();
    const stride = options.trackStride ?? 6;
    const subsampled = talking.filter((_, f) => f % Math.max(1, Math.round(stride / 3)) === 0);
    const training = arkitTrainingExpressions(subsampled, template.seed, options.combinations ?? 80);
    const distilled = distillArkitTeacher((rows) => personalTeacherSequence(kit, rig, shape.vertices, rows), training, [], {
        components: options.components ?? IctHeadComponents,
        name: options.name ?? "Personal head",
        metadata: {
            description: `Personal head made in the browser from ${usable.length} captured pictures: ICT-FaceKit identity (${Array.from(shape.identity, (b) => b.toFixed(2)).join(", ")}) with a smooth offset, colours projected from the pictures, distilled with ARKit maps.`,
            licence: "Shape space: MIT (ICT-FaceKit, USC Institute for Creative Technologies). Appearance: the user's own pictures.",
            source: "babylon-gem-avatars personalise sample",
            flameJoints: ictHeadJointsMetadata(),
        },
        onProgress: progress,
    });
    timings.distillation = performance.now() - start;
    return { shape, appearance, rig, model: distilled.model, timings };
}
