/**
 * Solving ARKit-52 weights and the rigid head pose from tracked face landmarks (pure math, no engine).
 *
 * Landmark model: the positions of n landmarks on a blendshape head (ICT-FaceKit's scanned rig for the shipped one) are
 * linear in the expression weights w and the identity coefficients β:
 *
 *   L(w, β) = L₀ + Σ_m β_m I_m + Σ_k w_k E_k          (n × 3, metres, head frame: +Y up, the face toward +Z)
 *
 * Observation: n 3D points y_i (a landmark detector's output, converted to a right-handed y-up frame, any scale).
 * Per frame the solver alternates a similarity fit (scale, rotation, translation: Horn's quaternion method) with a
 * box-constrained least-squares fit of w on the normal equations:
 *
 *   min_w ‖E w − d‖² + Σ_k τ G_kk (w_k − w_prev,k)² + σ Σ_pairs (w_left − w_right)² + ρ ‖w‖²,   0 ≤ w ≤ 1
 *
 * (d: the observation brought back into the head frame, minus the user's calibrated neutral), solved by projected
 * Gauss–Seidel (convex, K ≤ 52: microseconds). `calibrate` fits β (with an N(0, 1) prior, as ICT's identity modes are
 * scaled) and the user's neutral residual and neutral weights from frames of a neutral face.
 */
import { choleskyFactor, choleskySolve } from "../cholesky.js";
import { GemFormatError } from "../errors/GemFormatError.js";

/** A linear landmark model: neutral, expression and identity displacements at n landmarks. */
export interface LandmarkBlendshapeModel {
    /** Landmarks n. */
    landmarkCount: number;
    /** Expression names (ARKit names for the shipped model), K. */
    names: string[];
    /** n × 3 neutral positions. */
    neutral: Float32Array;
    /** K × n × 3 expression displacements. */
    expressions: Float32Array;
    /** M × n × 3 identity displacements (N(0, 1) units). */
    identities: Float32Array;
    /** Identity modes M. */
    identityCount: number;
    /**
     * Optional {@link LandmarkViewTerms} × n × 3 view displacements: how the detector's landmarks of a still face change
     * as the head turns (its 3D landmarks are inferred from one picture and bend with the view), on the terms of
     * {@link landmarkViewTerms}. The solver removes them at the solved pose, so a turn is not read as an expression.
     */
    views?: Float32Array;
    /**
     * Optional K × n × 3 linear map from the calibrated landmark displacement (the observation in the head frame at the
     * solved pose, minus the user's neutral and the view displacement) to the weights, learned on the detector's own
     * output over many faces, with {@link regressorBias} (K). When present, the weights are its output clamped to
     * [0, 1]; the least-squares weights still steer the pose fit.
     */
    regressor?: Float32Array;
    /** K biases of {@link regressor}. */
    regressorBias?: Float32Array;
    /**
     * Optional gate τ > 0: with it, {@link regressor} decides whether a shape is on and the least-squares solve how far,
     * w = w_lsq · min(1, max(0, r) / τ) (the map rarely fires on a shape that is off; the solve keeps the amplitude the
     * map shrinks). Without it, the weights are the map's output.
     */
    regressorGate?: number;
}

/** View terms of a landmark model: yaw, pitch, yaw², pitch², yaw·pitch. */
export const LandmarkViewTerms = 5;

/**
 * The view terms at a head pose.
 * @param yaw radians
 * @param pitch radians
 * @param out {@link LandmarkViewTerms} values
 * @returns out
 */
export function landmarkViewTerms(yaw: number, pitch: number, out: Float64Array = new Float64Array(LandmarkViewTerms)): Float64Array {
    out[0] = yaw;
    out[1] = pitch;
    out[2] = yaw * yaw;
    out[3] = pitch * pitch;
    out[4] = yaw * pitch;
    return out;
}

/**
 * Head yaw and pitch of a head → observation rotation (R = Ry(yaw) Rx(−pitch) Rz(roll)).
 * @param r row-major 3 × 3
 * @param out yaw and pitch to fill, radians
 * @returns out
 */
export function rotationYawPitch(r: ArrayLike<number>, out = { yaw: 0, pitch: 0 }): { yaw: number; pitch: number } {
    out.yaw = Math.atan2(r[2], r[8]);
    out.pitch = -Math.asin(Math.max(-1, Math.min(1, -r[5])));
    return out;
}

/** Options of {@link FaceSolver}. */
export interface FaceSolverOptions {
    /**
     * Temporal prior τ, relative to each shape's own data term G_kk = ‖E_k‖² (default 0.3), for frames
     * {@link temporalInterval} apart; frames further apart in time (a slow camera or detector) are held less:
     * τ · min(1, interval / elapsed).
     */
    temporal?: number;
    /** Frame interval, seconds, at which the temporal prior has its full weight (default 1/30). */
    temporalInterval?: number;
    /** Symmetric-pair regularisation σ, relative (default 0.02). */
    symmetry?: number;
    /** Ridge ρ toward 0, relative (default 0.002). */
    ridge?: number;
    /** Pose / weight alternations per frame (default 6). */
    iterations?: number;
    /** Projected Gauss–Seidel sweeps per weight solve (default 40). */
    sweeps?: number;
}

/** What one frame gives. */
export interface FaceSolution {
    /** Whether the frame was solved (false: bad input, previous weights kept). */
    ok: boolean;
    /** Weights in [0, 1], one per model name (after neutral calibration). */
    weights: Float32Array;
    /** Rotation head frame → observation frame, row-major 3 × 3. */
    rotation: Float64Array;
    /** Scale head → observation. */
    scale: number;
    /** Translation, observation frame. */
    translation: Float64Array;
    /** Head yaw (about +Y), pitch (about +X, positive looks up), roll (about +Z), radians: R = Ry(yaw) Rx(−pitch) Rz(roll). */
    headYaw: number;
    headPitch: number;
    headRoll: number;
    /** RMS landmark residual in the head frame (metres). */
    residual: number;
}

/**
 * The eigenvector of the largest eigenvalue of a symmetric 4 × 4 matrix (cyclic Jacobi).
 * @param m row-major 4 × 4, overwritten
 * @returns the unit eigenvector
 */
function largestEigenvector4(m: Float64Array): number[] {
    const v = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    for (let sweep = 0; sweep < 30; sweep++) {
        let off = 0;
        for (let p = 0; p < 4; p++) {
            for (let q = p + 1; q < 4; q++) {
                off += m[4 * p + q] ** 2;
            }
        }
        if (off < 1e-22) {
            break;
        }
        for (let p = 0; p < 4; p++) {
            for (let q = p + 1; q < 4; q++) {
                const apq = m[4 * p + q];
                if (Math.abs(apq) < 1e-300) {
                    continue;
                }
                const theta = (m[4 * q + q] - m[4 * p + p]) / (2 * apq);
                const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                const c = 1 / Math.sqrt(t * t + 1);
                const s = t * c;
                for (let k = 0; k < 4; k++) {
                    const akp = m[4 * k + p];
                    const akq = m[4 * k + q];
                    m[4 * k + p] = c * akp - s * akq;
                    m[4 * k + q] = s * akp + c * akq;
                }
                for (let k = 0; k < 4; k++) {
                    const apk = m[4 * p + k];
                    const aqk = m[4 * q + k];
                    m[4 * p + k] = c * apk - s * aqk;
                    m[4 * q + k] = s * apk + c * aqk;
                }
                for (let k = 0; k < 4; k++) {
                    const vkp = v[4 * k + p];
                    const vkq = v[4 * k + q];
                    v[4 * k + p] = c * vkp - s * vkq;
                    v[4 * k + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let best = 0;
    for (let k = 1; k < 4; k++) {
        if (m[5 * k] > m[5 * best]) {
            best = k;
        }
    }
    return [v[best], v[4 + best], v[8 + best], v[12 + best]];
}

/**
 * Landmarks as a face-mesh detector gives them (picture pixels: x right, y down, z away from the camera) in the
 * solver's right-handed, y-up frame with the face toward +z. The landmark model is fitted and applied through this one
 * conversion.
 * @param mesh n × 3 detector landmarks
 * @param out n × 3 to fill (allocated when omitted)
 * @param unit pixels per output unit (default 1)
 * @returns out
 */
export function pictureLandmarksToSolverFrame(mesh: ArrayLike<number>, out: Float64Array = new Float64Array(mesh.length), unit = 1): Float64Array {
    for (let i = 0; i + 2 < mesh.length; i += 3) {
        out[i] = mesh[i] / unit;
        out[i + 1] = -mesh[i + 1] / unit;
        out[i + 2] = -mesh[i + 2] / unit;
    }
    return out;
}

/**
 * Similarity fit y ≈ s R x + t (Horn 1987, quaternion form), for n point pairs.
 * @param x n × 3 source points
 * @param y n × 3 target points
 * @param out rotation (row-major), scale, translation
 * @returns out
 */
export function fitSimilarity(x: ArrayLike<number>, y: ArrayLike<number>, out = { rotation: new Float64Array(9), scale: 1, translation: new Float64Array(3) }) {
    const n = x.length / 3;
    const cx = [0, 0, 0];
    const cy = [0, 0, 0];
    for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
            cx[c] += x[3 * i + c] / n;
            cy[c] += y[3 * i + c] / n;
        }
    }
    const s = new Float64Array(9);
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
        for (let a = 0; a < 3; a++) {
            const xa = x[3 * i + a] - cx[a];
            sx += xa * xa;
            sy += (y[3 * i + a] - cy[a]) ** 2;
            for (let b = 0; b < 3; b++) {
                s[3 * a + b] += xa * (y[3 * i + b] - cy[b]);
            }
        }
    }
    const [sxx, sxy, sxz, syx, syy, syz, szx, szy, szz] = s;
    const m = Float64Array.of(
        sxx + syy + szz,
        syz - szy,
        szx - sxz,
        sxy - syx,
        syz - szy,
        sxx - syy - szz,
        sxy + syx,
        szx + sxz,
        szx - sxz,
        sxy + syx,
        -sxx + syy - szz,
        syz + szy,
        sxy - syx,
        szx + sxz,
        syz + szy,
        -sxx - syy + szz
    );
    const [w, qx, qy, qz] = largestEigenvector4(m);
    const r = out.rotation;
    r[0] = w * w + qx * qx - qy * qy - qz * qz;
    r[1] = 2 * (qx * qy - w * qz);
    r[2] = 2 * (qx * qz + w * qy);
    r[3] = 2 * (qx * qy + w * qz);
    r[4] = w * w - qx * qx + qy * qy - qz * qz;
    r[5] = 2 * (qy * qz - w * qx);
    r[6] = 2 * (qx * qz - w * qy);
    r[7] = 2 * (qy * qz + w * qx);
    r[8] = w * w - qx * qx - qy * qy + qz * qz;
    // Scale: the rotated source's projection onto the target (least squares for a given R).
    let dotRy = 0;
    for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
            dotRy += r[3 * b + a] * s[3 * a + b];
        }
    }
    out.scale = sx > 0 ? dotRy / sx : 1;
    void sy;
    for (let a = 0; a < 3; a++) {
        out.translation[a] = cy[a] - out.scale * (r[3 * a] * cx[0] + r[3 * a + 1] * cx[1] + r[3 * a + 2] * cx[2]);
    }
    return out;
}

/** Pairs of names that differ only by Left/Right. */
function symmetricPairs(names: readonly string[]): [number, number][] {
    const pairs: [number, number][] = [];
    names.forEach((name, i) => {
        if (name.endsWith("Left")) {
            const j = names.indexOf(`${name.slice(0, -4)}Right`);
            if (j >= 0) {
                pairs.push([i, j]);
            }
        }
    });
    return pairs;
}

/**
 * Per-frame solver of ARKit weights and head pose from landmarks. Its working arrays are allocated once; a frame
 * allocates only the pose fit's few small arrays (a dozen numbers).
 */
export class FaceSolver {
    /** The landmark model. */
    public readonly model: LandmarkBlendshapeModel;
    /** Identity coefficients of the current user (zero until {@link calibrate}). */
    public readonly identity: Float32Array;
    /** Weights of the user's neutral face (subtracted and rescaled: w' = (w − n) / (1 − n)). */
    public readonly neutralWeights: Float32Array;
    private readonly _k: number;
    private readonly _n: number;
    private readonly _gram: Float64Array;
    private readonly _hessian: Float64Array;
    private readonly _rhs: Float64Array;
    private readonly _w: Float64Array;
    private readonly _previous: Float64Array;
    private readonly _base: Float64Array;
    private readonly _points: Float64Array;
    private readonly _back: Float64Array;
    private readonly _neutralResidual: Float64Array;
    private readonly _iterations: number;
    private readonly _sweeps: number;
    private readonly _tau: Float64Array;
    private readonly _temporalInterval: number;
    private readonly _pose = { rotation: new Float64Array(9), scale: 1, translation: new Float64Array(3) };
    private readonly _viewOffset: Float64Array;
    private readonly _viewTerms = new Float64Array(LandmarkViewTerms);
    private readonly _angles = { yaw: 0, pitch: 0 };
    private _hasPrevious = false;

    /**
     * @param model the landmark model
     * @param options regularisation and iteration counts
     */
    constructor(model: LandmarkBlendshapeModel, options: FaceSolverOptions = {}) {
        const n = model.landmarkCount;
        const k = model.names.length;
        if (
            model.neutral.length !== 3 * n ||
            model.expressions.length !== k * 3 * n ||
            model.identities.length !== model.identityCount * 3 * n ||
            (model.views !== undefined && model.views.length !== LandmarkViewTerms * 3 * n) ||
            (model.regressor !== undefined && (model.regressor.length !== k * 3 * n || model.regressorBias?.length !== k)) ||
            (model.regressorGate !== undefined && !(model.regressorGate > 0))
        ) {
            throw new GemFormatError("size-mismatch", "landmark model", "arrays", `n = ${n}, K = ${k}, M = ${model.identityCount}`, "other sizes");
        }
        this.model = model;
        this._n = n;
        this._k = k;
        this.identity = new Float32Array(model.identityCount);
        this.neutralWeights = new Float32Array(k);
        this._gram = new Float64Array(k * k);
        const e = model.expressions;
        for (let a = 0; a < k; a++) {
            for (let b = a; b < k; b++) {
                let sum = 0;
                for (let i = 0; i < 3 * n; i++) {
                    sum += e[a * 3 * n + i] * e[b * 3 * n + i];
                }
                this._gram[a * k + b] = sum;
                this._gram[b * k + a] = sum;
            }
        }
        let meanDiagonal = 0;
        for (let a = 0; a < k; a++) {
            meanDiagonal += this._gram[a * k + a] / k;
        }
        this._tau = new Float64Array(k);
        for (let a = 0; a < k; a++) {
            this._tau[a] = (options.temporal ?? 0.3) * this._gram[a * k + a];
        }
        this._temporalInterval = options.temporalInterval ?? 1 / 30;
        const sigma = (options.symmetry ?? 0.02) * meanDiagonal;
        const rho = (options.ridge ?? 0.002) * meanDiagonal;
        this._hessian = this._gram.slice();
        for (let a = 0; a < k; a++) {
            this._hessian[a * k + a] += rho;
        }
        for (const [i, j] of symmetricPairs(model.names)) {
            this._hessian[i * k + i] += sigma;
            this._hessian[j * k + j] += sigma;
            this._hessian[i * k + j] -= sigma;
            this._hessian[j * k + i] -= sigma;
        }
        this._rhs = new Float64Array(k);
        this._w = new Float64Array(k);
        this._previous = new Float64Array(k);
        this._base = new Float64Array(3 * n);
        this._points = new Float64Array(3 * n);
        this._back = new Float64Array(3 * n);
        this._neutralResidual = new Float64Array(3 * n);
        this._viewOffset = new Float64Array(3 * n);
        this._iterations = options.iterations ?? 6;
        this._sweeps = options.sweeps ?? 40;
        this._updateBase();
    }

    /** Forgets the previous frame (the temporal prior restarts). */
    public reset(): void {
        this._hasPrevious = false;
        this._previous.fill(0);
    }

    /**
     * Calibrates the user from frames of their neutral face: identity coefficients (ridge toward the N(0, 1) prior), the
     * neutral residual the identity modes do not explain, and the weights a neutral face still gets (subtracted later).
     * @param frames landmark sets (n × 3 each) of a neutral face
     * @param identityPrior weight of the N(0, 1) prior on β, relative to the identity Gram's mean diagonal (default 0.05)
     */
    public calibrate(frames: readonly ArrayLike<number>[], identityPrior = 0.05): void {
        const n = this._n;
        const m = this.model.identityCount;
        this.identity.fill(0);
        this.neutralWeights.fill(0);
        this._neutralResidual.fill(0);
        this._updateBase();
        const usable = frames.filter((f) => f.length === 3 * n && Array.prototype.every.call(f, Number.isFinite));
        if (usable.length === 0) {
            return;
        }
        const ids = this.model.identities;
        const gram = new Float64Array(m * m);
        for (let a = 0; a < m; a++) {
            for (let b = 0; b < m; b++) {
                let sum = 0;
                for (let i = 0; i < 3 * n; i++) {
                    sum += ids[a * 3 * n + i] * ids[b * 3 * n + i];
                }
                gram[a * m + b] = sum;
            }
        }
        let mean = 0;
        for (let a = 0; a < m; a++) {
            mean += gram[a * m + a] / Math.max(m, 1);
        }
        const average = new Float64Array(3 * n);
        for (let round = 0; round < 4; round++) {
            average.fill(0);
            for (const frame of usable) {
                fitSimilarity(this._base, frame, this._pose);
                this._toHeadFrame(frame, this._back);
                this._updateViewOffset();
                for (let i = 0; i < 3 * n; i++) {
                    average[i] += (this._back[i] - this._viewOffset[i]) / usable.length;
                }
            }
            // Ridge solve of (G + λI) β = Iᵀ (average − L₀).
            const a = gram.slice();
            const rhs = new Float64Array(m);
            for (let p = 0; p < m; p++) {
                a[p * m + p] += identityPrior * mean;
                for (let i = 0; i < 3 * n; i++) {
                    rhs[p] += ids[p * 3 * n + i] * (average[i] - this.model.neutral[i]);
                }
            }
            const l = choleskyFactor(a, m);
            if (typeof l !== "number") {
                choleskySolve(l, m, rhs);
                for (let p = 0; p < m; p++) {
                    this.identity[p] = rhs[p];
                }
            }
            this._updateBase();
        }
        // What the identity modes leave: the user's own neutral, subtracted from every frame from now on.
        for (let i = 0; i < 3 * n; i++) {
            this._neutralResidual[i] = average[i] - this._base[i];
        }
        // Weights a neutral face still gets after that (small): removed and rescaled in every solution.
        const sum = new Float64Array(this._k);
        const solution = this._allocSolution();
        for (const frame of usable) {
            this.reset();
            this.solve(frame, solution, false);
            for (let k = 0; k < this._k; k++) {
                sum[k] += solution.weights[k] / usable.length;
            }
        }
        for (let k = 0; k < this._k; k++) {
            this.neutralWeights[k] = Math.min(0.9, sum[k]);
        }
        this.reset();
    }

    /**
     * Solves one frame.
     * @param observed n × 3 landmarks (right-handed, y up, the face toward +z; any scale and placement)
     * @param out solution to fill (allocated when omitted)
     * @param calibrated subtract the calibrated neutral weights (default true)
     * @param elapsedSeconds time since the previous frame solved (default: one {@link FaceSolverOptions.temporalInterval});
     * the temporal prior weakens for frames further apart
     * @returns the solution; `ok` false (previous weights kept) for a wrong count or a non-finite value
     */
    public solve(observed: ArrayLike<number>, out: FaceSolution = this._allocSolution(), calibrated = true, elapsedSeconds = this._temporalInterval): FaceSolution {
        const n = this._n;
        const k = this._k;
        let finite = observed.length === 3 * n;
        for (let i = 0; finite && i < observed.length; i++) {
            finite = Number.isFinite(observed[i]);
        }
        if (!finite) {
            out.ok = false;
            return out;
        }
        const w = this._w;
        if (this._hasPrevious) {
            w.set(this._previous);
        } else {
            w.fill(0);
        }
        const e = this.model.expressions;
        const view = this._viewOffset;
        view.fill(0);
        // The temporal prior's share for this frame: full at the nominal interval, less for frames further apart.
        const hold = elapsedSeconds > this._temporalInterval ? this._temporalInterval / elapsedSeconds : 1;
        for (let iteration = 0; iteration < this._iterations; iteration++) {
            // Model landmarks at the current weights and view, then the pose that puts them on the observation.
            for (let i = 0; i < 3 * n; i++) {
                let v = this._base[i] + this._neutralResidual[i] + view[i];
                for (let a = 0; a < k; a++) {
                    v += w[a] * e[a * 3 * n + i];
                }
                this._points[i] = v;
            }
            fitSimilarity(this._points, observed, this._pose);
            this._toHeadFrame(observed, this._back);
            this._updateViewOffset();
            // Normal equations: H w = Eᵀ d + τ w_prev, d = back − base − neutral residual − view displacement.
            for (let a = 0; a < k; a++) {
                let sum = 0;
                for (let i = 0; i < 3 * n; i++) {
                    sum += e[a * 3 * n + i] * (this._back[i] - this._base[i] - this._neutralResidual[i] - view[i]);
                }
                this._rhs[a] = sum + (this._hasPrevious ? hold * this._tau[a] * this._previous[a] : 0);
            }
            const temporal = this._hasPrevious ? hold : 0;
            for (let sweep = 0; sweep < this._sweeps; sweep++) {
                for (let a = 0; a < k; a++) {
                    let sum = this._rhs[a];
                    for (let b = 0; b < k; b++) {
                        if (b !== a) {
                            sum -= this._hessian[a * k + b] * w[b];
                        }
                    }
                    const diagonal = this._hessian[a * k + a] + temporal * this._tau[a];
                    w[a] = diagonal > 0 ? Math.min(1, Math.max(0, sum / diagonal)) : 0;
                }
            }
        }
        // Residual in the head frame.
        let residual = 0;
        for (let i = 0; i < 3 * n; i++) {
            let v = this._base[i] + this._neutralResidual[i] + view[i];
            for (let a = 0; a < k; a++) {
                v += w[a] * e[a * 3 * n + i];
            }
            residual += (v - this._back[i]) ** 2;
        }
        this._previous.set(w);
        this._hasPrevious = true;
        const regressor = this.model.regressor;
        if (regressor) {
            // The learned map reads the weights from the displacement at the solved pose.
            const bias = this.model.regressorBias!;
            const d = this._points;
            this.displacement(d);
            for (let a = 0; a < k; a++) {
                let v = bias[a];
                const row = a * 3 * n;
                for (let i = 0; i < 3 * n; i++) {
                    v += regressor[row + i] * d[i];
                }
                this._rhs[a] = v;
            }
        }
        for (let a = 0; a < k; a++) {
            const neutral = calibrated ? this.neutralWeights[a] : 0;
            const gate = this.model.regressorGate;
            const value = !regressor ? w[a] : gate ? w[a] * Math.min(1, Math.max(0, this._rhs[a]) / gate) : this._rhs[a];
            out.weights[a] = Math.min(1, Math.max(0, (value - neutral) / (1 - neutral)));
        }
        out.rotation.set(this._pose.rotation);
        out.scale = this._pose.scale;
        out.translation.set(this._pose.translation);
        const r = this._pose.rotation;
        // R = Ry(yaw) Rx(−pitch) Rz(roll): r[5] = −sin(−pitch)… solved for the three angles.
        const angles = rotationYawPitch(r, this._angles);
        out.headPitch = angles.pitch;
        out.headYaw = angles.yaw;
        out.headRoll = Math.atan2(r[3], r[4]);
        out.residual = Math.sqrt(residual / n);
        out.ok = true;
        return out;
    }

    /**
     * The last solved frame's landmark displacement in the head frame: the observation brought back by the solved pose,
     * minus the user's calibrated neutral and the view displacement (what the expressions must explain).
     * @param out n × 3 to fill
     * @returns out
     */
    public displacement(out: Float64Array = new Float64Array(3 * this._n)): Float64Array {
        for (let i = 0; i < 3 * this._n; i++) {
            out[i] = this._back[i] - this._base[i] - this._neutralResidual[i] - this._viewOffset[i];
        }
        return out;
    }

    private _allocSolution(): FaceSolution {
        return {
            ok: false,
            weights: new Float32Array(this._k),
            rotation: new Float64Array(9),
            scale: 1,
            translation: new Float64Array(3),
            headYaw: 0,
            headPitch: 0,
            headRoll: 0,
            residual: 0,
        };
    }

    /** The view displacement at the current pose (zero for a model without view terms). */
    private _updateViewOffset(): void {
        const views = this.model.views;
        if (!views) {
            return;
        }
        const angles = rotationYawPitch(this._pose.rotation, this._angles);
        const t = landmarkViewTerms(angles.yaw, angles.pitch, this._viewTerms);
        const n3 = 3 * this._n;
        const out = this._viewOffset;
        for (let i = 0; i < n3; i++) {
            let v = 0;
            for (let a = 0; a < LandmarkViewTerms; a++) {
                v += t[a] * views[a * n3 + i];
            }
            out[i] = v;
        }
    }

    /** base = L₀ + Σ β I. */
    private _updateBase(): void {
        const n3 = 3 * this._n;
        for (let i = 0; i < n3; i++) {
            let v = this.model.neutral[i];
            for (let m = 0; m < this.model.identityCount; m++) {
                v += this.identity[m] * this.model.identities[m * n3 + i];
            }
            this._base[i] = v;
        }
    }

    /** back = Rᵀ (y − t) / s. */
    private _toHeadFrame(observed: ArrayLike<number>, out: Float64Array): void {
        observationToHeadFrame(this._pose, observed, out);
    }
}

/**
 * Brings observed points back into the head frame through a similarity pose y = s R x + t: x = Rᵀ (y − t) / s.
 * @param pose rotation (row-major 3 × 3), scale, translation
 * @param observed n × 3 points, solver frame
 * @param out n × 3 head-frame points
 * @returns out
 */
export function observationToHeadFrame(
    pose: { rotation: ArrayLike<number>; scale: number; translation: ArrayLike<number> },
    observed: ArrayLike<number>,
    out: Float64Array
): Float64Array {
    const { rotation: r, scale, translation: t } = pose;
    for (let i = 0; i + 2 < out.length; i += 3) {
        const y0 = observed[i] - t[0];
        const y1 = observed[i + 1] - t[1];
        const y2 = observed[i + 2] - t[2];
        out[i] = (r[0] * y0 + r[3] * y1 + r[6] * y2) / scale;
        out[i + 1] = (r[1] * y0 + r[4] * y1 + r[7] * y2) / scale;
        out[i + 2] = (r[2] * y0 + r[5] * y1 + r[8] * y2) / scale;
    }
    return out;
}
