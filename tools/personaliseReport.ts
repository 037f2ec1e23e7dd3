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
import { fitSimilarity } from "../core/tracking/FaceSolver.js";
import { repoRoot, saveScreenshot } from "./browser/browserSession.js";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { buildPersonalHead } from "./personalise/personalHead.js";
import type { SurfaceLandmark } from "./personalise/personalShape.js";
import { headPsnr, HeldOutPoses, posedHead, randomGroundTruthHead, renderSimulatedCapture, TemplateHead } from "./personalise/simulatedCapture.js";
import { readIctFaceKit } from "./synthetic/ictFaceKitFile.js";
import { createIctHeadRig, ictLandmarkModel, ictVertices } from "./synthetic/ictHead.js";
import { encodePng, tileImages } from "./writers/pngWriter.js";

const seeds = (process.argv.find((a) => a.startsWith("--seeds="))?.slice("--seeds=".length) ?? "1,2,3").split(",").map(Number);
const camera = { width: 320, height: 240, distance: 0.42 };
const kit = readIctFaceKit();
const landmarks: SurfaceLandmark[] = JSON.parse(readFileSync(resolve(repoRoot, "samples/assets/tracking/mediapipe-ict.json"), "utf8")).landmarks;
const model = ictLandmarkModel(
    kit,
    landmarks.map(([t, b0, b1, b2]) => [
        [kit.faces[3 * t], b0],
        [kit.faces[3 * t + 1], b1],
        [kit.faces[3 * t + 2], b2],
    ])
);

/** A head's vertices brought onto the truth's by the similarity of their face parts. */
function alignedTo(vertices: Float32Array, truth: Float32Array): Float32Array {
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

/** Mean vertex distance over ICT's face part after a similarity alignment, millimetres. */
function faceError(fitted: Float32Array, truth: Float32Array): number {
    const [start, end] = kit.parts.get("face")!.vertices;
    const aligned = alignedTo(fitted, truth);
    let sum = 0;
    for (let v = start; v < end; v++) {
        sum += Math.hypot(aligned[3 * v] - truth[3 * v], aligned[3 * v + 1] - truth[3 * v + 1], aligned[3 * v + 2] - truth[3 * v + 2]);
    }
    return (sum / (end - start)) * 1000;
}

const renderer = await openFrameRenderer(camera.width, camera.height, camera.distance, 12);
try {
    const template = createIctHeadRig(kit, TemplateHead);
    const templateVertices = ictVertices(kit, TemplateHead.identity, null);
    for (const seed of seeds) {
        const truth = randomGroundTruthHead(kit, seed);
        const frames = await renderSimulatedCapture(renderer, kit, truth, landmarks, camera);
        const personal = buildPersonalHead(kit, model, landmarks, frames, [], { skipDistillation: true });
        const shape = [
            faceError(templateVertices, truth.vertices),
            faceError(ictVertices(kit, personal.shape.identity, null), truth.vertices),
            faceError(personal.shape.vertices, truth.vertices),
        ];
        const personalAligned = alignedTo(personal.shape.vertices, truth.vertices);
        const templateAligned = alignedTo(templateVertices, truth.vertices);
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
