/**
 * Measures personal heads against ground truth: `npm run personalise-report -- --seeds=1,2,3`. For each seed, an ICT
 * head of random identity with a known textured albedo is rendered in Chromium (Babylon's splat pipeline, 320 × 240 at
 * 0.42 m) turning and making expressions; its landmarks are the MediaPipe → ICT surface points projected exactly through
 * the same camera plus 0.7 px of noise (the detector's own part is measured by the personalise sample's end-to-end test).
 * The personal head is built from those pictures; the report gives the face's vertex error (after a similarity
 * alignment: scale is not observable from one camera) and the PSNR of held-out views against the truth, beside the
 * template's, and writes `test-output/screenshots/personalise-identity<seed>-view<v>.png` (template | personal | truth).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot, saveScreenshot } from "./browser/browserSession.js";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { buildPersonalHead } from "./personalise/personalHead.js";
import type { SurfaceLandmark } from "./personalise/personalShape.js";
import {
    alignedToTruth,
    faceVertexError,
    headPsnr,
    HeldOutPoses,
    posedHead,
    randomGroundTruthHead,
    renderSimulatedCapture,
    surfaceLandmarkModel,
    TemplateHead,
} from "./personalise/simulatedCapture.js";
import { readIctFaceKit } from "./synthetic/ictFaceKitFile.js";
import { createIctHeadRig, ictVertices } from "./synthetic/ictHead.js";
import { encodePng, tileImages } from "./writers/pngWriter.js";

const seeds = (process.argv.find((a) => a.startsWith("--seeds="))?.slice("--seeds=".length) ?? "1,2,3").split(",").map(Number);
const camera = { width: 320, height: 240, distance: 0.42 };
const kit = readIctFaceKit();
const landmarks: SurfaceLandmark[] = JSON.parse(readFileSync(resolve(repoRoot, "samples/assets/tracking/mediapipe-ict.json"), "utf8")).landmarks;
const model = surfaceLandmarkModel(kit, landmarks);

const renderer = await openFrameRenderer(camera.width, camera.height, camera.distance, 12);
try {
    const template = createIctHeadRig(kit, TemplateHead);
    const templateVertices = ictVertices(kit, TemplateHead.identity, null);
    for (const seed of seeds) {
        const truth = randomGroundTruthHead(kit, seed);
        const frames = await renderSimulatedCapture(renderer, kit, truth, landmarks, camera);
        const personal = buildPersonalHead(kit, model, landmarks, frames, [], { skipDistillation: true });
        const shape = [
            faceVertexError(kit, templateVertices, truth.vertices),
            faceVertexError(kit, ictVertices(kit, personal.shape.identity, null), truth.vertices),
            faceVertexError(kit, personal.shape.vertices, truth.vertices),
        ];
        const personalAligned = alignedToTruth(kit, personal.shape.vertices, truth.vertices);
        const templateAligned = alignedToTruth(kit, templateVertices, truth.vertices);
        const psnr: string[] = [];
        for (const [v, pose] of HeldOutPoses.entries()) {
            const truthImage = await renderer.render(posedHead(kit, truth.rig, truth.vertices, pose).gaussians);
            const personalImage = await renderer.render(posedHead(kit, personal.rig, personalAligned, pose).gaussians);
            const templateImage = await renderer.render(posedHead(kit, template, templateAligned, pose).gaussians);
            psnr.push(`${headPsnr(templateImage.pixels, truthImage.pixels).toFixed(1)}→${headPsnr(personalImage.pixels, truthImage.pixels).toFixed(1)}`);
            const strip = tileImages([templateImage.pixels, personalImage.pixels, truthImage.pixels], camera.width, camera.height, 3);
            saveScreenshot(`personalise-identity${seed}-view${v}`, `data:image/png;base64,${Buffer.from(encodePng(strip.pixels, strip.width, strip.height)).toString("base64")}`);
        }
        console.log(
            `| ${seed} | ${shape.map((e) => `${e.toFixed(2)} mm`).join(" | ")} | ${(personal.shape.residual.template * 1000).toFixed(2)} → ${(personal.shape.residual.personal * 1000).toFixed(2)} mm | ${psnr.join(", ")} dB | ${(personal.appearance.seenFraction * 100).toFixed(0)} % | ${personal.timings.shape.toFixed(0)} + ${personal.timings.appearance.toFixed(0)} ms |`
        );
    }
} finally {
    await renderer.close();
}
