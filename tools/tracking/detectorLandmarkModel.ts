/**
 * A landmark model fitted to what the detector actually reports: the ICT head is rendered with each ARKit shape alone
 * (and neutral), the 478 landmarks detected, and the model's neutral and expression displacements fitted to the
 * detections by least squares. A detector places landmarks by its own face prior rather than on fixed surface points,
 * so this model matches its output far better than points cast onto the mesh (docs/ANIMATION.md §8). Identity modes
 * come from the surface correspondence, rescaled to the detector's units.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { choleskyFactor, choleskySolve } from "../../core/cholesky.js";
import type { LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
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
    const out = new Float64Array(mesh.length);
    for (let i = 0; i < mesh.length / 3; i++) {
        out[3 * i] = mesh[3 * i] / 1000;
        out[3 * i + 1] = -mesh[3 * i + 1] / 1000;
        out[3 * i + 2] = -mesh[3 * i + 2] / 1000;
    }
    return out;
}

/**
 * Fits the model: detections = neutral + Σ w_k E_k, by ridge least squares over the frames.
 * @param geometric the surface-correspondence model (names, identity modes)
 * @param frames rendered frames with their weights
 * @param ridge penalty on the expression displacements (default 1e-3)
 * @returns the fitted model
 */
export function fitDetectorLandmarkModel(geometric: LandmarkBlendshapeModel, frames: readonly DetectedFrame[], ridge = 1e-3): LandmarkBlendshapeModel {
    const k = geometric.names.length;
    const p = k + 1;
    const d = geometric.landmarkCount * 3;
    const columns = geometric.names.map((name) => ArkitBlendshapeNames.indexOf(name));
    const xtx = new Float64Array(p * p);
    const xty = new Float64Array(p * d);
    for (const frame of frames) {
        const x = [1, ...columns.map((c) => frame.arkit[c])];
        const y = detectorToSolverFrame(frame.mesh);
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
 * The model as an npz (`neutral` (n, 3), `expressions` (K, n, 3), `identities` (M, n, 3) float32, `names` (K,) strings).
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
    });
}
