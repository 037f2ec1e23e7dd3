/**
 * Renders the face tracker's training and held-out data and runs the shipped detector on it:
 * `npm run make-tracking-dataset [-- trainingIdentities heldOutIdentities]` (defaults 20 and 4).
 * Writes tools/data/tracking/training-detections.npz (the landmark model is learned from it by
 * `npm run fit-tracking`) and samples/assets/tracking/heldout-detections.npz (identities drawn from another seed,
 * never used in fitting: the tests and the report score the tracker on them). See tools/tracking/trackingDataset.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { readIctFaceKit, readTalkingTrack } from "./synthetic/ictFaceKitFile.js";
import { openFaceLandmarkDetector } from "./tracking/humanDetector.js";
import { detectDataset, drawDatasetIdentities, evaluationPoses, trackingDatasetNpz, trainingPoses, withHundredIdentities } from "./tracking/trackingDataset.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const [trainingCount, heldOutCount] = [Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 4)];
const kit = withHundredIdentities(
    readIctFaceKit(),
    new Uint8Array(readFileSync(resolve(root, "tools/data/ict-facekit/ict-facekit-identities-100.npz"))),
    (data, size) => new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }))
);
const talking = readTalkingTrack();
const half = Math.floor(talking.length / 2);
const detector = await openFaceLandmarkDetector();
const renderer = await openFrameRenderer(320, 240, 0.42, 4);
try {
    if (heldOutCount > 0) {
        const heldOut = drawDatasetIdentities(7919, heldOutCount);
        const data = await detectDataset(
            kit,
            heldOut,
            () => evaluationPoses(talking.slice(half)),
            renderer,
            detector,
            (line) => console.log(`held out: ${line}`)
        );
        const folder = resolve(root, "samples/assets/tracking");
        mkdirSync(folder, { recursive: true });
        writeFileSync(resolve(folder, "heldout-detections.npz"), trackingDatasetNpz(data));
        console.log(`wrote samples/assets/tracking/heldout-detections.npz (${data.frameCount} frames)`);
    }
    if (trainingCount > 0) {
        const training = drawDatasetIdentities(104_729, trainingCount);
        const data = await detectDataset(
            kit,
            training,
            (i) => trainingPoses(kit, 31 + i, talking.slice(0, half)),
            renderer,
            detector,
            (line) => console.log(`training: ${line}`)
        );
        const folder = resolve(root, "tools/data/tracking");
        mkdirSync(folder, { recursive: true });
        writeFileSync(resolve(folder, "training-detections.npz"), trackingDatasetNpz(data));
        console.log(`wrote tools/data/tracking/training-detections.npz (${data.frameCount} frames)`);
    }
} finally {
    await renderer.close();
    await detector.close();
}
