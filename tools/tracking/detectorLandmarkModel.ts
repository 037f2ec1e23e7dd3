/**
 * A landmark model fitted to what the detector actually reports: the ICT head is rendered with each ARKit shape alone
 * (and neutral), the 478 landmarks detected, and the model's neutral and expression displacements fitted to the
 * detections by least squares. A detector places landmarks by its own face prior rather than on fixed surface points,
 * so this model matches its output far better than points cast onto the mesh (docs/ANIMATION.md §8). Identity modes
 * come from the surface correspondence, rescaled to the detector's units.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { choleskyFactor, choleskySolve } from "../../core/cholesky.js";
import { fitSimilarity, LandmarkViewTerms, pictureLandmarksToSolverFrame, type LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { writeNpz } from "../writers/npzWriter.js";

/** One rendered frame: its ARKit weights (52) and the detected landmarks (478 × 3, pixels, y down, z toward the viewer negative). */
export interface DetectedFrame {
    arkit: number[];
    mesh: number[];
}

/**
 * Detector landmarks in the solver's frame: x right, y up, z toward the viewer, in units of 1/1000 of a pixel row.
 * @param mesh 478 × 3 detector output
 * @returns the points
 */
export function detectorToSolverFrame(mesh: ArrayLike<number>): Float64Array {
    return pictureLandmarksToSolverFrame(mesh, undefined, 1000);
}

/**
 * The landmarks that expressions move least (by the surface model: the largest displacement over all shapes, smallest
 * first): the points each detection is aligned on.
 * @param geometric the surface-correspondence model
 * @param fraction share of the landmarks kept (default 0.2)
 * @returns landmark indices
 */
export function stableLandmarks(geometric: LandmarkBlendshapeModel, fraction = 0.2): number[] {
    const n = geometric.landmarkCount;
    const largest = new Float64Array(n);
    for (let k = 0; k < geometric.names.length; k++) {
        for (let i = 0; i < n; i++) {
            const o = k * 3 * n + 3 * i;
            largest[i] = Math.max(largest[i], Math.hypot(geometric.expressions[o], geometric.expressions[o + 1], geometric.expressions[o + 2]));
        }
    }
    return Array.from({ length: n }, (_, i) => i)
        .sort((a, b) => largest[a] - largest[b])
        .slice(0, Math.max(3, Math.round(fraction * n)));
}

/**
 * Brings a detection onto a reference by the similarity that best maps its stable landmarks onto the reference's: the
 * detector's own jitter (its crop moves and rescales from picture to picture) and the camera's view are removed.
 * @param points n × 3, solver frame (changed in place)
 * @param reference n × 3, solver frame
 * @param stable landmark indices to align on
 */
export function alignToReference(points: Float64Array, reference: ArrayLike<number>, stable: readonly number[]): void {
    const x = new Float64Array(stable.length * 3);
    const y = new Float64Array(stable.length * 3);
    stable.forEach((i, j) => {
        for (let c = 0; c < 3; c++) {
            x[3 * j + c] = points[3 * i + c];
            y[3 * j + c] = reference[3 * i + c];
        }
    });
    const { rotation: r, scale, translation: t } = fitSimilarity(x, y);
    for (let i = 0; i < points.length; i += 3) {
        const [px, py, pz] = [points[i], points[i + 1], points[i + 2]];
        for (let c = 0; c < 3; c++) {
            points[i + c] = scale * (r[3 * c] * px + r[3 * c + 1] * py + r[3 * c + 2] * pz) + t[c];
        }
    }
}

/**
 * Fits the model: detections = neutral + Σ w_k E_k, by ridge least squares over the frames, each detection first
 * aligned on the stable landmarks to the first frame without expression (so frames from several views and the
 * detector's rigid jitter add no false motion to the shapes).
 * @param geometric the surface-correspondence model (names, identity modes)
 * @param frames rendered frames with their weights (at least one neutral)
 * @param ridge penalty on the expression displacements (default 1e-3)
 * @param align align each frame on the stable landmarks (default true)
 * @returns the fitted model
 */
export function fitDetectorLandmarkModel(geometric: LandmarkBlendshapeModel, frames: readonly DetectedFrame[], ridge = 1e-3, align = true): LandmarkBlendshapeModel {
    const k = geometric.names.length;
    const p = k + 1;
    const d = geometric.landmarkCount * 3;
    const columns = geometric.names.map((name) => ArkitBlendshapeNames.indexOf(name));
    const xtx = new Float64Array(p * p);
    const xty = new Float64Array(p * d);
    const neutralFrame = frames.find((f) => f.arkit.every((w) => w === 0));
    if (align && !neutralFrame) {
        throw new Error("detector landmark model: no frame without expression to align on");
    }
    const reference = neutralFrame ? detectorToSolverFrame(neutralFrame.mesh) : null;
    const stable = stableLandmarks(geometric);
    for (const frame of frames) {
        const x = [1, ...columns.map((c) => frame.arkit[c])];
        const y = detectorToSolverFrame(frame.mesh);
        if (align && reference) {
            alignToReference(y, reference, stable);
        }
        for (let a = 0; a < p; a++) {
            for (let b = 0; b < p; b++) {
                xtx[a * p + b] += x[a] * x[b];
            }
            if (x[a] !== 0) {
                for (let j = 0; j < d; j++) {
                    xty[a * d + j] += x[a] * y[j];
                }
            }
        }
    }
    for (let a = 1; a < p; a++) {
        xtx[a * p + a] += ridge;
    }
    const l = choleskyFactor(xtx, p);
    if (typeof l === "number") {
        throw new Error(`detector landmark model: the frames do not determine ${l === 0 ? "the neutral" : `shape ${geometric.names[l - 1]}`} (a singular system)`);
    }
    const b = new Float64Array(p * d);
    const column = new Float64Array(p);
    for (let j = 0; j < d; j++) {
        for (let i = 0; i < p; i++) {
            column[i] = xty[i * d + j];
        }
        choleskySolve(l, p, column);
        for (let i = 0; i < p; i++) {
            b[i * d + j] = column[i];
        }
    }
    const neutral = Float32Array.from(b.subarray(0, d));
    // Identity modes from the surface, in the detector's units: the ratio of the two neutrals' spreads.
    const spread = (values: ArrayLike<number>) => {
        const mean = [0, 0, 0];
        const n = values.length / 3;
        for (let i = 0; i < n; i++) {
            for (let c = 0; c < 3; c++) {
                mean[c] += values[3 * i + c] / n;
            }
        }
        let sum = 0;
        for (let i = 0; i < n; i++) {
            for (let c = 0; c < 3; c++) {
                sum += (values[3 * i + c] - mean[c]) ** 2;
            }
        }
        return Math.sqrt(sum / n);
    };
    const ratio = spread(neutral) / spread(geometric.neutral);
    return {
        landmarkCount: geometric.landmarkCount,
        names: [...geometric.names],
        neutral,
        expressions: Float32Array.from(b.subarray(d)),
        identities: Float32Array.from(geometric.identities, (v) => v * ratio),
        identityCount: geometric.identityCount,
    };
}

/**
 * The model as an npz (`neutral` (n, 3), `expressions` (K, n, 3), `identities` (M, n, 3), `views` (5, n, 3) when the
 * model has view terms, float32; `names` (K,) strings).
 * @param model the model
 * @returns file bytes
 */
export function landmarkModelNpz(model: LandmarkBlendshapeModel): Uint8Array {
    const n = model.landmarkCount;
    const width = Math.max(...model.names.map((name) => name.length));
    const names = new Uint8Array(model.names.length * width * 4);
    const view = new DataView(names.buffer);
    model.names.forEach((name, i) => [...name].forEach((ch, c) => view.setUint32((i * width + c) * 4, ch.charCodeAt(0), true)));
    return writeNpz({
        neutral: { descr: "<f4", shape: [n, 3], data: model.neutral },
        expressions: { descr: "<f4", shape: [model.names.length, n, 3], data: model.expressions },
        identities: { descr: "<f4", shape: [model.identityCount, n, 3], data: model.identities },
        names: { descr: `<U${width}`, shape: [model.names.length], data: names },
        ...(model.views ? { views: { descr: "<f4", shape: [LandmarkViewTerms, n, 3], data: model.views } } : {}),
        ...(model.regressor && model.regressorBias
            ? {
                  regressor: { descr: "<f4", shape: [model.names.length, n, 3], data: model.regressor },
                  regressorBias: { descr: "<f4", shape: [model.names.length], data: model.regressorBias },
                  ...(model.regressorGate ? { regressorGate: { descr: "<f4", shape: [1], data: Float32Array.of(model.regressorGate) } } : {}),
              }
            : {}),
    });
}
