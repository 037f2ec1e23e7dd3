/**
 * The face solver's landmark model learned from the detector's own behaviour on many faces: detections of training
 * identities at known ARKit weights and views (tools/tracking/trackingDataset.ts) are explained as
 *
 *   y_j ≈ s_j R_j (N + D_i(j) + Σ_k w_jk E_k) + t_j
 *
 * with a per-frame similarity (the view and the detector's crop), a per-identity neutral offset D_i, shared
 * expression displacements E_k and view displacements V_t on the terms of the frame's solved yaw and pitch (the
 * detector's landmarks bend with the view; the solver removes V at the pose it solves). Alternating: poses given the model; D_i as each identity's mean remainder; N and E by
 * ridge least squares over every frame. The identity modes are the principal components of the D_i in the detector's
 * own space, scaled to N(0, 1) coefficients (as the solver's calibration prior expects), so an unseen face is first fitted
 * by how the detector sees faces, not by points cast onto a mesh.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { choleskyFactor, choleskySolve } from "../../core/cholesky.js";
import {
    FaceSolver,
    fitSimilarity,
    landmarkViewTerms,
    LandmarkViewTerms,
    observationToHeadFrame,
    rotationYawPitch,
    type LandmarkBlendshapeModel,
} from "../../core/tracking/FaceSolver.js";
import { fitLinearDriver } from "../distill/ridgeRegression.js";
import { datasetSolverFrame, DatasetLandmarks, type TrackingDataset } from "./trackingDataset.js";

/** Options of {@link fitLearnedLandmarkModel}. */
export interface LearnedModelOptions {
    /** Expression names, in the model's order (default: the 51 ARKit names ICT rigs). */
    names?: readonly string[];
    /** Identity modes kept (default 12). */
    identityModes?: number;
    /** Ridge on the expression displacements (default 1e-3). */
    ridge?: number;
    /** Alternation rounds (default 6). */
    rounds?: number;
    /** Frames of these identities are left out (held out). */
    exclude?: readonly number[];
    /** Learn view displacements (default true). */
    views?: boolean;
}

/**
 * Eigen-decomposition of a symmetric matrix (cyclic Jacobi).
 * @param matrix row-major m × m (copied)
 * @param m size
 * @returns eigenvalues (descending) and eigenvectors (row e is the e-th vector)
 */
export function symmetricEigen(matrix: ArrayLike<number>, m: number): { values: number[]; vectors: Float64Array } {
    const a = Float64Array.from(matrix);
    const v = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
        v[i * m + i] = 1;
    }
    for (let sweep = 0; sweep < 60; sweep++) {
        let off = 0;
        let diagonal = 0;
        for (let p = 0; p < m; p++) {
            diagonal += a[p * m + p] ** 2;
            for (let q = p + 1; q < m; q++) {
                off += a[p * m + q] ** 2;
            }
        }
        if (off <= 1e-24 * Math.max(diagonal, 1e-300)) {
            break;
        }
        for (let p = 0; p < m; p++) {
            for (let q = p + 1; q < m; q++) {
                const apq = a[p * m + q];
                if (Math.abs(apq) < 1e-300) {
                    continue;
                }
                const theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
                const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                const c = 1 / Math.sqrt(t * t + 1);
                const s = t * c;
                for (let k = 0; k < m; k++) {
                    const akp = a[k * m + p];
                    const akq = a[k * m + q];
                    a[k * m + p] = c * akp - s * akq;
                    a[k * m + q] = s * akp + c * akq;
                }
                for (let k = 0; k < m; k++) {
                    const apk = a[p * m + k];
                    const aqk = a[q * m + k];
                    a[p * m + k] = c * apk - s * aqk;
                    a[q * m + k] = s * apk + c * aqk;
                }
                for (let k = 0; k < m; k++) {
                    const vkp = v[k * m + p];
                    const vkq = v[k * m + q];
                    v[k * m + p] = c * vkp - s * vkq;
                    v[k * m + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => a[y * m + y] - a[x * m + x]);
    const vectors = new Float64Array(m * m);
    order.forEach((col, e) => {
        for (let k = 0; k < m; k++) {
            vectors[e * m + k] = v[k * m + col];
        }
    });
    return { values: order.map((i) => a[i * m + i]), vectors };
}

/**
 * Learns the landmark model from a training data set.
 * @param data training detections
 * @param options names, modes, ridge, rounds
 * @returns the model and the RMS residual over the training frames per round
 */
export function fitLearnedLandmarkModel(data: TrackingDataset, options: LearnedModelOptions = {}): { model: LandmarkBlendshapeModel; residuals: number[] } {
    const names = [...(options.names ?? ArkitBlendshapeNames.filter((n) => n !== "tongueOut"))];
    const k = names.length;
    const viewTerms = options.views === false ? 0 : LandmarkViewTerms;
    const p = k + 1 + viewTerms;
    const n3 = DatasetLandmarks * 3;
    const columns = names.map((name) => ArkitBlendshapeNames.indexOf(name));
    const excluded = new Set(options.exclude ?? []);
    const frames = Array.from({ length: data.frameCount }, (_, j) => j).filter((j) => !excluded.has(data.identity[j]));
    const identities = [...new Set(frames.map((j) => data.identity[j]))];
    const slot = new Map(identities.map((id, i) => [id, i]));
    const observed = frames.map((j) => datasetSolverFrame(data, j));
    const weights = frames.map((j) => Float64Array.from(columns, (c) => data.arkit[j * 52 + c]));
    // Start: the neutral is the first neutral frame; no expression, no identity offsets.
    const first = frames.findIndex((j) => weights[frames.indexOf(j)].every((w) => w === 0));
    if (first < 0) {
        throw new Error("learned landmark model: no neutral frame");
    }
    const model = new Float64Array(p * n3);
    model.set(observed[first], 0);
    const offsets = identities.map(() => new Float64Array(n3));
    const back = observed.map(() => new Float64Array(n3));
    const terms = observed.map(() => new Float64Array(LandmarkViewTerms));
    const predicted = new Float64Array(n3);
    const ridge = options.ridge ?? 1e-3;
    const residuals: number[] = [];
    const predict = (f: number, out: Float64Array) => {
        const offset = offsets[slot.get(data.identity[frames[f]])!];
        for (let i = 0; i < n3; i++) {
            let v = model[i] + offset[i];
            for (let a = 0; a < k; a++) {
                v += weights[f][a] * model[(a + 1) * n3 + i];
            }
            for (let t = 0; t < viewTerms; t++) {
                v += terms[f][t] * model[(k + 1 + t) * n3 + i];
            }
            out[i] = v;
        }
        return out;
    };
    for (let round = 0; round < (options.rounds ?? 6); round++) {
        // Poses: each frame brought into the head frame by the similarity that puts the current prediction on it.
        let squared = 0;
        for (let f = 0; f < frames.length; f++) {
            const pose = fitSimilarity(predict(f, predicted), observed[f]);
            observationToHeadFrame(pose, observed[f], back[f]);
            const angles = rotationYawPitch(pose.rotation);
            landmarkViewTerms(angles.yaw, angles.pitch, terms[f]);
            for (let i = 0; i < n3; i++) {
                squared += (back[f][i] - predicted[i]) ** 2;
            }
        }
        residuals.push(Math.sqrt(squared / (frames.length * DatasetLandmarks)));
        // Identity offsets: each identity's mean remainder, centred over identities.
        for (const offset of offsets) {
            offset.fill(0);
        }
        const counts = identities.map(() => 0);
        const zero = identities.map(() => new Float64Array(n3));
        for (let f = 0; f < frames.length; f++) {
            const s = slot.get(data.identity[frames[f]])!;
            counts[s]++;
            for (let i = 0; i < n3; i++) {
                let v = back[f][i] - model[i];
                for (let a = 0; a < k; a++) {
                    v -= weights[f][a] * model[(a + 1) * n3 + i];
                }
                for (let t = 0; t < viewTerms; t++) {
                    v -= terms[f][t] * model[(k + 1 + t) * n3 + i];
                }
                zero[s][i] += v;
            }
        }
        const mean = new Float64Array(n3);
        zero.forEach((z, s) => {
            for (let i = 0; i < n3; i++) {
                z[i] /= counts[s];
                mean[i] += z[i] / identities.length;
            }
        });
        zero.forEach((z, s) => {
            for (let i = 0; i < n3; i++) {
                offsets[s][i] = z[i] - mean[i];
            }
        });
        // Neutral and expressions: ridge least squares of (back − offset) on [1, w].
        const xtx = new Float64Array(p * p);
        const xty = new Float64Array(p * n3);
        const x = new Float64Array(p);
        for (let f = 0; f < frames.length; f++) {
            x[0] = 1;
            x.set(weights[f], 1);
            x.set(terms[f].subarray(0, viewTerms), k + 1);
            const offset = offsets[slot.get(data.identity[frames[f]])!];
            for (let a = 0; a < p; a++) {
                for (let b = 0; b < p; b++) {
                    xtx[a * p + b] += x[a] * x[b];
                }
                if (x[a] !== 0) {
                    for (let i = 0; i < n3; i++) {
                        xty[a * n3 + i] += x[a] * (back[f][i] - offset[i]);
                    }
                }
            }
        }
        for (let a = 1; a < p; a++) {
            xtx[a * p + a] += ridge;
        }
        const l = choleskyFactor(xtx, p);
        if (typeof l === "number") {
            throw new Error(`learned landmark model: the frames do not determine ${l === 0 ? "the neutral" : l <= k ? names[l - 1] : `view term ${l - k - 1}`}`);
        }
        const column = new Float64Array(p);
        for (let i = 0; i < n3; i++) {
            for (let a = 0; a < p; a++) {
                column[a] = xty[a * n3 + i];
            }
            choleskySolve(l, p, column);
            for (let a = 0; a < p; a++) {
                model[a * n3 + i] = column[a];
            }
        }
    }
    // Identity modes: principal components of the offsets, scaled to one standard deviation.
    const count = identities.length;
    const gram = new Float64Array(count * count);
    for (let a = 0; a < count; a++) {
        for (let b = a; b < count; b++) {
            let sum = 0;
            for (let i = 0; i < n3; i++) {
                sum += offsets[a][i] * offsets[b][i];
            }
            gram[a * count + b] = gram[b * count + a] = sum;
        }
    }
    const { values, vectors } = symmetricEigen(gram, count);
    const modes = Math.min(options.identityModes ?? 12, count - 1);
    const identitiesOut = new Float32Array(modes * n3);
    for (let m = 0; m < modes; m++) {
        // Mode vector u = Σ_s v_s D_s / √λ (unit length); one standard deviation is √(λ / (count − 1)).
        const lambda = Math.max(values[m], 1e-30);
        const sd = Math.sqrt(lambda / Math.max(1, count - 1));
        for (let i = 0; i < n3; i++) {
            let u = 0;
            for (let s = 0; s < count; s++) {
                u += vectors[m * count + s] * offsets[s][i];
            }
            identitiesOut[m * n3 + i] = (u / Math.sqrt(lambda)) * sd;
        }
    }
    return {
        model: {
            landmarkCount: DatasetLandmarks,
            names,
            neutral: Float32Array.from(model.subarray(0, n3)),
            expressions: Float32Array.from(model.subarray(n3, (k + 1) * n3)),
            ...(viewTerms > 0 ? { views: Float32Array.from(model.subarray((k + 1) * n3)) } : {}),
            identities: identitiesOut,
            identityCount: modes,
        },
        residuals,
    };
}

/** Options of {@link fitLandmarkRegressor}. */
export interface LandmarkRegressorOptions {
    /** Ridge strengths to choose from, relative to the features' mean variance (default 0.01 … 0.3). */
    ridges?: readonly number[];
    /** Cross-validation folds over training identities (default 4). */
    folds?: number;
    /** Frames of these identities are left out (held out). */
    exclude?: readonly number[];
}

/**
 * The calibrated displacement of every training frame as the tracker computes it (each identity calibrated on its own
 * neutral frames, each frame solved as a held pose), with its true weights.
 * @param model the landmark model (without regressor)
 * @param data training detections
 * @param exclude identities left out
 * @returns features (F × 3n), targets (F × K), the identity of each row
 */
export function regressorTrainingRows(
    model: LandmarkBlendshapeModel,
    data: TrackingDataset,
    exclude: readonly number[] = []
): { x: Float64Array[]; y: Float64Array[]; identity: number[] } {
    const plain: LandmarkBlendshapeModel = { ...model, regressor: undefined, regressorBias: undefined };
    const columns = model.names.map((name) => ArkitBlendshapeNames.indexOf(name));
    const frameOf = (j: number) => datasetSolverFrame(data, j);
    const x: Float64Array[] = [];
    const y: Float64Array[] = [];
    const identity: number[] = [];
    for (const id of new Set(data.identity)) {
        if (exclude.includes(id)) {
            continue;
        }
        const solver = new FaceSolver(plain);
        const frames = Array.from({ length: data.frameCount }, (_, j) => j).filter((j) => data.identity[j] === id);
        solver.calibrate(frames.filter((j) => data.poseNames[data.pose[j]] === "neutral").map(frameOf));
        for (const j of frames) {
            const observed = frameOf(j);
            solver.reset();
            for (let r = 0; r < 3; r++) {
                solver.solve(observed);
            }
            x.push(solver.displacement());
            y.push(Float64Array.from(columns, (c) => data.arkit[j * 52 + c]));
            identity.push(id);
        }
    }
    return { x, y, identity };
}

/** Ridge regression y ≈ W x + b (W: K × D) through the driver-map fit (the same normal equations). */
function ridgeFit(x: readonly Float64Array[], y: readonly Float64Array[], ridge: number): { w: Float32Array; bias: Float32Array } {
    const d = x[0].length;
    const k = y[0].length;
    const inputs = new Float32Array(x.length * d);
    const outputs = new Float32Array(y.length * k);
    x.forEach((row, r) => inputs.set(row, r * d));
    y.forEach((row, r) => outputs.set(row, r * k));
    const map = fitLinearDriver(
        "landmark regressor",
        Array.from({ length: d }, (_, i) => `d${i}`),
        inputs,
        outputs,
        ridge
    );
    return { w: map.matrix, bias: map.bias };
}

/**
 * Learns the map from calibrated landmark displacement to weights (ridge regression; the ridge chosen by
 * cross-validation over training identities, never the held-out ones, then each channel's amplitude restored by a gain
 * fitted on the out-of-fold predictions) and returns the model with it.
 * @param model the landmark model
 * @param data training detections
 * @param options ridges, folds, excluded identities
 * @returns the model with `regressor` and `regressorBias`, and the cross-validated error per ridge
 */
export function fitLandmarkRegressor(
    model: LandmarkBlendshapeModel,
    data: TrackingDataset,
    options: LandmarkRegressorOptions = {}
): { model: LandmarkBlendshapeModel; validation: { ridge: number; rmse: number }[] } {
    const rows = regressorTrainingRows(model, data, options.exclude);
    const ids = [...new Set(rows.identity)];
    const folds = Math.min(options.folds ?? 4, ids.length);
    const validation: { ridge: number; rmse: number }[] = [];
    const d = rows.x[0].length;
    const k = rows.y[0].length;
    /** Out-of-fold predictions (unclamped) at a ridge, and their clamped RMSE. */
    const crossValidate = (ridge: number) => {
        const predictions = rows.x.map(() => new Float64Array(k));
        let squared = 0;
        for (let fold = 0; fold < folds; fold++) {
            const test = new Set(ids.filter((_, i) => i % folds === fold));
            const train = rows.x.map((_, r) => r).filter((r) => !test.has(rows.identity[r]));
            const { w, bias } = ridgeFit(
                train.map((r) => rows.x[r]),
                train.map((r) => rows.y[r]),
                ridge
            );
            for (let r = 0; r < rows.x.length; r++) {
                if (!test.has(rows.identity[r])) {
                    continue;
                }
                for (let a = 0; a < k; a++) {
                    let v = bias[a];
                    for (let i = 0; i < d; i++) {
                        v += w[a * d + i] * rows.x[r][i];
                    }
                    predictions[r][a] = v;
                    squared += (Math.min(1, Math.max(0, v)) - rows.y[r][a]) ** 2;
                }
            }
        }
        return { predictions, rmse: Math.sqrt(squared / (rows.x.length * k)) };
    };
    let best: { ridge: number; predictions: Float64Array[]; rmse: number } | null = null;
    for (const ridge of options.ridges ?? [0.01, 0.03, 0.1, 0.3]) {
        const result = crossValidate(ridge);
        validation.push({ ridge, rmse: result.rmse });
        if (!best || result.rmse < best.rmse) {
            best = { ridge, ...result };
        }
    }
    // Ridge shrinks each channel's amplitude: a per-channel gain and offset, fitted on the out-of-fold predictions
    // (still only training identities), undoes it.
    const gain = new Float64Array(k);
    const offset = new Float64Array(k);
    for (let a = 0; a < k; a++) {
        let [sp, st, spp, spt] = [0, 0, 0, 0];
        const f = rows.x.length;
        for (let r = 0; r < f; r++) {
            const p = best!.predictions[r][a];
            const t = rows.y[r][a];
            sp += p;
            st += t;
            spp += p * p;
            spt += p * t;
        }
        const variance = spp - (sp * sp) / f;
        gain[a] = variance > 1e-12 ? Math.max(0, (spt - (sp * st) / f) / variance) : 1;
        offset[a] = (st - gain[a] * sp) / f;
    }
    const { w, bias } = ridgeFit(rows.x, rows.y, best!.ridge);
    for (let a = 0; a < k; a++) {
        for (let i = 0; i < d; i++) {
            w[a * d + i] *= gain[a];
        }
        bias[a] = gain[a] * bias[a] + offset[a];
    }
    return { model: { ...model, regressor: w, regressorBias: bias }, validation };
}
