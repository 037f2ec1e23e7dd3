import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ArkitBlendshapeNames } from "../../../core/animation/arkitBlendshapes.js";
import { reconstructGaussians } from "../../../core/gemReconstruction.js";
import { parseGemFile, serializeGemFile } from "../../../loaders/gem/gemContainer.js";
import { repoRoot } from "../../../tools/browser/browserSession.js";
import { buildPersonalHead, personalTeacherSequence } from "../../../tools/personalise/personalHead.js";
import { fitPersonalShape, type SurfaceLandmark } from "../../../tools/personalise/personalShape.js";
import { faceVertexError, randomGroundTruthHead, renderSimulatedCapture, surfaceLandmarkModel, TemplateHead } from "../../../tools/personalise/simulatedCapture.js";
import { readIctFaceKit, readTalkingTrack } from "../../../tools/synthetic/ictFaceKitFile.js";
import { ictVertices, type IctFaceKit } from "../../../tools/synthetic/ictHead.js";

/**
 * Personal heads from simulated landmarks with ground truth (no pictures: the held-out views and appearance are measured
 * by `npm run personalise-report` and, with the real detector, by the personalise sample's end-to-end test). ICT heads of
 * random identity turn and make expressions in front of the render page's camera; their MediaPipe → ICT surface points
 * are projected exactly through it, plus 0.7 px of noise.
 */
const camera = { width: 320, height: 240, distance: 0.42 };
let kit: IctFaceKit;
let landmarks: SurfaceLandmark[];

beforeAll(() => {
    kit = readIctFaceKit();
    landmarks = JSON.parse(readFileSync(resolve(repoRoot, "samples/assets/tracking/mediapipe-ict.json"), "utf8")).landmarks;
});

describe("personal shape from landmarks", () => {
    for (const seed of [1, 2]) {
        it(`identity ${seed}: the fitted face is far nearer the truth than the template, and perspective matters`, async () => {
            const truth = randomGroundTruthHead(kit, seed, 2000);
            const frames = await renderSimulatedCapture(null, kit, truth, landmarks, camera);
            const model = surfaceLandmarkModel(kit, landmarks);
            const shape = fitPersonalShape(kit, model, landmarks, frames);
            const identityOnly = fitPersonalShape(kit, model, landmarks, frames, { offset: false });
            const weak = fitPersonalShape(kit, model, landmarks, frames, { offset: false, verticalFov: 0 });
            const template = faceVertexError(kit, ictVertices(kit, TemplateHead.identity, null), truth.vertices);
            const fitted = faceVertexError(kit, shape.vertices, truth.vertices);
            console.log(
                `identity ${seed}: face vertex error template ${template.toFixed(2)} mm, weak perspective ${faceVertexError(kit, weak.vertices, truth.vertices).toFixed(2)} mm, identity ${faceVertexError(kit, identityOnly.vertices, truth.vertices).toFixed(2)} mm, with offset ${fitted.toFixed(2)} mm; ` +
                    `landmark residual ${Object.values(shape.residual)
                        .map((r) => (r * 1000).toFixed(2))
                        .join(" → ")} mm`
            );
            expect(shape.usedFrames).toBe(frames.length);
            expect(fitted).toBeLessThan(template * 0.5);
            // Without the perspective correction, the camera's distortion is fitted as identity.
            expect(faceVertexError(kit, weak.vertices, truth.vertices)).toBeGreaterThan(fitted * 1.5);
            expect(shape.residual.personal).toBeLessThan(shape.residual.template * 0.8);
            // The poses: yaw of each picture within 0.03 rad.
            frames.forEach((_, f) => {
                const r = shape.poses[f].rotation;
                expect(Math.abs(Math.atan2(r[2], r[8]) - [0, 0.2, 0.4, 0.6, -0.2, -0.4, -0.6, 0, 0.3, -0.3, 0, 0.3, -0.3, 0.1, -0.1, 0, 0.15, -0.15][f])).toBeLessThan(0.03);
            });
        });
    }

    it("refuses a capture without a whole set of landmarks, and a model of another size", () => {
        const model = surfaceLandmarkModel(kit, landmarks);
        expect(() => fitPersonalShape(kit, model, landmarks, [{ width: 320, height: 240, landmarks: new Float32Array(10) }])).toThrow(/no picture with a whole, finite set/);
        const nan = new Float32Array(478 * 3).fill(Number.NaN);
        expect(() => fitPersonalShape(kit, model, landmarks, [{ width: 320, height: 240, landmarks: nan }])).toThrow(/no picture/);
        expect(() => fitPersonalShape(kit, model, landmarks.slice(1), [])).toThrow(/477 surface landmarks for a model of 478/);
    });
});

describe("personal teacher", () => {
    it("distils into a GEM model with ARKit and FLAME maps that reproduces it on a held-out expression", async () => {
        const truth = randomGroundTruthHead(kit, 3, 2000);
        const frames = await renderSimulatedCapture(null, kit, truth, landmarks, camera);
        const talking = readTalkingTrack();
        const stages = new Set<string>();
        const personal = buildPersonalHead(kit, surfaceLandmarkModel(kit, landmarks), landmarks, frames, talking, { gaussians: 3000, onProgress: (stage) => stages.add(stage) });
        expect([...stages]).toEqual(expect.arrayContaining(["shape", "appearance"]));
        // Grey pictures: every Gaussian the camera saw is grey, the rest the template's colour times the grey's gain.
        expect(personal.appearance.seenFraction).toBeGreaterThan(0.3);
        const gem = personal.model!;
        expect(gem.drivers.map((d) => d.name)).toEqual(["arkit", "flame"]);
        const parsed = parseGemFile(serializeGemFile(gem, { basisDtype: "float16", meanDtype: "float32" }), "personal.gem");
        const row = talking[950];
        const arkit = parsed.drivers.find((d) => d.name === "arkit")!;
        const coefficients = new Float32Array(arkit.bias.length);
        for (let q = 0; q < coefficients.length; q++) {
            let sum = arkit.bias[q];
            arkit.inputs.forEach((name, j) => {
                sum += arkit.matrix[q * arkit.inputs.length + j] * row[ArkitBlendshapeNames.indexOf(name)];
            });
            coefficients[q] = sum;
        }
        const reconstructed = reconstructGaussians(parsed, coefficients);
        const teacher = personalTeacherSequence(kit, personal.rig, personal.shape.vertices, [row]).frame(0);
        let error = 0;
        let colour = 0;
        for (let i = 0; i < teacher.count; i++) {
            error += Math.hypot(
                reconstructed.positions[3 * i] - teacher.positions[3 * i],
                reconstructed.positions[3 * i + 1] - teacher.positions[3 * i + 1],
                reconstructed.positions[3 * i + 2] - teacher.positions[3 * i + 2]
            );
            for (let c = 0; c < 3; c++) {
                colour = Math.max(colour, Math.abs(reconstructed.colors[3 * i + c] - teacher.colors[3 * i + c]));
            }
        }
        const meanMm = (error / teacher.count) * 1000;
        console.log(
            `personal GEM: ${gem.gaussianCount} Gaussians, ${gem.groups.map((g) => `${g.name} ${g.components}`).join(", ")}; held-out talking frame mean position error ${meanMm.toFixed(3)} mm, colour max ${colour.toFixed(4)}; distillation ${personal.timings.distillation.toFixed(0)} ms`
        );
        expect(meanMm).toBeLessThan(0.5);
        expect(colour).toBeLessThan(0.01);
    });
});
