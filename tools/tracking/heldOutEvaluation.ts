/**
 * Replays detections of held-out identities through the face solver as the tracker runs it: calibration on the
 * identity's neutral frames, then each named pose (solved a few times in a row, as a held pose is over several camera
 * pictures) and the talking performance in order (the temporal prior carries from frame to frame).
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { FaceSolver, type FaceSolverOptions, type LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { datasetSolverFrame, TalkFrameSeconds, type TrackingDataset } from "./trackingDataset.js";
import type { ScoredFrame } from "./trackingScore.js";

/** Something that turns a frame's landmarks into 52 ARKit weights and a head pose (the solver, or a stand-in). */
export interface LandmarkTracker {
    /** Calibrates on neutral frames (solver frame, n × 3 each). */
    calibrate(frames: Float64Array[]): void;
    /** Forgets the previous frame. */
    reset(): void;
    /** Solves a frame (`elapsed`: seconds since the previous one): 52 ARKit weights, yaw, pitch (radians), the fit residual. */
    solve(observed: Float64Array, elapsed?: number): { arkit: Float32Array; yaw: number; pitch: number; residual: number };
}

/**
 * The shipped solver as a {@link LandmarkTracker}.
 * @param model the landmark model
 * @param options solver options
 * @returns the tracker
 */
export function solverTracker(model: LandmarkBlendshapeModel, options: FaceSolverOptions = {}): LandmarkTracker & { solver: FaceSolver } {
    const solver = new FaceSolver(model, options);
    const columns = ArkitBlendshapeNames.map((name) => model.names.indexOf(name));
    const arkit = new Float32Array(52);
    return {
        solver,
        calibrate: (frames) => solver.calibrate(frames),
        reset: () => solver.reset(),
        solve(observed, elapsed) {
            const s = solver.solve(observed, undefined, true, elapsed);
            columns.forEach((c, i) => (arkit[i] = c >= 0 ? s.weights[c] : 0));
            return { arkit, yaw: s.headYaw, pitch: s.headPitch, residual: s.residual };
        },
    };
}

/** What one held-out identity gave. */
export interface IdentityEvaluation {
    identity: number;
    frames: ScoredFrame[];
    /** Fit residual of the first neutral frame before and after calibration (the model's units). */
    residualBefore: number;
    residualAfter: number;
}

/**
 * Replays every identity of a data set through a tracker.
 * @param data held-out detections
 * @param tracker the tracker
 * @param repeats solves of each named pose's frame (default 3)
 * @returns per identity, the scored frames
 */
export function evaluateHeldOut(data: TrackingDataset, tracker: LandmarkTracker, repeats = 3): IdentityEvaluation[] {
    const frameOf = (j: number) => datasetSolverFrame(data, j);
    const identities = [...new Set(data.identity)];
    return identities.map((identity) => {
        const indices = Array.from({ length: data.frameCount }, (_, j) => j).filter((j) => data.identity[j] === identity);
        const neutral = indices.filter((j) => data.poseNames[data.pose[j]] === "neutral");
        tracker.reset();
        const residualBefore = neutral.length > 0 ? tracker.solve(frameOf(neutral[0])).residual : Number.NaN;
        tracker.calibrate(neutral.map(frameOf));
        tracker.reset();
        const residualAfter = neutral.length > 0 ? tracker.solve(frameOf(neutral[0])).residual : Number.NaN;
        const frames: ScoredFrame[] = [];
        let previousTalk = false;
        for (const j of indices) {
            const pose = data.poseNames[data.pose[j]];
            const talk = pose === "talk";
            if (!talk || !previousTalk) {
                tracker.reset();
            }
            previousTalk = talk;
            const observed = frameOf(j);
            // A talking frame follows the previous one by the track's step; a held pose is seen again a camera frame later.
            let result = tracker.solve(observed, talk ? TalkFrameSeconds : undefined);
            for (let r = 1; !talk && r < repeats; r++) {
                result = tracker.solve(observed);
            }
            frames.push({
                pose,
                truth: data.arkit.slice(j * 52, (j + 1) * 52),
                solved: result.arkit.slice(),
                yaw: data.views[3 * j],
                solvedYaw: result.yaw,
                pitch: data.views[3 * j + 1],
                solvedPitch: result.pitch,
            });
        }
        return { identity, frames, residualBefore, residualAfter };
    });
}
