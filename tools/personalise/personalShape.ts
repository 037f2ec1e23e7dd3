/**
 * The shape of a personal head from a short capture: ICT-FaceKit's identity modes and a smooth per-vertex offset fitted
 * to face-mesh landmarks over every captured picture (head turns and expressions together).
 *
 * Each round solves every picture's similarity pose and ARKit weights against the current neutral (the face solver,
 * with no temporal prior: pictures are independent views), brings each picture back into the head frame, removes its
 * expression, and averages what is left: the user's neutral as every view saw it. The identity coefficients β are the
 * ridge solution toward ICT's N(0, 1) prior on that average; what β cannot explain is the landmark residual, spread over
 * the mesh by a regularised Gaussian radial basis (so the offset is smooth and fades away from the landmarks). Parts that
 * must stay rigid (eyeballs, teeth, gums) move by their own mean offset.
 *
 * No file access and no engine: pages and workers run it as they are.
 */
import { choleskyFactor, choleskySolve } from "../../core/cholesky.js";
import { FaceSolver, observationToHeadFrame, pictureLandmarksToSolverFrame, type LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { ictVertices, type IctFaceKit } from "../synthetic/ictHead.js";

/** A landmark on ICT's surface: triangle index, then its three barycentric coordinates. */
export type SurfaceLandmark = readonly [number, number, number, number];

/** A picture's pose and expression, as the solver found them against the fitted neutral. */
export interface PersonalFramePose {
    /** Weights in the landmark model's name order (ARKit names for the shipped models). */
    weights: Float32Array;
    /** Rotation head frame → solver frame (picture pixels, y up, z toward the viewer), row-major 3 × 3. */
    rotation: Float64Array;
    /** Scale head → picture, in the landmark model's units (pixels per model unit). */
    scale: number;
    /** Translation, solver frame. */
    translation: Float64Array;
    /** RMS landmark residual of this picture, metres. */
    residual: number;
    /**
     * The camera's focal length, pixels (0: weak perspective). With it, a head-frame point p goes to the picture as
     * {@link projectWithPose} does: the similarity, then each point scaled about the picture's centre by its depth.
     */
    focal: number;
    /** Picture centre, pixels (x right, y down). */
    centreX: number;
    centreY: number;
    /** Solver-frame depth of the reference plane (the landmarks' centroid), where the similarity's scale holds. */
    referenceZ: number;
    /** Landmark-model units per metre (the scale is per model unit). */
    unitsPerMetre: number;
}

/**
 * Whether a picture has a whole, finite set of landmarks.
 * @param frame the picture's landmarks
 * @param count landmarks the model has
 * @returns true when usable
 */
export function hasWholeLandmarks(frame: LandmarkFrame, count: number): boolean {
    return frame.landmarks.length === 3 * count && Array.prototype.every.call(frame.landmarks, Number.isFinite);
}

/** A picture's landmarks with its size. */
export interface LandmarkFrame {
    width: number;
    height: number;
    /** n × 3 detector landmarks (picture pixels: x right, y down, z away from the camera). */
    landmarks: ArrayLike<number>;
}

/**
 * Projects a head-frame point (metres) into a picture through a solved pose: picture pixels x right, y down, and the
 * solver-frame depth (toward the viewer).
 * @param pose the picture's pose
 * @param x head-frame x
 * @param y head-frame y
 * @param z head-frame z
 * @param out [x, y, depth]
 * @param at offset in out
 */
export function projectWithPose(pose: PersonalFramePose, x: number, y: number, z: number, out: Float64Array | number[], at = 0): void {
    const r = pose.rotation;
    const s = pose.scale * pose.unitsPerMetre;
    const t = pose.translation;
    let qx = s * (r[0] * x + r[1] * y + r[2] * z) + t[0];
    let qy = s * (r[3] * x + r[4] * y + r[5] * z) + t[1];
    const qz = s * (r[6] * x + r[7] * y + r[8] * z) + t[2];
    if (pose.focal > 0) {
        const d0 = pose.focal / s;
        const k = d0 / (d0 - (qz - pose.referenceZ) / s);
        qx = pose.centreX + (qx - pose.centreX) * k;
        qy = -pose.centreY + (qy + pose.centreY) * k;
    }
    out[at] = qx;
    out[at + 1] = -qy;
    out[at + 2] = qz;
}

/** Options of {@link fitPersonalShape}. */
export interface PersonalShapeOptions {
    /** Weight of the N(0, 1) prior on β, relative to the identity Gram's mean diagonal (default 0.02). */
    identityPrior?: number;
    /** Pose / identity alternations (default 4). */
    rounds?: number;
    /** Fit the smooth per-vertex offset (default true); false keeps the identity modes alone. */
    offset?: boolean;
    /** Radius σ of the offset's Gaussian basis, metres (default 0.015). */
    offsetRadius?: number;
    /** Ridge of the offset's interpolation, relative to the basis' diagonal (default 0.5): larger is smoother. */
    offsetSmoothing?: number;
    /** Largest offset at a landmark, metres (default 0.008): a few bad detections cannot pull the face apart. */
    maxOffset?: number;
    /** Landmarks used for the offset: indices below this (default 468, MediaPipe's irises excluded). */
    offsetLandmarks?: number;
    /**
     * The camera's vertical field of view, radians (default 0.8, about a laptop webcam's); 0 assumes weak perspective.
     * At a webcam's distance a head's depth changes its points' scale by ±10 %: ignored, that distortion would be fitted
     * as identity.
     */
    verticalFov?: number;
    /**
     * The landmarks' depth scale against their picture scale (default: estimated from the model against ICT's surface;
     * 1 for exact landmarks). Observed and model depths are divided by it, so values above the true one also trust the
     * depth less (a face-mesh detector's depth carries little of a face's shape: see docs/PERSONALISE.md).
     */
    depthScale?: number;
    /** A fixed identity (no identity fit): poses and weights against that neutral only (`residual.template` is its own). */
    identity?: Float32Array;
    /** Perspective corrections per picture and round (default 3). */
    perspectivePasses?: number;
}

/** The fitted shape. */
export interface PersonalShape {
    /** Identity coefficients (N(0, 1) units of ICT's modes). */
    identity: Float32Array;
    /** V × 3 smooth offset added to the identity's neutral, metres. */
    vertexOffsets: Float32Array;
    /** V × 3 fitted neutral vertices (ICT's frame, metres). */
    vertices: Float32Array;
    /** Per picture: pose and weights against the fitted neutral. */
    poses: PersonalFramePose[];
    /** RMS landmark residual over all pictures, metres: with the template's neutral, the identity alone, and both. */
    residual: { template: number; identity: number; personal: number };
    /** Landmark-model units per metre (1 for a model in metres). */
    unitsPerMetre: number;
    /** The landmarks' depth scale against their picture scale (1 for exact landmarks; about 0.35 for MediaPipe's). */
    depthScale: number;
    /** Pictures whose landmarks were usable. */
    usedFrames: number;
}

/** Vertex parts of ICT that move rigidly with their mean offset. */
const rigidParts = [
    "eyeball_left",
    "eyeball_right",
    "teeth",
    "gums_and_tongue",
    "lacrimal_fluid_left",
    "lacrimal_fluid_right",
    "eye_blend_left",
    "eye_blend_right",
    "eye_occlusion_left",
    "eye_occlusion_right",
    "eyelashes_left",
    "eyelashes_right",
];

/**
 * Points of a mesh at surface landmarks.
 * @param kit the kit (faces)
 * @param vertices V × 3
 * @param landmarks surface landmarks
 * @returns n × 3
 */
export function surfacePoints(kit: IctFaceKit, vertices: ArrayLike<number>, landmarks: readonly SurfaceLandmark[]): Float64Array {
    const out = new Float64Array(3 * landmarks.length);
    landmarks.forEach(([t, b0, b1, b2], l) => {
        const corners = [kit.faces[3 * t], kit.faces[3 * t + 1], kit.faces[3 * t + 2]];
        const weights = [b0, b1, b2];
        for (let j = 0; j < 3; j++) {
            for (let c = 0; c < 3; c++) {
                out[3 * l + c] += weights[j] * vertices[3 * corners[j] + c];
            }
        }
    });
    return out;
}

/** RMS distance of points from their centroid along each axis. */
function axisSpread(points: ArrayLike<number>): [number, number, number] {
    const n = points.length / 3;
    const centre = [0, 0, 0];
    for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
            centre[c] += points[3 * i + c] / n;
        }
    }
    const sum = [0, 0, 0];
    for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
            sum[c] += (points[3 * i + c] - centre[c]) ** 2;
        }
    }
    return [Math.sqrt(sum[0] / n), Math.sqrt(sum[1] / n), Math.sqrt(sum[2] / n)];
}

/**
 * Fits the personal shape.
 * @param kit ICT-FaceKit
 * @param model the landmark model the landmarks are read with (the tracker's own for detector landmarks)
 * @param landmarks the model's landmarks on ICT's surface (MediaPipe → ICT correspondence), for the offset
 * @param frames per picture, n × 3 detector landmarks (picture pixels: x right, y down, z away from the camera)
 * @param options regularisation
 * @returns the shape
 */
export function fitPersonalShape(
    kit: IctFaceKit,
    model: LandmarkBlendshapeModel,
    landmarks: readonly SurfaceLandmark[],
    frames: readonly LandmarkFrame[],
    options: PersonalShapeOptions = {}
): PersonalShape {
    const n = model.landmarkCount;
    const n3 = 3 * n;
    // The identity is ICT's own modes (the shape is built on ICT's surface), whatever modes the tracker's model has.
    const m = kit.identityCount;
    const k = model.names.length;
    if (landmarks.length !== n) {
        throw new RangeError(`fitPersonalShape: ${landmarks.length} surface landmarks for a model of ${n}`);
    }
    const usable = frames.filter((f) => hasWholeLandmarks(f, n));
    if (usable.length === 0) {
        throw new RangeError("fitPersonalShape: no picture with a whole, finite set of landmarks");
    }
    // Units. A model fitted to a detector's output (the tracker's) is in the detector's units, and a face-mesh detector's
    // depth is compressed (MediaPipe's z is about a third of the true depth at x's scale): the model's spread per axis
    // against the same landmarks on ICT's neutral gives both. Observations' and the model's depth are stretched back, so
    // that the fit is isotropic and poses are true rotations; the identity modes come from ICT's surface directly
    // (metric), in the model's units.
    const surfaceNeutral = surfacePoints(kit, kit.neutral, landmarks);
    const modelAxes = axisSpread(model.neutral);
    const surfaceAxes = axisSpread(surfaceNeutral);
    const unitsPerMetre = (modelAxes[0] / surfaceAxes[0] + modelAxes[1] / surfaceAxes[1]) / 2;
    const depthScale = options.depthScale ?? modelAxes[2] / surfaceAxes[2] / unitsPerMetre;
    const stretchDepth = (values: Float32Array) => {
        for (let i = 2; i < values.length; i += 3) {
            values[i] /= depthScale;
        }
        return values;
    };
    const modelNeutral = stretchDepth(model.neutral.slice());
    // The model's origin is its own (a detector model's is the picture's corner): its centroid is put on the surface
    // landmarks' centroid, so model coordinates are ICT's metres times the units, and poses project ICT's head directly.
    for (let c = 0; c < 3; c++) {
        let modelCentre = 0;
        let surfaceCentre = 0;
        for (let i = 0; i < n; i++) {
            modelCentre += modelNeutral[3 * i + c] / n;
            surfaceCentre += surfaceNeutral[3 * i + c] / n;
        }
        for (let i = 0; i < n; i++) {
            modelNeutral[3 * i + c] += surfaceCentre * unitsPerMetre - modelCentre;
        }
    }
    const e = stretchDepth(model.expressions.slice());
    const ids = new Float32Array(m * n3);
    for (let p = 0; p < m; p++) {
        const points = surfacePoints(kit, kit.identityDeltas.subarray(p * kit.vertexCount * 3, (p + 1) * kit.vertexCount * 3), landmarks);
        for (let i = 0; i < n3; i++) {
            ids[p * n3 + i] = points[i] * unitsPerMetre;
        }
    }
    const observed = usable.map((f) => {
        const frame = pictureLandmarksToSolverFrame(f.landmarks);
        for (let i = 2; i < frame.length; i += 3) {
            frame[i] /= depthScale;
        }
        return frame;
    });

    /** Solves every picture against a neutral; returns poses and the per-picture neutral estimates' average. */
    const fov = options.verticalFov ?? 0.8;
    const passes = options.perspectivePasses ?? 3;
    const solveAll = (neutral: Float64Array) => {
        // Least-squares weights on the depth-stretched model: the tracker's view terms and learned weight map are in the
        // detector's unstretched units, so they are left out here.
        const solver = new FaceSolver(
            { landmarkCount: n, names: model.names, neutral: Float32Array.from(neutral), expressions: e, identities: new Float32Array(0), identityCount: 0 },
            { temporal: 0 }
        );
        const average = new Float64Array(n3);
        const poses: PersonalFramePose[] = [];
        const backs: Float64Array[] = [];
        let squared = 0;
        const corrected = new Float64Array(n3);
        const posed = new Float64Array(n3);
        observed.forEach((frame, f) => {
            const { width, height } = usable[f];
            const focal = fov > 0 ? height / 2 / Math.tan(fov / 2) : 0;
            const cx = width / 2;
            const cy = height / 2;
            corrected.set(frame);
            solver.reset();
            let s = solver.solve(corrected, undefined, false);
            let referenceZ = 0;
            for (let pass = 0; focal > 0 && pass < passes; pass++) {
                // Depth of each landmark from the current pose: the observation rescaled about the centre as the weak
                // model would see it.
                const { rotation: r, scale, translation: t } = s;
                referenceZ = 0;
                for (let i = 0; i < n; i++) {
                    for (let c = 0; c < 3; c++) {
                        let p = neutral[3 * i + c];
                        for (let a = 0; a < k; a++) {
                            p += s.weights[a] * e[a * n3 + 3 * i + c];
                        }
                        posed[3 * i + c] = p;
                    }
                    const z = scale * (r[6] * posed[3 * i] + r[7] * posed[3 * i + 1] + r[8] * posed[3 * i + 2]) + t[2];
                    posed[3 * i + 2] = z;
                    referenceZ += z / n;
                }
                const perMetre = scale * unitsPerMetre;
                const d0 = focal / perMetre;
                for (let i = 0; i < n; i++) {
                    const factor = (d0 - (posed[3 * i + 2] - referenceZ) / perMetre) / d0;
                    corrected[3 * i] = cx + (frame[3 * i] - cx) * factor;
                    corrected[3 * i + 1] = -cy + (frame[3 * i + 1] + cy) * factor;
                }
                solver.reset();
                s = solver.solve(corrected, undefined, false);
            }
            backs.push(observationToHeadFrame(s, corrected, new Float64Array(n3)));
            squared += s.residual ** 2;
            poses.push({
                weights: s.weights.slice(),
                rotation: s.rotation.slice(),
                scale: s.scale,
                translation: s.translation.slice(),
                residual: s.residual / unitsPerMetre,
                focal,
                centreX: cx,
                centreY: cy,
                referenceZ,
                unitsPerMetre,
            });
        });
        // What every picture shares is the person, not an expression: the level each weight keeps in most pictures (its
        // lower quintile) stays in the neutral estimate, for the identity and the offset to take; each picture's own
        // expression above it is removed.
        const level = new Float64Array(k);
        const values = new Float64Array(poses.length);
        for (let a = 0; a < k; a++) {
            poses.forEach((pose, f) => (values[f] = pose.weights[a]));
            values.sort();
            level[a] = values[Math.floor(0.2 * (values.length - 1))];
        }
        backs.forEach((back, f) => {
            const w = poses[f].weights;
            for (let j = 0; j < n3; j++) {
                let expression = 0;
                for (let a = 0; a < k; a++) {
                    expression += (w[a] - level[a]) * e[a * n3 + j];
                }
                average[j] += (back[j] - expression) / backs.length;
            }
        });
        return { average, poses, residual: Math.sqrt(squared / observed.length) / unitsPerMetre };
    };

    const base = (beta: ArrayLike<number>) => {
        const out = Float64Array.from(modelNeutral);
        for (let p = 0; p < m; p++) {
            if (beta[p] !== 0) {
                for (let i = 0; i < n3; i++) {
                    out[i] += beta[p] * ids[p * n3 + i];
                }
            }
        }
        return out;
    };

    // Identity: ridge toward the prior, alternating with the poses.
    const gram = new Float64Array(m * m);
    for (let a = 0; a < m; a++) {
        for (let b = a; b < m; b++) {
            let sum = 0;
            for (let i = 0; i < n3; i++) {
                sum += ids[a * n3 + i] * ids[b * n3 + i];
            }
            gram[a * m + b] = gram[b * m + a] = sum;
        }
    }
    let meanDiagonal = 0;
    for (let a = 0; a < m; a++) {
        meanDiagonal += gram[a * m + a] / Math.max(1, m);
    }
    const identity = new Float32Array(m);
    if (options.identity) {
        identity.set(options.identity.subarray(0, m));
    }
    // With a fixed identity there is nothing to compare: its own solve stands for the template's.
    const template = solveAll(base(identity));
    let current = template;
    for (let round = 0; !options.identity && round < (options.rounds ?? 4); round++) {
        const a = gram.slice();
        const rhs = new Float64Array(m);
        for (let p = 0; p < m; p++) {
            a[p * m + p] += (options.identityPrior ?? 0.02) * meanDiagonal;
            for (let i = 0; i < n3; i++) {
                rhs[p] += ids[p * n3 + i] * (current.average[i] - modelNeutral[i]);
            }
        }
        const factor = choleskyFactor(a, m);
        if (typeof factor === "number") {
            break;
        }
        choleskySolve(factor, m, rhs);
        identity.set(rhs);
        current = solveAll(base(identity));
    }
    const identityFit = current;
    const identityVertices = ictVertices(kit, identity, null);
    const vertexOffsets = new Float32Array(kit.vertexCount * 3);
    let personal = identityFit;
    if (options.offset ?? true) {
        // The landmark residual, in metres, at the landmarks the offset uses.
        const used = Math.min(n, options.offsetLandmarks ?? 468);
        const identityBase = base(identity);
        const maxOffset = options.maxOffset ?? 0.008;
        const residual = new Float64Array(3 * used);
        for (let i = 0; i < used; i++) {
            let length = 0;
            for (let c = 0; c < 3; c++) {
                residual[3 * i + c] = (identityFit.average[3 * i + c] - identityBase[3 * i + c]) / unitsPerMetre;
                length += residual[3 * i + c] ** 2;
            }
            length = Math.sqrt(length);
            if (length > maxOffset) {
                for (let c = 0; c < 3; c++) {
                    residual[3 * i + c] *= maxOffset / length;
                }
            }
        }
        const centres = surfacePoints(kit, identityVertices, landmarks.slice(0, used));
        smoothOffsets(kit, identityVertices, centres, residual, options.offsetRadius ?? 0.015, options.offsetSmoothing ?? 0.5, vertexOffsets);
        // The landmark model gets the same offset: every landmark moves with the surface under it.
        const offsetNeutral = identityBase.slice();
        const moved = surfacePoints(kit, vertexOffsets, landmarks);
        for (let i = 0; i < n3; i++) {
            offsetNeutral[i] += moved[i] * unitsPerMetre;
        }
        personal = solveAll(offsetNeutral);
    }
    const vertices = identityVertices.slice();
    for (let i = 0; i < vertices.length; i++) {
        vertices[i] += vertexOffsets[i];
    }
    return {
        identity,
        vertexOffsets,
        vertices,
        poses: personal.poses,
        residual: { template: template.residual, identity: identityFit.residual, personal: personal.residual },
        unitsPerMetre,
        depthScale,
        usedFrames: observed.length,
    };
}

/**
 * Spreads offsets known at some points over the mesh: Gaussian radial basis functions, interpolation regularised by a
 * ridge (so it smooths rather than interpolates), rigid parts moved by their mean.
 * @param kit the kit (parts)
 * @param vertices V × 3 positions the basis is evaluated at
 * @param centres c × 3 points with known offsets
 * @param values c × 3 offsets
 * @param radius σ, metres
 * @param smoothing ridge relative to the basis' unit diagonal
 * @param out V × 3 offsets
 */
function smoothOffsets(kit: IctFaceKit, vertices: Float32Array, centres: Float64Array, values: Float64Array, radius: number, smoothing: number, out: Float32Array): void {
    const c = centres.length / 3;
    const inv = 1 / (2 * radius * radius);
    const kernel = new Float64Array(c * c);
    for (let a = 0; a < c; a++) {
        for (let b = a; b < c; b++) {
            const d2 = (centres[3 * a] - centres[3 * b]) ** 2 + (centres[3 * a + 1] - centres[3 * b + 1]) ** 2 + (centres[3 * a + 2] - centres[3 * b + 2]) ** 2;
            kernel[a * c + b] = kernel[b * c + a] = Math.exp(-d2 * inv);
        }
        kernel[a * c + a] += smoothing;
    }
    const factor = choleskyFactor(kernel, c);
    if (typeof factor === "number") {
        return;
    }
    const coefficients = [0, 1, 2].map((axis) => {
        const rhs = Float64Array.from({ length: c }, (_, i) => values[3 * i + axis]);
        choleskySolve(factor, c, rhs);
        return rhs;
    });
    const cutoff = (3 * radius) ** 2;
    for (let v = 0; v < kit.vertexCount; v++) {
        const x = vertices[3 * v];
        const y = vertices[3 * v + 1];
        const z = vertices[3 * v + 2];
        let ox = 0;
        let oy = 0;
        let oz = 0;
        for (let j = 0; j < c; j++) {
            const d2 = (x - centres[3 * j]) ** 2 + (y - centres[3 * j + 1]) ** 2 + (z - centres[3 * j + 2]) ** 2;
            if (d2 < cutoff) {
                const w = Math.exp(-d2 * inv);
                ox += w * coefficients[0][j];
                oy += w * coefficients[1][j];
                oz += w * coefficients[2][j];
            }
        }
        out[3 * v] = ox;
        out[3 * v + 1] = oy;
        out[3 * v + 2] = oz;
    }
    for (const part of rigidParts) {
        const range = kit.parts.get(part)?.vertices;
        if (!range) {
            continue;
        }
        const [start, end] = range;
        const mean = [0, 0, 0];
        for (let v = start; v < end; v++) {
            for (let a = 0; a < 3; a++) {
                mean[a] += out[3 * v + a] / Math.max(1, end - start);
            }
        }
        for (let v = start; v < end; v++) {
            for (let a = 0; a < 3; a++) {
                out[3 * v + a] = mean[a];
            }
        }
    }
}
