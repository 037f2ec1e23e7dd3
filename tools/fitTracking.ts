/**
 * Learns the face tracker's landmark model from the detector's own behaviour: `npm run fit-tracking`.
 * Reads tools/data/tracking/training-detections.npz (made by `npm run make-tracking-dataset`), fits the model
 * (tools/tracking/learnedLandmarkModel.ts), scores it and the previous shipped model on the held-out identities
 * (samples/assets/tracking/heldout-detections.npz, never used in fitting), prints the per-identity, per-pose table, and
 * writes samples/assets/tracking/ict-landmark-model.npz. `--dry-run` scores without writing.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readNpz } from "../loaders/archives/npzArchive.js";
import { landmarkModelFromArrays } from "../loaders/tracking/landmarkModelFile.js";
import type { LandmarkBlendshapeModel } from "../core/tracking/FaceSolver.js";
import { landmarkModelNpz } from "./tracking/detectorLandmarkModel.js";
import { evaluateHeldOut, solverTracker } from "./tracking/heldOutEvaluation.js";
import { fitLandmarkRegressor, fitLearnedLandmarkModel } from "./tracking/learnedLandmarkModel.js";
import { readTrackingDataset } from "./tracking/trackingDataset.js";
import { formatTrackingScore, scoreTracking, trackingGoalFailures } from "./tracking/trackingScore.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const modelPath = resolve(root, "samples/assets/tracking/ict-landmark-model.npz");
const dryRun = process.argv.includes("--dry-run");
const modes = Number(process.argv.find((a) => a.startsWith("--modes="))?.slice(8) ?? 12);
const read = (path: string) => new Uint8Array(readFileSync(path));
const previous = landmarkModelFromArrays(readNpz(read(modelPath), "ict-landmark-model.npz"), "ict-landmark-model.npz");
const training = readTrackingDataset(read(resolve(root, "tools/data/tracking/training-detections.npz")), "training-detections.npz");
const heldOut = readTrackingDataset(read(resolve(root, "samples/assets/tracking/heldout-detections.npz")), "heldout-detections.npz");
console.log(
    `training: ${training.frameCount} frames of ${new Set(training.identity).size} identities; held out: ${heldOut.frameCount} frames of ${new Set(heldOut.identity).size}`
);

const started = performance.now();
const { model, residuals } = fitLearnedLandmarkModel(training, { names: previous.names, identityModes: modes });
console.log(`fitted in ${((performance.now() - started) / 1000).toFixed(1)} s; training residual per round ${residuals.map((r) => r.toFixed(5)).join(" → ")}`);

const report = (label: string, m: LandmarkBlendshapeModel): number => {
    console.log(`\n${label}`);
    let failures = 0;
    for (const e of evaluateHeldOut(heldOut, solverTracker(m))) {
        const score = scoreTracking(e.frames);
        const missed = trackingGoalFailures(score);
        failures += missed.length;
        console.log(
            `identity ${e.identity}: neutral fit residual ${e.residualBefore.toFixed(4)} before calibration, ${e.residualAfter.toFixed(4)} after\n${formatTrackingScore(score)}\n  goals missed (${missed.length}): ${missed.join("; ") || "none"}`
        );
    }
    return failures;
};
const regressorStarted = performance.now();
const { model: regressed, validation } = fitLandmarkRegressor(model, training);
console.log(
    `regressor fitted in ${((performance.now() - regressorStarted) / 1000).toFixed(1)} s; cross-validated RMSE over training identities: ${validation
        .map((v) => `ridge ${v.ridge} → ${v.rmse.toFixed(4)}`)
        .join(", ")}`
);
const candidates: [string, LandmarkBlendshapeModel, number][] = [
    ["the model shipped before this fit", previous, 0],
    ["learned landmark model, least-squares weights", model, 0],
    ["learned landmark model, learned displacement → weights map", regressed, 0],
    ...[0.25, 0.35, 0.5].map((gate): [string, LandmarkBlendshapeModel, number] => [
        `learned landmark model, least-squares weights gated by the learned map (τ ${gate})`,
        { ...regressed, regressorGate: gate },
        0,
    ]),
];
for (const candidate of candidates) {
    candidate[2] = report(candidate[0], candidate[1]);
}
console.log(`\ngoals missed over the held-out identities: ${candidates.map(([label, , f]) => `${label}: ${f}`).join("; ")}`);
const best = candidates.slice(1).reduce((a, b) => (b[2] <= a[2] ? b : a));
if (!dryRun) {
    writeFileSync(modelPath, landmarkModelNpz(best[1]));
    console.log(`wrote samples/assets/tracking/ict-landmark-model.npz (${best[0]})`);
}
