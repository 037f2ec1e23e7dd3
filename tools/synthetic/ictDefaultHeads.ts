/**
 * Distillation of the realistic default heads: the ICT-FaceKit teacher (tools/synthetic/ictHead.ts) posed by ARKit
 * expressions becomes a GEM model whose `arkit` driver map takes ARKit-52 weights directly; a `flame` map derived from
 * it through the project's ARKit ↔ FLAME correspondence keeps FLAME tracks (jaw, eyes, eyelids) driving it.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { posedRiggedGaussians } from "../../core/flame/riggedGaussians.js";
import type { GemModel } from "../../core/GemModel.js";
import { headJointsMetadata } from "../../core/headPose.js";
import { parseLamExpressionTrack } from "../../plugin/animation/lamExpressionTrack.js";
import type { GaussianSequence } from "../distill/gaussianSequence.js";
import type { DistillationResult } from "../distill/gemDistillation.js";
import { arkitTrainingExpressions, distillArkitTeacher } from "../distill/arkitDistillation.js";
import { createIctHeadRig, ictExpressionWeights, ictVertices, type IctFaceKit, type IctHeadIdentity, type IctHeadRig } from "./ictHead.js";

/** Components kept per group in the shipped heads (opacity and colour are static in the teacher). */
export const IctHeadComponents = { position: 20, scale: 5, rotation: 6 };

/** Storage of the committed `.gem` files. */
export const IctHeadWriteOptions = { basisDtype: "float16", meanDtype: "float32", generator: "tools/makeDefaultAvatar.ts" } as const;

/** Frames of the talking track at its end held out of fitting (every frame from this one on). */
export const IctHeldOutFrom = 900;

/**
 * An ARKit track in LAM's JSON layout as rows of 52 ARKit weights (the talking track shipped with the samples,
 * read from disk by `readTalkingTrack` in Node, fetched by pages).
 * @param json the LAM-layout JSON
 * @param fileName its name, for errors
 * @returns one row per frame
 */
export function talkingTrackRows(json: string, fileName = "talking.json"): Float32Array[] {
    const { clip, frameCount } = parseLamExpressionTrack(json, { fileName });
    return Array.from({ length: frameCount }, (_, f) => Float32Array.from(ArkitBlendshapeNames, (name) => clip.evaluateChannel(`arkit/${name}`, f) ?? 0));
}

/** Rigid head pose pivots of the ICT heads (FLAME convention: root and neck joints), placed in the neck. */
export function ictHeadJointsMetadata(): ReturnType<typeof headJointsMetadata> {
    return headJointsMetadata({ global: new Float32Array([0, -0.105, -0.03]), neck: new Float32Array([0, -0.06, -0.018]) });
}

/** A distilled head and what it was made from. */
export interface IctHeadBuild {
    head: IctHeadIdentity;
    rig: IctHeadRig;
    /** The model with its `arkit` and `flame` driver maps. */
    model: GemModel;
    result: DistillationResult;
    /** Teacher frames: training rows then held-out rows. */
    sequence: GaussianSequence;
    /** ARKit weights of every sequence frame. */
    expressions: Float32Array[];
    heldOutFrames: number[];
}

/**
 * The teacher as a frame sequence: ICT vertices for each row's ARKit weights, the rig posed on them.
 * @param kit the kit
 * @param head identity
 * @param rig the rig
 * @param expressions rows of 52 ARKit weights
 * @returns the sequence
 */
export function ictTeacherSequence(kit: IctFaceKit, head: IctHeadIdentity, rig: IctHeadRig, expressions: readonly Float32Array[]): GaussianSequence {
    const weights = new Float32Array(kit.arkitNames.length);
    return {
        name: `ICT teacher (${head.name})`,
        frameCount: expressions.length,
        frame(t: number) {
            const vertices = ictVertices(kit, head.identity, ictExpressionWeights(kit, expressions[t], weights));
            return posedRiggedGaussians(rig.rig, vertices, kit.faces);
        },
    };
}

/** Options of {@link buildIctHead}. */
export interface IctHeadBuildOptions {
    /** Components per group (default {@link IctHeadComponents}). */
    components?: Partial<typeof IctHeadComponents>;
    /** Gaussians (default 18,000). */
    gaussians?: number;
    onProgress?: (stage: string, done: number, total: number) => void;
}

/**
 * Builds one head: rig, teacher sequence, distillation, driver maps.
 * @param kit the kit
 * @param head identity and colours
 * @param talking the talking track (rows of 52 ARKit weights)
 * @param options components, budget, progress
 * @returns the build
 */
export function buildIctHead(kit: IctFaceKit, head: IctHeadIdentity, talking: readonly Float32Array[], options: IctHeadBuildOptions = {}): IctHeadBuild {
    const rig = createIctHeadRig(kit, head, { gaussians: options.gaussians });
    const training = arkitTrainingExpressions(talking.slice(0, IctHeldOutFrom), head.seed);
    const heldOut = talking.slice(IctHeldOutFrom);
    const distilled = distillArkitTeacher((rows) => ictTeacherSequence(kit, head, rig, rows), training, heldOut, {
        components: options.components ?? IctHeadComponents,
        name: head.label,
        metadata: {
            description: `Distilled by tools/makeDefaultAvatar.ts from Gaussians on ICT-FaceKit (identity ${head.identity.join(", ")}) driven by ARKit weights.`,
            licence: "MIT (ICT-FaceKit, USC Institute for Creative Technologies; see tools/data/ict-facekit/LICENSE)",
            source: "ICT-FaceKit (Li, Bladin, Zhao et al., CVPR 2020)",
            track: "lam-arkit-track/talking.json",
            flameJoints: ictHeadJointsMetadata(),
        },
        onProgress: options.onProgress,
    });
    const { result, sequence, expressions, heldOutFrames } = distilled;
    const model = distilled.model.derive({}, `${head.name}.gem`);
    return { head, rig, model, result, sequence, expressions, heldOutFrames };
}
