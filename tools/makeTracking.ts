/**
 * Regenerates the face tracker's data: `npm run make-tracking`. Writes samples/assets/tracking/mediapipe-ict.json, the
 * correspondence from MediaPipe's 478 face-mesh landmarks to the ICT-FaceKit surface
 * (tools/tracking/landmarkCorrespondence.ts), and prints its reprojection check.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readIctFaceKit } from "./synthetic/ictHead.js";
import { openFaceLandmarkDetector } from "./tracking/humanDetector.js";
import { buildLandmarkCorrespondence } from "./tracking/landmarkCorrespondence.js";

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
} finally {
    await detector.close();
}
