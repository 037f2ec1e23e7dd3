/**
 * Procedural idle life for a face nobody drives: blinks at human rates, saccades between fixations, small head motion
 * and breathing, all from a seeded generator, engine-free and allocation-free per step. Figures (adults at rest or in
 * conversation): spontaneous blinks 8–21 a minute, a blink closes in about 80 ms, stays shut a few tens of ms and opens
 * in about 170 ms; fixations last 0.2–3 s; saccades are mostly under 15° with a duration of about 21 ms + 2.2 ms per
 * degree (the main sequence); breathing at rest is 12–20 breaths a minute.
 */

import { createRandom } from "../random.js";

/** ARKit channels the idle motion writes, in the order of {@link IdleMotionGenerator.values}. */
export const IdleMotionChannels: readonly string[] = [
    "arkit/eyeBlinkLeft",
    "arkit/eyeBlinkRight",
    "arkit/eyeLookInLeft",
    "arkit/eyeLookOutLeft",
    "arkit/eyeLookUpLeft",
    "arkit/eyeLookDownLeft",
    "arkit/eyeLookInRight",
    "arkit/eyeLookOutRight",
    "arkit/eyeLookUpRight",
    "arkit/eyeLookDownRight",
    "arkit/headYaw",
    "arkit/headPitch",
    "arkit/headRoll",
];

/** Options of {@link IdleMotionGenerator}. */
export interface IdleMotionOptions {
    /** Seed: the same seed gives the same motion (default 1). */
    seed?: number;
    /** Mean spontaneous blinks a minute (default 15). */
    blinksPerMinute?: number;
    /** Median fixation between saccades, seconds (default 1.1). */
    fixationSeconds?: number;
    /** Mean saccade amplitude, radians (default 0.1, about 6°). */
    saccadeRadians?: number;
    /** Amplitude of the slow head motion, radians (default 0.03, under 2°). */
    headRadians?: number;
    /** Breaths a minute (default 14). */
    breathsPerMinute?: number;
    /** Gaze angle that an eyeLook weight of 1 stands for, radians (default 0.5 horizontally; 0.4 vertically). */
    maxGazeYaw?: number;
    /** See `maxGazeYaw`. */
    maxGazePitch?: number;
}

const Degree = Math.PI / 180;

/**
 * The idle motion of one face, stepped in time; {@link values} holds the {@link IdleMotionChannels} after each step.
 */
export class IdleMotionGenerator {
    /** Channel values after the last step (eyeBlink and eyeLook weights in [0, 1], head angles in radians). */
    public readonly values = new Float32Array(IdleMotionChannels.length);
    /** Blinks started so far. */
    public blinkCount = 0;
    /** Saccades started so far. */
    public saccadeCount = 0;
    /** Gaze direction now (radians; yaw positive toward the face's left, pitch positive up). */
    public gazeYaw = 0;
    /** See {@link gazeYaw}. */
    public gazePitch = 0;

    private readonly _random: () => number;
    private readonly _blinkInterval: number;
    private readonly _fixation: number;
    private readonly _saccade: number;
    private readonly _head: number;
    private readonly _breathHz: number;
    private readonly _maxYaw: number;
    private readonly _maxPitch: number;
    private _time = 0;
    // Blink: time to the next, and the phase of the current one (-1: none).
    private _nextBlink: number;
    private _blinkPhase = -1;
    private _blinkClosed = 0.04;
    private _doubleBlink = false;
    // Gaze: fixation target, the saccade in flight, the point the gaze is drawn to.
    private _nextSaccade: number;
    private _fromYaw = 0;
    private _fromPitch = 0;
    private _toYaw = 0;
    private _toPitch = 0;
    private _saccadeElapsed = -1;
    private _saccadeDuration = 0;
    private _centreYaw = 0;
    private _centrePitch = 0;
    /** The next saccade goes to the centre of interest in one step (it just moved: someone started speaking). */
    private _toCentre = false;
    // Head: three slow sinusoids per axis.
    private readonly _headFrequency = new Float32Array(9);
    private readonly _headPhase = new Float32Array(9);
    private _breathPhase: number;
    private _headFollowYaw = 0;
    private _headFollowPitch = 0;

    /**
     * @param options seed, rates and amplitudes
     */
    constructor(options: IdleMotionOptions = {}) {
        this._random = createRandom(options.seed ?? 1);
        this._blinkInterval = 60 / (options.blinksPerMinute ?? 15);
        this._fixation = options.fixationSeconds ?? 1.1;
        this._saccade = options.saccadeRadians ?? 0.1;
        this._head = options.headRadians ?? 0.03;
        this._breathHz = (options.breathsPerMinute ?? 14) / 60;
        this._maxYaw = options.maxGazeYaw ?? 0.5;
        this._maxPitch = options.maxGazePitch ?? 0.4;
        for (let i = 0; i < 9; i++) {
            this._headFrequency[i] = 0.04 + 0.22 * this._random();
            this._headPhase[i] = 2 * Math.PI * this._random();
        }
        this._breathPhase = 2 * Math.PI * this._random();
        this._nextBlink = this._drawBlinkInterval() * this._random();
        this._nextSaccade = this._drawFixation() * this._random();
    }

    /**
     * Draws the gaze toward a direction (the active speaker in a room): the next fixations centre there, and the head
     * turns a third of the way.
     * @param yaw radians, positive toward the face's left
     * @param pitch radians, positive up
     */
    public lookAt(yaw: number, pitch: number): void {
        if (!Number.isFinite(yaw) || !Number.isFinite(pitch)) return;
        this._centreYaw = Math.max(-this._maxYaw, Math.min(this._maxYaw, yaw));
        this._centrePitch = Math.max(-this._maxPitch, Math.min(this._maxPitch, pitch));
        // One saccade to it soon, as when someone starts speaking.
        this._toCentre = true;
        this._nextSaccade = Math.min(this._nextSaccade, 0.15 + 0.2 * this._random());
    }

    /**
     * Advances the motion.
     * @param deltaSeconds time since the last step (clamped to [0, 0.25] s)
     * @returns {@link values}
     */
    public step(deltaSeconds: number): Float32Array {
        const dt = Number.isFinite(deltaSeconds) ? Math.min(0.25, Math.max(0, deltaSeconds)) : 0;
        this._time += dt;
        this._stepBlink(dt);
        this._stepGaze(dt);
        this._stepHead(dt);
        return this.values;
    }

    /** Log-normal around a median, with a spread (sigma of the log). */
    private _logNormal(median: number, sigma: number): number {
        const u = Math.max(1e-9, this._random());
        const v = this._random();
        return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    }

    private _drawBlinkInterval(): number {
        // Log-normal with the requested mean (mean = median · e^{σ²/2}), at least 0.6 s apart.
        const sigma = 0.5;
        return Math.max(0.6, this._logNormal(this._blinkInterval / Math.exp((sigma * sigma) / 2), sigma));
    }

    private _drawFixation(): number {
        return Math.min(4, Math.max(0.2, this._logNormal(this._fixation, 0.55)));
    }

    private _stepBlink(dt: number): void {
        const closing = 0.08;
        const opening = 0.17;
        if (this._blinkPhase < 0) {
            this._nextBlink -= dt;
            if (this._nextBlink <= 0) {
                this._blinkPhase = 0;
                this._blinkClosed = 0.02 + 0.05 * this._random();
                this.blinkCount++;
            }
        } else {
            this._blinkPhase += dt;
        }
        let weight = 0;
        if (this._blinkPhase >= 0) {
            const t = this._blinkPhase;
            if (t < closing) {
                const x = t / closing;
                weight = x * x;
            } else if (t < closing + this._blinkClosed) {
                weight = 1;
            } else if (t < closing + this._blinkClosed + opening) {
                const x = 1 - (t - closing - this._blinkClosed) / opening;
                weight = x * x * (3 - 2 * x);
            } else {
                this._blinkPhase = -1;
                // One blink in ten is followed at once by another.
                if (!this._doubleBlink && this._random() < 0.1) {
                    this._doubleBlink = true;
                    this._nextBlink = 0.12 + 0.1 * this._random();
                } else {
                    this._doubleBlink = false;
                    this._nextBlink = this._drawBlinkInterval();
                }
            }
        }
        this.values[0] = weight;
        this.values[1] = weight;
    }

    private _stepGaze(dt: number): void {
        if (this._saccadeElapsed < 0) {
            this._nextSaccade -= dt;
            if (this._nextSaccade <= 0) {
                // A new target: a step of log-normal size in a random direction, drawn back toward the centre.
                const amplitude = Math.min(20 * Degree, Math.max(0.5 * Degree, this._logNormal(this._saccade * 0.8, 0.6)));
                const pull = Math.hypot(this.gazeYaw - this._centreYaw, this.gazePitch - this._centrePitch);
                let angle = 2 * Math.PI * this._random();
                let size = amplitude;
                if (this._toCentre) {
                    // Straight to the new centre of interest (large gaze shifts are one saccade).
                    this._toCentre = false;
                    angle = Math.atan2(this._centrePitch - this.gazePitch, this._centreYaw - this.gazeYaw);
                    size = Math.min(pull, 30 * Degree);
                } else if (pull > amplitude * 0.5) {
                    // Mostly back toward the centre of interest when far from it.
                    angle = Math.atan2(this._centrePitch - this.gazePitch, this._centreYaw - this.gazeYaw) + (this._random() - 0.5) * 1.2;
                }
                this._fromYaw = this.gazeYaw;
                this._fromPitch = this.gazePitch;
                this._toYaw = Math.max(-this._maxYaw * 0.8, Math.min(this._maxYaw * 0.8, this.gazeYaw + size * Math.cos(angle)));
                this._toPitch = Math.max(-this._maxPitch * 0.7, Math.min(this._maxPitch * 0.7, this.gazePitch + size * Math.sin(angle)));
                const degrees = Math.hypot(this._toYaw - this._fromYaw, this._toPitch - this._fromPitch) / Degree;
                this._saccadeDuration = (21 + 2.2 * degrees) / 1000;
                this._saccadeElapsed = 0;
                this.saccadeCount++;
            }
        }
        if (this._saccadeElapsed >= 0) {
            this._saccadeElapsed += dt;
            const x = Math.min(1, this._saccadeElapsed / this._saccadeDuration);
            const s = x * x * (3 - 2 * x);
            this.gazeYaw = this._fromYaw + (this._toYaw - this._fromYaw) * s;
            this.gazePitch = this._fromPitch + (this._toPitch - this._fromPitch) * s;
            if (x >= 1) {
                this._saccadeElapsed = -1;
                this._nextSaccade = this._drawFixation();
            }
        }
        const yaw = Math.max(-1, Math.min(1, this.gazeYaw / this._maxYaw));
        const pitch = Math.max(-1, Math.min(1, this.gazePitch / this._maxPitch));
        const v = this.values;
        // Toward the face's left: the left eye looks out, the right eye in.
        v[2] = Math.max(-yaw, 0);
        v[3] = Math.max(yaw, 0);
        v[4] = Math.max(pitch, 0);
        v[5] = Math.max(-pitch, 0);
        v[6] = Math.max(yaw, 0);
        v[7] = Math.max(-yaw, 0);
        v[8] = v[4];
        v[9] = v[5];
    }

    private _stepHead(dt: number): void {
        const t = this._time;
        // The head follows the centre of interest slowly (a time constant of about a second).
        const follow = 1 - Math.exp(-dt / 1.2);
        this._headFollowYaw += (this._centreYaw / 3 - this._headFollowYaw) * follow;
        this._headFollowPitch += (this._centrePitch / 3 - this._headFollowPitch) * follow;
        const breath = Math.sin(2 * Math.PI * this._breathHz * t + this._breathPhase);
        this.values[10] = this._head * this._wave(0, t) + this._headFollowYaw;
        this.values[11] = this._head * 0.7 * this._wave(1, t) + 0.006 * breath + this._headFollowPitch;
        this.values[12] = this._head * 0.4 * this._wave(2, t);
    }

    /** Slow head motion on one axis: three sinusoids of seeded frequencies and phases, in [-1, 1]. */
    private _wave(axis: number, t: number): number {
        const f = this._headFrequency;
        const p = this._headPhase;
        const i = 3 * axis;
        return (Math.sin(2 * Math.PI * f[i] * t + p[i]) + 0.6 * Math.sin(2 * Math.PI * f[i + 1] * t + p[i + 1]) + 0.3 * Math.sin(2 * Math.PI * f[i + 2] * t + p[i + 2])) / 1.9;
    }
}
