/**
 * The shipped tracker on faces it never saw: detections (the shipped detector, 320 × 240 renders) of four identities
 * drawn from ICT-FaceKit's 100 identity modes with a seed the training never used, other skin tones and eye colours,
 * replayed through the solver with the shipped landmark model as the tracker runs it (calibrated on the identity's
 * neutral pictures). Each pose's active channels, false activations on turned neutral faces, per-channel correlation over
 * a talking performance (the second half of the talking track; training used the first half) and head pose are bounded
 * per identity. The same scoring fails an all-zero and a constant tracker.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { landmarkModelFromArrays } from "../../../loaders/tracking/landmarkModelFile.js";
import { evaluateHeldOut, solverTracker, type LandmarkTracker } from "../../../tools/tracking/heldOutEvaluation.js";
import { readTrackingDataset } from "../../../tools/tracking/trackingDataset.js";
import { formatTrackingScore, scoreTracking, trackingBoundFailures, trackingGoalFailures, TrackingIssueGoals, type TrackingBounds } from "../../../tools/tracking/trackingScore.js";

const folder = resolve(__dirname, "../../../samples/assets/tracking");
const model = landmarkModelFromArrays(readNpz(new Uint8Array(readFileSync(resolve(folder, "ict-landmark-model.npz"))), "ict-landmark-model.npz"), "ict-landmark-model.npz");
const heldOut = readTrackingDataset(new Uint8Array(readFileSync(resolve(folder, "heldout-detections.npz"))), "heldout-detections.npz");

/**
 * What the shipped model is held to on every held-out identity: the channels it reads (jaw, smile, the blink), the
 * blink's and the smile's correlation through speech, false activations on turned and raised neutral faces, head yaw
 * and pitch. Measured worst over the four identities: jaw 0.29, smile left 0.15, blink 0.22; speech r blink 0.89,
 * smile 0.27; largest false channel 0.45 turned left, 0.26 raised; yaw 1.78°, pitch 3.14°. The tracker issue's goals
 * ({@link TrackingIssueGoals}) are scored and printed beside them; most are not met yet (docs/ANIMATION.md §8).
 */
const shippedBounds: TrackingBounds = {
    active: [
        { pose: "jaw", channel: "jawOpen", maxError: 0.35 },
        { pose: "smile", channel: "mouthSmileLeft", maxError: 0.25 },
        { pose: "blink", channel: "eyeBlinkRight", maxError: 0.3 },
    ],
    falseActivation: [
        { pose: "turnLeft", max: 0.6 },
        { pose: "lookUp", max: 0.4 },
    ],
    correlation: { eyeBlinkRight: 0.8, mouthSmileRight: 0.2 },
    yawDegrees: 2.5,
    pitchDegrees: 4,
};

/** A tracker that outputs the same weights whatever it sees (and a frontal head). */
function constantTracker(level: number): LandmarkTracker {
    const arkit = new Float32Array(52).fill(level);
    return { calibrate() {}, reset() {}, solve: () => ({ arkit, yaw: 0, pitch: 0, residual: 0 }) };
}

describe("the face tracker on held-out identities", () => {
    it("per identity: the channels each pose activates, the blink through speech, head pose (and the issue's goals, reported)", () => {
        expect(new Set(heldOut.identity).size).toBeGreaterThanOrEqual(4);
        const evaluations = evaluateHeldOut(heldOut, solverTracker(model));
        const misses: string[] = [];
        for (const e of evaluations) {
            const score = scoreTracking(e.frames);
            const failures = trackingBoundFailures(score, shippedBounds);
            const goals = trackingGoalFailures(score, TrackingIssueGoals);
            console.log(
                `held-out identity ${e.identity}: fit residual ${e.residualBefore.toFixed(4)} → ${e.residualAfter.toFixed(4)} after calibration\n${formatTrackingScore(score)}\n  issue goals missed: ${goals.join("; ") || "none"}`
            );
            misses.push(...failures.map((f) => `identity ${e.identity}: ${f}`));
            // Calibration brings the neutral fit down (what un-deadlocks the tracker on a new face).
            expect(e.residualAfter).toBeLessThan(e.residualBefore);
        }
        expect(misses).toEqual([]);
    });

    it("the same scoring fails a dead tracker: all zeros, and constants at several levels", () => {
        for (const level of [0, 0.3, 0.6, 1]) {
            for (const e of evaluateHeldOut(heldOut, constantTracker(level))) {
                const failures = trackingBoundFailures(scoreTracking(e.frames), shippedBounds);
                // A constant has no correlation with speech.
                expect(failures.some((f) => f.startsWith("talk: eyeBlinkRight"))).toBe(true);
                // And the issue's goals fail it on every side: active channels, false activation or correlation.
                expect(trackingGoalFailures(scoreTracking(e.frames), TrackingIssueGoals).length).toBeGreaterThan(3);
            }
        }
        const zero = trackingBoundFailures(scoreTracking(evaluateHeldOut(heldOut, constantTracker(0))[0].frames), shippedBounds);
        for (const expected of ["jaw: jawOpen", "smile: mouthSmileLeft", "blink: eyeBlinkRight", "talk: mouthSmileRight"]) {
            expect(zero.some((f) => f.startsWith(expected))).toBe(true);
        }
        const high = trackingBoundFailures(scoreTracking(evaluateHeldOut(heldOut, constantTracker(0.7))[0].frames), shippedBounds);
        expect(high.some((f) => f.startsWith("turnLeft: false"))).toBe(true);
    });
});
