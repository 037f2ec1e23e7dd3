/**
 * Row 12: capture → personal avatar in samples/personalise (Chromium, SwiftShader), with its parts: the capture (the
 * prompts' 10 s), the worker's stages (assets, shape fit, appearance projection, distillation, writing the `.gem`) and
 * loading it into the scene; beside it, the same build on the same pictures' landmarks in Node (no page, no
 * SwiftShader drawing beside it), and the one-minute goal.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot } from "../tools/browser/browserSession.js";
import { landmarkModelFromArrays } from "../loaders/tracking/landmarkModelFile.js";
import { readNpz } from "../loaders/archives/npzArchive.js";
import { buildPersonalHead, DetectorLandmarkOptions } from "../tools/personalise/personalHead.js";
import { openPersonaliseRun } from "../tools/personalise/personaliseRun.js";
import type { SurfaceLandmark } from "../tools/personalise/personalShape.js";
import { randomGroundTruthHead, renderSimulatedCapture, surfaceLandmarkModel } from "../tools/personalise/simulatedCapture.js";
import { readIctFaceKit, readTalkingTrack } from "../tools/synthetic/ictFaceKitFile.js";

/** One measurement. */
export interface PersonaliseRow {
    gaussians: number;
    pictures: number;
    captureS: number;
    assetsMs: number;
    shapeMs: number;
    appearanceMs: number;
    distillationMs: number;
    writeMs: number;
    loadMs: number;
    /** Capture start → avatar in the scene, seconds. */
    totalS: number;
    /** Shape fit and appearance of the same pictures in Node, ms (the page's worker competes with SwiftShader). */
    nodeShapeMs: number;
    nodeAppearanceMs: number;
}

/**
 * Measures capture → avatar.
 * @param gaussians the avatar's Gaussians
 * @param smoke only the build in Node on simulated landmarks and grey pictures (no page: seconds, for the smoke run)
 * @returns the row
 */
export async function measurePersonalise(gaussians: number, smoke = false): Promise<PersonaliseRow> {
    const kit = readIctFaceKit();
    if (smoke) {
        const landmarks = JSON.parse(readFileSync(resolve(repoRoot, "samples/assets/tracking/mediapipe-ict.json"), "utf8")).landmarks as SurfaceLandmark[];
        const model = surfaceLandmarkModel(kit, landmarks);
        const frames = await renderSimulatedCapture(null, kit, randomGroundTruthHead(kit, 4, 2000), landmarks, { width: 320, height: 240, distance: 0.42 });
        const start = performance.now();
        const head = buildPersonalHead(kit, model, landmarks, frames, readTalkingTrack().slice(0, 120), { gaussians, combinations: 10 });
        const build = performance.now() - start;
        return {
            gaussians: head.model!.gaussianCount,
            pictures: head.shape.usedFrames,
            captureS: 0,
            assetsMs: 0,
            shapeMs: head.timings.shape,
            appearanceMs: head.timings.appearance,
            distillationMs: head.timings.distillation,
            writeMs: 0,
            loadMs: 0,
            totalS: build / 1000,
            nodeShapeMs: head.timings.shape,
            nodeAppearanceMs: head.timings.appearance,
        };
    }
    const run = await openPersonaliseRun(kit, randomGroundTruthHead(kit, 4), gaussians);
    try {
        const outcome = await run.make(600_000);
        if (outcome.state !== "done" || !outcome.report) {
            throw new Error(`personalise sample: ${outcome.state} ${outcome.error}`);
        }
        const r = outcome.report;
        const model = landmarkModelFromArrays(
            readNpz(readFileSync(resolve(repoRoot, "samples/assets/tracking/ict-landmark-model.npz")), "ict-landmark-model.npz"),
            "ict-landmark-model.npz"
        );
        const landmarks = JSON.parse(readFileSync(resolve(repoRoot, "samples/assets/tracking/mediapipe-ict.json"), "utf8")).landmarks;
        const node = buildPersonalHead(kit, model, landmarks, outcome.frames, [], { ...DetectorLandmarkOptions, gaussians: r.gaussians, skipDistillation: true });
        return {
            gaussians: r.gaussians,
            pictures: r.usedFrames,
            captureS: outcome.timings.capture / 1000,
            assetsMs: r.timings.assets,
            shapeMs: r.timings.shape,
            appearanceMs: r.timings.appearance,
            distillationMs: r.timings.distillation,
            writeMs: r.timings.write,
            loadMs: outcome.timings.load,
            totalS: outcome.timings.total / 1000,
            nodeShapeMs: node.timings.shape,
            nodeAppearanceMs: node.timings.appearance,
        };
    } finally {
        await run.close();
    }
}
