/**
 * FaceTracker's calibration cannot deadlock: a face the uncalibrated landmark model fits worse than the trust limit (a
 * held-out identity's detections, with the limit set below its uncalibrated fit error) is calibrated from its plausibly
 * posed pictures, after which its pictures are trusted and drive the avatar. The tracker runs as in a page, its worker
 * replaced by one that answers with recorded detections; its canvas by a stand-in (no picture is drawn here).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readNpz } from "../../../loaders/archives/npzArchive.js";
import { landmarkModelFromArrays } from "../../../loaders/tracking/landmarkModelFile.js";
import { FaceSolver, pictureLandmarksToSolverFrame, type LandmarkBlendshapeModel } from "../../../core/tracking/FaceSolver.js";
import { FaceTracker } from "../../../plugin/tracking/FaceTracker.js";
import type { FaceTrackingState } from "../../../core/tracking/TrackingSupervisor.js";
import { DatasetLandmarks, readTrackingDataset, type TrackingDataset } from "../../../tools/tracking/trackingDataset.js";

const folder = resolve(__dirname, "../../../samples/assets/tracking");
let model: LandmarkBlendshapeModel;
let data: TrackingDataset;

/** A worker that answers `init` with `ready` and forwards frames the test posts as results. */
class RecordedWorker {
    public onmessage: ((event: { data: unknown }) => void) | null = null;
    public onerror: ((event: { message: string }) => void) | null = null;
    public terminated = false;
    public postMessage(message: { type: string }): void {
        if (message.type === "init") {
            queueMicrotask(() => this.onmessage?.({ data: { type: "ready" } }));
        }
    }
    public terminate(): void {
        this.terminated = true;
    }
    /** Delivers a detection of one face as the real worker reports it. */
    public deliver(mesh: Float32Array, id: number): void {
        let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
        for (let i = 0; i < mesh.length; i += 3) {
            minX = Math.min(minX, mesh[i]);
            maxX = Math.max(maxX, mesh[i]);
            minY = Math.min(minY, mesh[i + 1]);
            maxY = Math.max(maxY, mesh[i + 1]);
        }
        const face = { x: minX / 320, y: minY / 240, width: (maxX - minX) / 320, height: (maxY - minY) / 240, score: 0.95, mesh };
        this.onmessage?.({ data: { type: "result", id, width: 320, height: 240, faces: [face], detectMs: 1, brightness: 100, changed: true } });
    }
}

const globals = globalThis as Record<string, unknown>;
const created: FaceTracker[] = [];

beforeAll(() => {
    model = landmarkModelFromArrays(readNpz(new Uint8Array(readFileSync(resolve(folder, "ict-landmark-model.npz"))), "ict-landmark-model.npz"), "ict-landmark-model.npz");
    data = readTrackingDataset(new Uint8Array(readFileSync(resolve(folder, "heldout-detections.npz"))), "heldout-detections.npz");
    // What a page provides and Node lacks: a 2D canvas for the captured picture and the page's location.
    globals.OffscreenCanvas ??= class {
        public width = 1;
        public height = 1;
        public getContext() {
            return { drawImage() {} };
        }
    };
    globals.location ??= { href: "http://127.0.0.1/" };
});

afterEach(() => {
    for (const tracker of created.splice(0)) {
        tracker.dispose();
    }
});

const meshOf = (j: number) => data.meshes.slice(j * DatasetLandmarks * 3, (j + 1) * DatasetLandmarks * 3);
const framesOf = (identity: number, pose: string) =>
    Array.from({ length: data.frameCount }, (_, j) => j).filter((j) => data.identity[j] === identity && data.poseNames[data.pose[j]] === pose);

async function createTracker(maxResidual: number, calibrationSeconds: number): Promise<{ tracker: FaceTracker; worker: RecordedWorker; states: FaceTrackingState[] }> {
    const worker = new RecordedWorker();
    const tracker = await FaceTracker.CreateAsync({
        modelBasePath: "/models/",
        landmarkModel: model,
        worker: worker as unknown as Worker,
        calibrationSeconds,
        supervisor: { maxResidual },
    });
    created.push(tracker);
    const states: FaceTrackingState[] = [];
    tracker.onStateChangedObservable.add((state) => states.push(state));
    return { tracker, worker, states };
}

describe("FaceTracker calibration", () => {
    it("calibrates a face the uncalibrated model fits badly (every picture past the trust limit), then trusts it", async () => {
        const identity = data.identity[0];
        const neutral = framesOf(identity, "neutral");
        // The trust limit below this face's uncalibrated fit error: without calibration-first every picture is refused.
        const uncalibrated = new FaceSolver(model).solve(pictureLandmarksToSolverFrame(meshOf(neutral[0]), undefined, 1000)).residual;
        const limit = 0.8 * uncalibrated;
        // A tiny calibration window: it completes on the second collected picture, whatever the machine's speed.
        const { tracker, worker, states } = await createTracker(limit, 1e-6);
        let calibrated = 0;
        tracker.onCalibratedObservable.add(() => calibrated++);
        expect(tracker.isCalibrating).toBe(true);
        let id = 0;
        worker.deliver(meshOf(neutral[0]), id++);
        expect(tracker.state).toBe("calibrating");
        expect(tracker.stats.trusted).toBe(0);
        worker.deliver(meshOf(neutral[1]), id++);
        expect(calibrated).toBe(1);
        expect(tracker.isCalibrating).toBe(false);
        // After calibration the same face is within the limit, trusted, and drives the tracker's values.
        for (let r = 0; r < 3; r++) {
            worker.deliver(meshOf(neutral[r % 2]), id++);
            expect(tracker.state).toBe("tracking");
        }
        expect(tracker.stats.trusted).toBe(3);
        expect(tracker.solver.identity.some((b) => b !== 0)).toBe(true);
        expect(states.slice(0, 2)).toEqual(["calibrating", "tracking"]);
    });

    it("without a calibration, a face past the trust limit is reported as a poor fit (not an extreme pose) and never trusted", async () => {
        const identity = data.identity[0];
        const neutral = framesOf(identity, "neutral");
        const uncalibrated = new FaceSolver(model).solve(pictureLandmarksToSolverFrame(meshOf(neutral[0]), undefined, 1000)).residual;
        const { tracker, worker } = await createTracker(0.8 * uncalibrated, 0);
        for (let id = 0; id < 4; id++) {
            worker.deliver(meshOf(neutral[id % 2]), id);
            expect(tracker.state).toBe("poor-fit");
        }
        expect(tracker.stats.trusted).toBe(0);
        // Asking for a calibration brings it within the limit.
        const done = tracker.calibrateNeutralAsync(1e-6);
        for (let id = 4; id < 6; id++) {
            worker.deliver(meshOf(neutral[id % 2]), id);
        }
        await done;
        worker.deliver(meshOf(neutral[0]), 6);
        expect(tracker.state).toBe("tracking");
    });

    it("turned pictures do not calibrate: the calibration waits for a face turned less than its limit", async () => {
        const identity = data.identity[0];
        const turned = [...framesOf(identity, "turnLeft"), ...framesOf(identity, "turnRight")];
        const { tracker, worker } = await createTracker(1, 1e-6);
        let calibrated = 0;
        tracker.onCalibratedObservable.add(() => calibrated++);
        for (let id = 0; id < 4; id++) {
            worker.deliver(meshOf(turned[id % turned.length]), id);
        }
        expect(calibrated).toBe(0);
        expect(tracker.isCalibrating).toBe(true);
        const neutral = framesOf(identity, "neutral");
        worker.deliver(meshOf(neutral[0]), 4);
        worker.deliver(meshOf(neutral[1]), 5);
        expect(calibrated).toBe(1);
    });

    it("reads like Babylon's own controllers: getClassName, isDisposed, onDisposeObservable raised once; dispose stops the worker", async () => {
        const { tracker, worker } = await createTracker(1, 0);
        expect(tracker.getClassName()).toBe("FaceTracker");
        let disposed = 0;
        tracker.onDisposeObservable.add(() => disposed++);
        expect(tracker.isDisposed()).toBe(false);
        tracker.dispose();
        tracker.dispose();
        expect(tracker.isDisposed()).toBe(true);
        expect(disposed).toBe(1);
        expect(worker.terminated).toBe(true);
        expect(tracker.onResultObservable.hasObservers()).toBe(false);
    });
});
