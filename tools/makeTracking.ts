/**
 * Regenerates the face tracker's data: `npm run make-tracking`. Writes into samples/assets/tracking/:
 * - mediapipe-ict.json: the correspondence from MediaPipe's 478 face-mesh landmarks to the ICT-FaceKit surface
 *   (tools/tracking/landmarkCorrespondence.ts), with its reprojection check;
 * (the solver's landmark model, ict-landmark-model.npz, is learned over many faces by `npm run make-tracking-dataset`
 * and `npm run fit-tracking`);
 * - evaluation-detections.json: detections of another head (the default head's identity) at known weights and yaws,
 *   which the tests replay through the solver.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readIctFaceKit } from "./synthetic/ictFaceKitFile.js";
import { openFaceLandmarkDetector } from "./tracking/humanDetector.js";
import { buildLandmarkCorrespondence } from "./tracking/landmarkCorrespondence.js";
import type { DetectedFrame } from "./tracking/detectorLandmarkModel.js";
import { ArkitBlendshapeNames } from "../core/animation/arkitBlendshapes.js";
import { posedRiggedGaussians } from "../core/flame/riggedGaussians.js";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { createIctHeadRig, ictExpressionWeights, ictVertices, IctHeadIdentities } from "./synthetic/ictHead.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const detector = await openFaceLandmarkDetector();
try {
    const correspondence = await buildLandmarkCorrespondence(readIctFaceKit(), detector);
    const folder = resolve(root, "samples/assets/tracking");
    mkdirSync(folder, { recursive: true });
    writeFileSync(resolve(folder, "mediapipe-ict.json"), `${JSON.stringify(correspondence)}\n`);
    for (const c of correspondence.check) {
        console.log(`side view yaw ${c.yaw}: reprojection mean ${c.meanPx} px, median ${c.medianPx}, 90th percentile ${c.p90Px}, max ${c.maxPx} px (512 × 512)`);
    }
    console.log("wrote samples/assets/tracking/mediapipe-ict.json");
    const kit = readIctFaceKit();
    // The picture the tracker sees from a webcam: 4:3, the face about half the picture's height.
    const [width, height, distance] = [320, 240, 0.42];
    const renderer = await openFrameRenderer(width, height, distance);
    try {
        const detect = async (
            head: (typeof IctHeadIdentities)[number],
            headRig: ReturnType<typeof createIctHeadRig>,
            arkit: Float32Array,
            yaw: number
        ): Promise<DetectedFrame | null> => {
            const image = await renderer.render(posedRiggedGaussians(headRig.rig, ictVertices(kit, head.identity, ictExpressionWeights(kit, arkit)), kit.faces), yaw);
            const { faces } = await detector.detect(image.png);
            return faces.length === 1 ? { arkit: Array.from(arkit), mesh: faces[0].mesh.map((v) => Math.round(v * 100) / 100) } : null;
        };
        // Evaluation: another identity, known weights and yaws.
        const head = IctHeadIdentities[0];
        const headRig = createIctHeadRig(kit, head);
        const cases: [Record<string, number>, number][] = [
            [{}, 0],
            [{}, 0.2],
            [{ jawOpen: 0.6 }, 0],
            [{ mouthSmileLeft: 0.8, mouthSmileRight: 0.8 }, 0.2],
            [{ eyeBlinkLeft: 1, eyeBlinkRight: 1 }, -0.2],
            [{ browInnerUp: 0.8 }, 0],
            [{ mouthPucker: 0.8 }, 0.1],
            [{ jawOpen: 0.3, mouthFunnel: 0.6 }, -0.1],
        ];
        const evaluation: (DetectedFrame & { yaw: number })[] = [];
        for (const [weights, yaw] of cases) {
            const arkit = new Float32Array(52);
            for (const [name, value] of Object.entries(weights)) {
                arkit[ArkitBlendshapeNames.indexOf(name)] = value;
            }
            const frame = await detect(head, headRig, arkit, yaw);
            if (!frame) {
                throw new Error(`no single face detected for ${JSON.stringify(weights)} at yaw ${yaw}`);
            }
            evaluation.push({ ...frame, yaw });
        }
        writeFileSync(
            resolve(folder, "evaluation-detections.json"),
            `${JSON.stringify({ head: head.name, renderSize: [width, height], cameraDistance: distance, note: "frames 0 and 1 are the neutral face (calibration); yaw is the camera's orbit", frames: evaluation })}\n`
        );
        console.log("wrote samples/assets/tracking/evaluation-detections.json");
    } finally {
        await renderer.close();
    }
} finally {
    await detector.close();
}
