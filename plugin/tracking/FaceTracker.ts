import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { AnimatorLayer } from "../animation/AnimatorLayer.js";
import { AnimationChannelError } from "../../core/errors/AnimationChannelError.js";
import { TrackingError } from "../../core/errors/TrackingError.js";
import { FaceSolver, pictureLandmarksToSolverFrame, type FaceSolution, type FaceSolverOptions, type LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { TrackingSupervisor, type FaceCandidate, type FaceTrackingState, type TrackingSupervisorOptions } from "../../core/tracking/TrackingSupervisor.js";

/** Where the landmark detector runs inside its worker (tfjs backends). */
export type FaceLandmarkBackend = "wasm" | "webgl" | "webgpu";

/** Options of {@link FaceTracker.CreateAsync}. */
export interface FaceTrackerOptions {
    /**
     * Where the app serves the detector's model files (`blazeface`, `facemesh` and `iris`, `.json` + `.bin`, from
     * `@vladmandic/human/models/`), as a URL folder ending in `/`.
     */
    modelBasePath: string;
    /** Where the app serves tfjs's `.wasm` files (from `@tensorflow/tfjs-backend-wasm/dist/`), for the `wasm` backend. */
    wasmPath?: string;
    /**
     * Detector backend: `wasm` (default: the CPU with SIMD; 70–100 ms a frame on two busy laptop-class cores, the same
     * on every machine), `webgl` or `webgpu` (faster on a real GPU, far slower on a software one).
     */
    backend?: FaceLandmarkBackend;
    /** The landmark model: a URL of its npz (the package ships `assets/tracking/ict-landmark-model.npz`) or the model. */
    landmarkModel: string | LandmarkBlendshapeModel;
    /** Layer that receives `arkit/<name>` weights and `arkit/headYaw|headPitch|headRoll`; channels it lacks are not driven. */
    layer?: AnimatorLayer;
    /** Faces the detector looks for (default 2: a second face is reported and ignored). */
    maxFaces?: number;
    /** Seconds of plausibly posed frames at the start (any fit) used to calibrate the user's neutral face and identity (default 1.5; 0: off). */
    calibrationSeconds?: number;
    /** Solver regularisation. */
    solver?: FaceSolverOptions;
    /** When a frame is trusted, and how the avatar holds and eases back to neutral otherwise. */
    supervisor?: TrackingSupervisorOptions;
    /** Largest side of the picture handed to the detector, pixels (default 640; larger frames are scaled down). */
    maxFrameSize?: number;
    /** A worker to use instead of the bundled one (custom builds). */
    worker?: Worker;
}

/** Counters and timings of a {@link FaceTracker}. */
export interface FaceTrackerStats {
    /** Pictures handed to the detector. */
    frames: number;
    /** New camera pictures that arrived while the detector was busy and were skipped. */
    skipped: number;
    /** Pictures whose face was solved and trusted. */
    trusted: number;
    /** Detections that failed in the worker. */
    failed: number;
    /** Detector time of the last picture in the worker, ms. */
    detectMs: number;
    /** Solver time of the last picture on the calling thread, ms. */
    solveMs: number;
    /** Time from taking the last picture to its values reaching the layer, ms (the avatar shows them on the next frame). */
    latencyMs: number;
}

/** What one analysed picture gave (the object is reused from picture to picture). */
export interface FaceTrackerResult {
    /** State after this picture. */
    state: FaceTrackingState;
    /** Faces found. */
    faceCount: number;
    /** Whether this picture's solution was trusted (then it drives the avatar). */
    trusted: boolean;
    /** The solution of the followed face (weights in {@link FaceTracker.names} order, head pose, residual). */
    solution: FaceSolution;
    /** 478 × 3 landmarks of the followed face, picture pixels (x right, y down), or empty without a face. */
    landmarks: Float32Array;
    /** Size of the analysed picture. */
    width: number;
    height: number;
}

interface WorkerFace extends FaceCandidate {
    mesh: Float32Array;
}

interface WorkerResult {
    type: "result";
    id: number;
    width: number;
    height: number;
    faces: WorkerFace[];
    detectMs: number;
    brightness: number;
    changed: boolean;
}

type TrackerSource = HTMLVideoElement | HTMLCanvasElement | OffscreenCanvas | ImageBitmap;

const rotationChannels = ["arkit/headYaw", "arkit/headPitch", "arkit/headRoll"];

/**
 * Follows a real face in a camera (or any video) and drives an avatar with it: MediaPipe's face mesh in a Web Worker
 * finds 478 landmarks per picture, a {@link FaceSolver} fits the head pose and ARKit-52 weights of a linear landmark
 * model built from a scanned rig (ICT-FaceKit), and the result goes into an {@link AnimatorLayer} as `arkit/` channels,
 * so every avatar kind (GEM, FLAME, LAM) is driven the same way and the tracking blends with clips.
 *
 * Bad input never throws into the render loop: without a face, with the face leaving the picture, an extreme pose, a
 * black or frozen camera, the avatar holds its last trusted expression briefly and eases back to neutral, and
 * {@link state} says why. The first {@link FaceTrackerOptions.calibrationSeconds} of tracking calibrate the user's
 * neutral face and identity; {@link calibrateNeutralAsync} does it again on demand. While it collects, {@link state} reads `calibrating`.
 */
export class FaceTracker {
    /** Raised once when the tracker is disposed. */
    public readonly onDisposeObservable = new Observable<FaceTracker>();

    /**
     * Reads a landmark model from a URL (`landmarkModel` given as a string). The `babylon-gem-avatars/tracking` entry
     * registers the npz reader, as Babylon's loaders register themselves.
     */
    public static LandmarkModelLoader: ((url: string) => Promise<LandmarkBlendshapeModel>) | null = null;
    /** ARKit names of the solved weights, in result order. */
    public readonly names: readonly string[];
    /** The solver (its identity and neutral calibration are readable). */
    public readonly solver: FaceSolver;
    /** Raised after each analysed picture. */
    public readonly onResultObservable = new Observable<FaceTrackerResult>();
    /** Raised when {@link state} changes. */
    public readonly onStateChangedObservable = new Observable<FaceTrackingState>();
    /** Raised when a detection fails or a source cannot be read (the tracker goes on with the next picture). */
    public readonly onErrorObservable = new Observable<TrackingError>();
    /** Raised when a neutral calibration completes. */
    public readonly onCalibratedObservable = new Observable<FaceTracker>();
    /** Counters and timings. */
    public readonly stats: FaceTrackerStats = { frames: 0, skipped: 0, trusted: 0, failed: 0, detectMs: 0, solveMs: 0, latencyMs: 0 };
    /** The detector backend that runs. */
    public readonly backend: FaceLandmarkBackend;
    /** The picture the last result was computed on (kept until the next picture is taken). */
    public readonly frame: HTMLCanvasElement | OffscreenCanvas;
    /** What the avatar is given now: weights in {@link names} order, then yaw, pitch, roll (radians). */
    public readonly values: Float32Array;
    private _layer: AnimatorLayer | null = null;
    private _slots = new Int32Array(0);
    private readonly _worker: Worker;
    private readonly _supervisor: TrackingSupervisor;
    private readonly _frameContext: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
    private readonly _maxFrameSize: number;
    private readonly _observed: Float64Array;
    private readonly _solved: Float32Array;
    private readonly _result: FaceTrackerResult;
    private readonly _calibrationFrames: Float64Array[] = [];
    private _calibrationSeconds: number;
    private _calibrationUntil = Number.NaN;
    private _solvedAt = Number.NaN;
    private _calibrationDone: (() => void) | null = null;
    private _busy = false;
    private _sentAt = 0;
    private _nextId = 0;
    private _source: TrackerSource | null = null;
    private _scene: Scene | null = null;
    private _renderObserver: Observer<Scene> | null = null;
    private _videoFrames = 0;
    private _sentVideoFrames = -1;
    private _lastVideoTime = -1;
    private _lastArrival = 0;
    private _pumpTimer: ReturnType<typeof setTimeout> | null = null;
    private _frameCallback = 0;
    /** The source when it is a video (the only kind that can stop delivering pictures). */
    private _video: HTMLVideoElement | null = null;
    private _hasFrameCallback = false;
    private _state: FaceTrackingState = "starting";
    private _disposed = false;

    private constructor(worker: Worker, model: LandmarkBlendshapeModel, backend: FaceLandmarkBackend, options: FaceTrackerOptions) {
        this._worker = worker;
        this.backend = backend;
        this.names = model.names;
        this.solver = new FaceSolver(model, options.solver);
        this._supervisor = new TrackingSupervisor(model.names.length + 3, options.supervisor);
        this.values = this._supervisor.sample(0);
        this._maxFrameSize = options.maxFrameSize ?? 640;
        this._calibrationSeconds = options.calibrationSeconds ?? 1.5;
        this._observed = new Float64Array(model.landmarkCount * 3);
        this._solved = new Float32Array(model.names.length + 3);
        this.frame = typeof document !== "undefined" ? document.createElement("canvas") : new OffscreenCanvas(1, 1);
        const context = this.frame.getContext("2d", { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
        if (!context) {
            throw new TrackingError("source", "FaceTracker", "no 2D canvas context for the captured picture");
        }
        this._frameContext = context;
        this._result = { state: "starting", faceCount: 0, trusted: false, solution: this.solver.solve(new Float64Array(0)), landmarks: new Float32Array(0), width: 0, height: 0 };
        this.layer = options.layer ?? null;
        worker.onmessage = (event) => this._onMessage(event.data);
    }

    /**
     * Loads the landmark model, starts the worker and its detector.
     * @param options model locations, backend, target layer
     * @returns the tracker, ready for {@link start}
     */
    public static async CreateAsync(options: FaceTrackerOptions): Promise<FaceTracker> {
        const model = typeof options.landmarkModel === "string" ? await FaceTracker._LoadLandmarkModel(options.landmarkModel) : options.landmarkModel;
        const backend = options.backend ?? "wasm";
        const worker = options.worker ?? new Worker(new URL("./faceLandmark.worker.js", import.meta.url), { type: "module" });
        const ready = new Promise<void>((resolve, reject) => {
            worker.onmessage = (event) => {
                const m = event.data as { type: string; message?: string };
                if (m.type === "ready") {
                    resolve();
                } else if (m.type === "error") {
                    reject(new TrackingError("detector-load", options.modelBasePath, `the ${backend} face-landmark detector did not start: ${m.message}`));
                }
            };
            worker.onerror = (event) => reject(new TrackingError("detector-load", options.modelBasePath, `worker failed: ${event.message}`));
        });
        worker.postMessage({
            type: "init",
            modelBasePath: new URL(options.modelBasePath, location.href).href,
            wasmPath: new URL(options.wasmPath ?? options.modelBasePath, location.href).href,
            backend,
            maxFaces: options.maxFaces ?? 2,
        });
        try {
            await ready;
            return new FaceTracker(worker, model, backend, options);
        } catch (error) {
            worker.terminate();
            throw error;
        }
    }

    private static async _LoadLandmarkModel(url: string): Promise<LandmarkBlendshapeModel> {
        if (!FaceTracker.LandmarkModelLoader) {
            throw new TrackingError("landmark-model", url, "no landmark-model reader is registered: import FaceTracker from babylon-gem-avatars/tracking, or pass the model");
        }
        return FaceTracker.LandmarkModelLoader(url);
    }

    /** What the tracker is doing (see {@link FaceTrackingState}). */
    public get state(): FaceTrackingState {
        return this._state;
    }

    /** Faces in the last analysed picture. */
    public get faceCount(): number {
        return this._supervisor.faceCount;
    }

    /** Whether a neutral calibration is collecting frames. */
    public get isCalibrating(): boolean {
        return this._calibrationSeconds > 0;
    }

    /** The layer that receives the values (channels it lacks are not driven). */
    public get layer(): AnimatorLayer | null {
        return this._layer;
    }

    public set layer(layer: AnimatorLayer | null) {
        this._layer = layer;
        if (!layer) {
            this._slots = new Int32Array(0);
            return;
        }
        const channels = [...this.names.map((n) => `arkit/${n}`), ...rotationChannels];
        this._slots = Int32Array.from(channels, (c) => layer.layout.indexOf(c));
        if (this._slots.every((s) => s < 0)) {
            throw new AnimationChannelError("no-route", `layer "${layer.name}"`, "has none of the tracker's arkit/ channels", channels.slice(0, 3));
        }
    }

    /**
     * Starts following a source: each new picture is handed to the detector as soon as it is free (pictures that arrive
     * while it is busy are skipped, so a slow detector never falls behind), and before each frame of the scene the
     * current values are written to the layer.
     * @param source a playing video (a camera's), a canvas or a bitmap
     * @param scene the scene whose frames the values are written for
     */
    public start(source: TrackerSource, scene: Scene): void {
        this.stop();
        this._source = source;
        this._scene = scene;
        // A new source starts afresh; what the avatar shows eases to neutral until its face is trusted.
        this._supervisor.reset(true);
        this._videoFrames = 0;
        this._sentVideoFrames = -1;
        this._lastArrival = performance.now();
        const video = typeof HTMLVideoElement !== "undefined" && source instanceof HTMLVideoElement ? source : null;
        this._video = video;
        this._hasFrameCallback = !!video && "requestVideoFrameCallback" in video;
        if (video && this._hasFrameCallback) {
            // Paced by the camera, not by the scene: a slow renderer does not slow the tracking down.
            const onFrame = () => {
                if (this._busy && this._videoFrames !== this._sentVideoFrames) {
                    this.stats.skipped++;
                }
                this._videoFrames++;
                this._lastArrival = performance.now();
                this._frameCallback = video.requestVideoFrameCallback(onFrame);
                this._pump();
            };
            this._frameCallback = video.requestVideoFrameCallback(onFrame);
        }
        // First, so that the animator (also inserted first, earlier) sees this frame's values.
        this._renderObserver = scene.onBeforeRenderObservable.add(() => this._tick(), undefined, true);
        this._pump();
    }

    /** Stops following the source; the layer keeps its last values. */
    public stop(): void {
        if (this._renderObserver && this._scene) {
            this._scene.onBeforeRenderObservable.remove(this._renderObserver);
        }
        if (this._video && this._hasFrameCallback) {
            this._video.cancelVideoFrameCallback(this._frameCallback);
        }
        if (this._pumpTimer !== null) {
            clearTimeout(this._pumpTimer);
            this._pumpTimer = null;
        }
        this._renderObserver = null;
        this._scene = null;
        this._source = null;
        this._video = null;
    }

    /**
     * Calibrates the user's neutral face (and identity) from the next trusted pictures: ask the user to look at the
     * camera with a relaxed face.
     * @param seconds how long to collect (default 1.5)
     * @returns when the calibration is applied
     */
    public calibrateNeutralAsync(seconds = 1.5): Promise<void> {
        this._calibrationFrames.length = 0;
        this._calibrationSeconds = seconds;
        this._calibrationUntil = Number.NaN;
        return new Promise((resolve) => {
            this._calibrationDone = resolve;
        });
    }

    /**
     * @deprecated use {@link calibrateNeutralAsync}
     * @param seconds how long to collect (default 1.5)
     * @returns when the calibration is applied
     */
    public calibrateNeutral(seconds = 1.5): Promise<void> {
        return this.calibrateNeutralAsync(seconds);
    }

    /**
     * Hands one picture to the detector now, if it is free (with {@link start} the tracker does this itself).
     * @param source the picture
     * @returns whether it was taken
     */
    public submit(source: TrackerSource): boolean {
        if (this._busy || this._disposed) {
            return false;
        }
        const width = "videoWidth" in source ? source.videoWidth : source.width;
        const height = "videoHeight" in source ? source.videoHeight : source.height;
        if (!width || !height) {
            return false;
        }
        const scale = Math.min(1, this._maxFrameSize / Math.max(width, height));
        const w = Math.max(1, Math.round(width * scale));
        const h = Math.max(1, Math.round(height * scale));
        if (this.frame.width !== w || this.frame.height !== h) {
            this.frame.width = w;
            this.frame.height = h;
        }
        try {
            this._frameContext.drawImage(source, 0, 0, w, h);
        } catch (error) {
            this._fail(new TrackingError("source", "FaceTracker", `could not read the picture: ${(error as Error).message}`, { cause: error }));
            return false;
        }
        this._busy = true;
        this._sentAt = performance.now();
        this.stats.frames++;
        const id = this._nextId++;
        createImageBitmap(this.frame).then(
            (bitmap) => this._worker.postMessage({ type: "frame", id, bitmap }, [bitmap]),
            (error: Error) => {
                this._busy = false;
                this._fail(new TrackingError("source", "FaceTracker", `could not copy the picture: ${error.message}`, { cause: error }));
            }
        );
        return true;
    }

    /** @returns "FaceTracker" */
    public getClassName(): string {
        return "FaceTracker";
    }

    /** @returns whether {@link dispose} was called */
    public isDisposed(): boolean {
        return this._disposed;
    }

    /** Stops the worker and releases the observers. */
    public dispose(): void {
        this.stop();
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this.onDisposeObservable.notifyObservers(this);
        this.onDisposeObservable.clear();
        this._worker.terminate();
        this.onResultObservable.clear();
        this.onStateChangedObservable.clear();
        this.onErrorObservable.clear();
        this.onCalibratedObservable.clear();
        this._calibrationDone = null;
    }

    /**
     * Hands the newest picture of the source to the detector if it is free and the picture is new: the video-frame
     * callback counted one, the playback time moved, or a camera frame's time (1/30 s) has passed (neither signal is
     * reliable for a camera the page does not show). A picture seen twice is harmless: the worker reports it unchanged.
     * Paced by its own timer too, so that a slowly drawn scene does not slow the tracking down.
     */
    private _pump(): void {
        const source = this._source;
        if (!source || this._disposed) {
            return;
        }
        const now = performance.now();
        const video = this._video;
        const fresh = !!video && (video.currentTime !== this._lastVideoTime || this._videoFrames !== this._sentVideoFrames);
        if (fresh) {
            this._lastArrival = now;
        }
        if (this._busy) {
            return;
        }
        if (!(fresh || now - this._sentAt >= 1000 / 30) || (video && video.readyState < 2)) {
            this._schedulePump(now);
            return;
        }
        if (this.submit(source)) {
            this._sentVideoFrames = this._videoFrames;
            this._lastVideoTime = video?.currentTime ?? -1;
        }
    }

    private _schedulePump(now: number): void {
        if (this._pumpTimer === null) {
            this._pumpTimer = setTimeout(
                () => {
                    this._pumpTimer = null;
                    this._pump();
                },
                Math.max(1, 1000 / 30 - (now - this._sentAt))
            );
        }
    }

    private _tick(): void {
        const now = performance.now();
        if (this._source) {
            this._pump();
            // Only a video can stop delivering pictures; a canvas or bitmap is looked at as it is.
            if (this._video && now - this._lastArrival > 250) {
                this._supervisor.noNewFrame(now / 1000);
            }
        }
        this._setState(this._supervisor.state);
        this._write(this._supervisor.sample(now / 1000));
    }

    private _write(values: Float32Array): void {
        const layer = this._layer;
        if (!layer) {
            return;
        }
        const slots = this._slots;
        for (let i = 0; i < slots.length; i++) {
            if (slots[i] >= 0) {
                layer.values[slots[i]] = values[i];
            }
        }
    }

    private _setState(state: FaceTrackingState): void {
        if (state !== this._state) {
            this._state = state;
            this.onStateChangedObservable.notifyObservers(state);
        }
    }

    private _fail(error: TrackingError): void {
        this.stats.failed++;
        this.onErrorObservable.notifyObservers(error);
    }

    private _onMessage(m: WorkerResult | { type: "error"; message?: string }): void {
        if (this._disposed) {
            return;
        }
        this._busy = false;
        if (m.type === "error") {
            this._fail(new TrackingError("detection", "FaceTracker", `detection failed: ${m.message}`));
            this._pump();
            return;
        }
        const time = performance.now() / 1000;
        this.stats.detectMs = m.detectMs;
        const supervisor = this._supervisor;
        const chosen = supervisor.observe(time, m, m.faces);
        const result = this._result;
        result.trusted = false;
        result.width = m.width;
        result.height = m.height;
        result.landmarks = chosen >= 0 ? m.faces[chosen].mesh : m.faces.length > 0 ? m.faces[0].mesh : new Float32Array(0);
        if (chosen >= 0 && result.landmarks.length === this._observed.length) {
            const start = performance.now();
            const observed = this._observed;
            pictureLandmarksToSolverFrame(result.landmarks, observed);
            // The temporal prior holds in time, not in pictures: a slow detector's pictures are held less.
            const elapsed = Number.isNaN(this._solvedAt) ? 1 / 30 : Math.max(1e-3, time - this._solvedAt);
            this._solvedAt = time;
            const solution = this.solver.solve(observed, result.solution, true, elapsed);
            this.stats.solveMs = performance.now() - start;
            if (solution.ok) {
                const solved = this._solved;
                solved.set(solution.weights);
                const k = solution.weights.length;
                solved[k] = solution.headYaw;
                solved[k + 1] = solution.headPitch;
                solved[k + 2] = solution.headRoll;
                result.trusted = supervisor.accept(time, solved, solution.residual);
                // A calibration takes every plausibly posed frame, whatever its fit: a face the uncalibrated model fits
                // badly is what calibration is for (the trust limit applies from then on).
                if (this._calibrationSeconds > 0 && supervisor.offerCalibration(solved)) {
                    this._collectCalibration(time, observed);
                }
            }
            if (result.trusted) {
                this.stats.trusted++;
            } else {
                // An untrusted frame must not steer the next one through the temporal prior.
                this.solver.reset();
            }
        }
        this.stats.latencyMs = performance.now() - this._sentAt;
        this._setState(supervisor.state);
        result.state = supervisor.state;
        result.faceCount = m.faces.length;
        this.onResultObservable.notifyObservers(result);
        this._pump();
    }

    private _collectCalibration(time: number, observed: Float64Array): void {
        if (this._calibrationSeconds <= 0) {
            return;
        }
        if (Number.isNaN(this._calibrationUntil)) {
            this._calibrationUntil = time + this._calibrationSeconds;
        }
        if (this._calibrationFrames.length < 60) {
            this._calibrationFrames.push(observed.slice());
        }
        if (time >= this._calibrationUntil && this._calibrationFrames.length >= 2) {
            this.solver.calibrate(this._calibrationFrames);
            this._calibrationFrames.length = 0;
            this._calibrationSeconds = 0;
            this._calibrationUntil = Number.NaN;
            this._calibrationDone?.();
            this._calibrationDone = null;
            this.onCalibratedObservable.notifyObservers(this);
        }
    }
}
