/**
 * What a face tracker does between frames and when a frame is bad (pure logic, no engine): which of several faces to
 * follow, whether a solved frame is trusted, and what the avatar shows meanwhile: the last trusted values, held for a
 * moment and then eased back to neutral, so that a lost face, a covered or frozen camera or an extreme pose never makes
 * the avatar jump or freeze in a grimace.
 */

/** What the tracker is doing, as {@link TrackingSupervisor.state} reports it. */
export type FaceTrackingState =
    /** No frame has been looked at yet. */
    | "starting"
    /** A face is followed and its frames are trusted. */
    | "tracking"
    /** Frames arrive and no face is in them. */
    | "no-face"
    /** The followed face is partly outside the picture. */
    | "face-lost"
    /** The face is turned further than the landmark model is trusted, or the solve gave non-finite values. */
    | "extreme-pose"
    /**
     * The face is calibrated and plausibly posed but the landmark model fits it worse than the trust limit (an unusual
     * face, a partly covered one, a detector that lost the features): its frames are refused; calibrating again helps.
     */
    | "poor-fit"
    /**
     * The user's neutral face and identity are being calibrated: plausibly posed frames are collected whatever their fit
     * (the trust limit applies after the calibration, which is what brings a new face within it).
     */
    | "calibrating"
    /** The camera delivers no new pictures, or the same picture again and again. */
    | "frozen"
    /** The picture is (nearly) black: a covered lens or a camera that has not started. */
    | "dark";

/** Options of a {@link TrackingSupervisor}. */
export interface TrackingSupervisorOptions {
    /** Seconds the last trusted values are held after tracking stops (default 0.5). */
    holdSeconds?: number;
    /** Time constant of the ease back to neutral, seconds (default 0.4). */
    easeSeconds?: number;
    /** Largest |yaw| trusted, radians (default 0.9, about 52°). */
    maxYaw?: number;
    /** Largest |pitch| trusted, radians (default 0.6). */
    maxPitch?: number;
    /** Largest RMS landmark residual trusted, in the landmark model's units (default 0.006). */
    maxResidual?: number;
    /** Largest |yaw| of a frame used for the neutral calibration, radians (default 0.3). */
    calibrationMaxYaw?: number;
    /** Largest |pitch| of a frame used for the neutral calibration, radians (default 0.3). */
    calibrationMaxPitch?: number;
    /** Seconds without a changed picture (and at least 3 unchanged pictures looked at) before the camera counts as frozen (default 1). */
    frozenSeconds?: number;
    /** Mean luminance (0–255) under which a picture counts as dark (default 10). */
    darkLevel?: number;
    /** Fraction of the face box that may lie outside the picture before the face counts as lost (default 0.15). */
    edgeTolerance?: number;
}

/** A face a detector found: its box in the picture, normalised to [0, 1], and the detector's confidence. */
export interface FaceCandidate {
    x: number;
    y: number;
    width: number;
    height: number;
    score: number;
}

/** What the picture itself says, measured before detection. */
export interface FrameCondition {
    /** Mean luminance, 0–255. */
    brightness: number;
    /** Whether the picture differs from the previous one. */
    changed: boolean;
}

/**
 * Decides, frame by frame, what the avatar shows. Values are `count` channels (the weights, then yaw, pitch and roll);
 * neutral is all zero. Allocation-free after construction.
 */
export class TrackingSupervisor {
    /** The current state. */
    public state: FaceTrackingState = "starting";
    /** Faces in the last picture looked at. */
    public faceCount = 0;
    /** Channels handled. */
    public readonly count: number;
    private readonly _options: Required<TrackingSupervisorOptions>;
    private readonly _trusted: Float32Array;
    private readonly _output: Float32Array;
    private _trustedAt = Number.NEGATIVE_INFINITY;
    private _changedAt = Number.NEGATIVE_INFINITY;
    private _unchanged = 0;
    private _sampledAt = Number.NaN;
    private _hasFace = false;
    private _faceX = 0.5;
    private _faceY = 0.5;

    /**
     * @param count channels (weights, then yaw, pitch, roll)
     * @param options thresholds and timings
     */
    constructor(count: number, options: TrackingSupervisorOptions = {}) {
        this.count = count;
        this._options = {
            holdSeconds: options.holdSeconds ?? 0.5,
            easeSeconds: options.easeSeconds ?? 0.4,
            maxYaw: options.maxYaw ?? 0.9,
            maxPitch: options.maxPitch ?? 0.6,
            maxResidual: options.maxResidual ?? 0.006,
            calibrationMaxYaw: options.calibrationMaxYaw ?? 0.3,
            calibrationMaxPitch: options.calibrationMaxPitch ?? 0.3,
            frozenSeconds: options.frozenSeconds ?? 1,
            darkLevel: options.darkLevel ?? 10,
            edgeTolerance: options.edgeTolerance ?? 0.15,
        };
        this._trusted = new Float32Array(count);
        this._output = new Float32Array(count);
    }

    /**
     * Forgets the pictures seen: the next one starts afresh.
     * @param keepOutput keep the current output, which then eases to neutral until a face is trusted (default false:
     * the output is neutral at once)
     */
    public reset(keepOutput = false): void {
        this.state = "starting";
        this.faceCount = 0;
        if (!keepOutput) {
            this._trusted.fill(0);
            this._output.fill(0);
        }
        this._trustedAt = Number.NEGATIVE_INFINITY;
        this._changedAt = Number.NEGATIVE_INFINITY;
        this._unchanged = 0;
        this._sampledAt = Number.NaN;
        this._hasFace = false;
    }

    /**
     * Looks at a new picture and its faces; says which face to solve.
     * @param time seconds
     * @param condition brightness and change of the picture
     * @param faces faces found (any order)
     * @returns the index of the face to solve, or -1 when this picture is not to be solved
     */
    public observe(time: number, condition: FrameCondition, faces: readonly FaceCandidate[]): number {
        this.faceCount = faces.length;
        if (condition.changed || this._changedAt === Number.NEGATIVE_INFINITY) {
            this._changedAt = time;
            this._unchanged = 0;
        } else {
            this._unchanged++;
        }
        if (condition.brightness < this._options.darkLevel) {
            this.state = "dark";
            this._hasFace = false;
            return -1;
        }
        if (this._unchanged >= 3 && time - this._changedAt >= this._options.frozenSeconds) {
            this.state = "frozen";
            return -1;
        }
        if (faces.length === 0) {
            this.state = "no-face";
            this._hasFace = false;
            return -1;
        }
        // The face nearest the one followed so far (a second person walking in does not take over), else the largest.
        let best = 0;
        let bestCost = Number.POSITIVE_INFINITY;
        for (let i = 0; i < faces.length; i++) {
            const f = faces[i];
            const cost = this._hasFace ? Math.hypot(f.x + f.width / 2 - this._faceX, f.y + f.height / 2 - this._faceY) : -f.width * f.height;
            if (cost < bestCost) {
                bestCost = cost;
                best = i;
            }
        }
        const face = faces[best];
        this._hasFace = true;
        this._faceX = face.x + face.width / 2;
        this._faceY = face.y + face.height / 2;
        const inside = (Math.min(1, face.x + face.width) - Math.max(0, face.x)) * (Math.min(1, face.y + face.height) - Math.max(0, face.y));
        if (inside < (1 - this._options.edgeTolerance) * face.width * face.height) {
            this.state = "face-lost";
            return -1;
        }
        return best;
    }

    /**
     * Says that no new picture came (a camera that stopped delivering frames).
     * @param time seconds
     */
    public noNewFrame(time: number): void {
        if (this._changedAt !== Number.NEGATIVE_INFINITY && time - this._changedAt >= this._options.frozenSeconds) {
            this.state = "frozen";
        }
    }

    /**
     * Whether a solved frame may calibrate the user's neutral face: finite values and a head turned little enough that
     * its landmarks show the whole face. Its fit error does not matter (calibration is what reduces it). While a
     * calibration collects such frames, the state reads `calibrating`.
     * @param values weights then yaw, pitch, roll (`count` values)
     * @returns whether the frame is usable for calibration
     */
    public offerCalibration(values: ArrayLike<number>): boolean {
        const n = this.count;
        if (!this._finite(values, 0) || Math.abs(values[n - 3]) > this._options.calibrationMaxYaw || Math.abs(values[n - 2]) > this._options.calibrationMaxPitch) {
            return false;
        }
        this.state = "calibrating";
        return true;
    }

    /**
     * Offers the solved values of the face {@link observe} chose.
     * @param time seconds
     * @param values weights then yaw, pitch, roll (`count` values)
     * @param residual RMS landmark residual of the solve (the landmark model's units)
     * @returns whether they are trusted (then they become the output); when not, the state says why (`extreme-pose`
     * for a pose past the limits or non-finite values, `poor-fit` for a fit error past the limit)
     */
    public accept(time: number, values: ArrayLike<number>, residual: number): boolean {
        const n = this.count;
        if (!this._finite(values, residual) || Math.abs(values[n - 3]) > this._options.maxYaw || Math.abs(values[n - 2]) > this._options.maxPitch) {
            this.state = "extreme-pose";
            return false;
        }
        if (residual > this._options.maxResidual) {
            this.state = "poor-fit";
            return false;
        }
        for (let i = 0; i < n; i++) {
            this._trusted[i] = values[i];
        }
        this._trustedAt = time;
        this.state = "tracking";
        return true;
    }

    private _finite(values: ArrayLike<number>, residual: number): boolean {
        const n = this.count;
        let finite = values.length >= n && Number.isFinite(residual);
        for (let i = 0; finite && i < n; i++) {
            finite = Number.isFinite(values[i]);
        }
        return finite;
    }

    /**
     * What the avatar shows now: the trusted values while tracking, then (once the hold is over) an exponential ease
     * toward neutral.
     * @param time seconds
     * @returns the output (owned by the supervisor; `count` values)
     */
    public sample(time: number): Float32Array {
        const dt = Number.isNaN(this._sampledAt) ? 0 : Math.max(0, time - this._sampledAt);
        this._sampledAt = time;
        const out = this._output;
        if (this.state === "tracking" || time - this._trustedAt <= this._options.holdSeconds) {
            out.set(this._trusted);
            return out;
        }
        const k = 1 - Math.exp(-dt / this._options.easeSeconds);
        for (let i = 0; i < this.count; i++) {
            out[i] -= out[i] * k;
            this._trusted[i] = out[i];
        }
        return out;
    }
}
