/**
 * Distillation of the realistic default heads: the ICT-FaceKit teacher (tools/synthetic/ictHead.ts) posed by ARKit
 * expressions becomes a GEM model whose `arkit` driver map takes ARKit-52 weights directly; a `flame` map derived from
 * it through the project's ARKit ↔ FLAME correspondence keeps FLAME tracks (jaw, eyes, eyelids) driving it.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { createFlameToArkitMap } from "../../core/animation/arkitToFlameMap.js";
import { posedRiggedGaussians } from "../../core/flame/riggedGaussians.js";
import type { GemLinearDriver, GemModel } from "../../core/GemModel.js";
import { headJointsMetadata } from "../../core/headPose.js";
import { parseLamExpressionTrack } from "../../plugin/animation/lamExpressionTrack.js";
import type { GaussianSequence } from "../distill/gaussianSequence.js";
import { distillGem, type DistillationResult } from "../distill/gemDistillation.js";
import { fitLinearDriver } from "../distill/ridgeRegression.js";
import { createIctHeadRig, ictExpressionWeights, ictTrainingExpressions, ictVertices, type IctFaceKit, type IctHeadIdentity, type IctHeadRig } from "./ictHead.js";

/** Components kept per group in the shipped heads (opacity and colour are static in the teacher). */
export const IctHeadComponents = { position: 20, scale: 5, rotation: 6 };

/** Storage of the committed `.gem` files. */
export const IctHeadWriteOptions = { basisDtype: "float16", meanDtype: "float32", generator: "tools/makeDefaultAvatar.ts" } as const;

/** Frames of the talking track at its end held out of fitting (every frame from this one on). */
export const IctHeldOutFrom = 900;

/** The ARKit track shipped with the samples (LAM_WebRender, MIT). */
export const TalkingTrackPath = resolve(dirname(fileURLToPath(import.meta.url)), "../../samples/assets/lam-arkit-track/talking.json");

/**
 * The talking track as rows of 52 ARKit weights.
 * @param path the LAM-layout JSON
 * @returns one row per frame
 */
export function readTalkingTrack(path = TalkingTrackPath): Float32Array[] {
    const { clip, frameCount } = parseLamExpressionTrack(readFileSync(path, "utf8"), { fileName: "talking.json" });
    return Array.from({ length: frameCount }, (_, f) => Float32Array.from(ArkitBlendshapeNames, (name) => clip.evaluateChannel(`arkit/${name}`, f) ?? 0));
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

/**
 * The `flame` map of a model with an `arkit` map: FLAME jaw, eyelid and eye rotations through the project's
 * FLAME → ARKit map ({@link createFlameToArkitMap}, the inverse of the ARKit → FLAME map), then the `arkit` map.
 * @param arkit the model's arkit driver
 * @returns the flame driver
 */
export function flameDriverFromArkit(arkit: GemLinearDriver): GemLinearDriver {
    const map = createFlameToArkitMap();
    const q = arkit.bias.length;
    const p = map.source.length;
    const matrix = new Float32Array(q * p);
    map.target.forEach((target, a) => {
        const input = arkit.inputs.indexOf(target.slice("arkit/".length));
        if (input < 0) {
            return;
        }
        for (let f = 0; f < p; f++) {
            const weight = map.matrix[a * p + f];
            if (weight !== 0) {
                for (let row = 0; row < q; row++) {
                    matrix[row * p + f] += arkit.matrix[row * arkit.inputs.length + input] * weight;
                }
            }
        }
    });
    const inputs = map.source.map((channel) => {
        const [, field, index] = channel.split("/");
        return `${field}.${index}`;
    });
    return { name: "flame", inputs, labels: inputs.map((i) => i.replace(".", " ")), matrix, bias: arkit.bias.slice() };
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
    const training = ictTrainingExpressions(talking.slice(0, IctHeldOutFrom), head.seed);
    const heldOut = talking.slice(IctHeldOutFrom);
    const expressions = [...training, ...heldOut];
    const sequence = ictTeacherSequence(kit, head, rig, expressions);
    const trainingFrames = training.map((_, i) => i);
    const heldOutFrames = heldOut.map((_, i) => training.length + i);
    const result = distillGem(sequence, {
        components: options.components ?? IctHeadComponents,
        trainingFrames,
        name: head.label,
        metadata: {
            description: `Distilled by tools/makeDefaultAvatar.ts from Gaussians on ICT-FaceKit (identity ${head.identity.join(", ")}) driven by ARKit weights.`,
            licence: "MIT (ICT-FaceKit, USC Institute for Creative Technologies; see tools/data/ict-facekit/LICENSE)",
            source: "ICT-FaceKit (Li, Bladin, Zhao et al., CVPR 2020)",
            track: "lam-arkit-track/talking.json",
            // Rigid head pose pivots (FLAME convention: root and neck joints), placed in the neck of the ICT head.
            flameJoints: headJointsMetadata({ global: new Float32Array([0, -0.105, -0.03]), neck: new Float32Array([0, -0.06, -0.018]) }),
        },
        onProgress: options.onProgress,
    });
    // arkit map: every ARKit channel that moves in the training rows.
    const used = ArkitBlendshapeNames.map((_, a) => a).filter((a) => training.some((row) => row[a] !== training[0][a]));
    const inputs = new Float32Array(training.length * used.length);
    training.forEach((row, t) => used.forEach((a, c) => (inputs[t * used.length + c] = row[a])));
    const names = used.map((a) => ArkitBlendshapeNames[a]);
    const arkit = fitLinearDriver("arkit", names, inputs, result.coefficients, 1e-6, names);
    const model = result.model.derive({ drivers: [arkit, flameDriverFromArkit(arkit)] }, `${head.name}.gem`);
    return { head, rig, model, result, sequence, expressions, heldOutFrames };
}
