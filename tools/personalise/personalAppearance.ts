/**
 * The appearance of a personal head: every captured picture projected onto the Gaussians of the fitted head.
 *
 * Per picture, the head is posed with that picture's expression and pose (from the shape fit), its opaque parts are
 * rasterised into a depth buffer in picture pixels, and every Gaussian that faces the camera and is not behind the
 * surface there takes a colour sample (bilinear), weighted by the square of the cosine between its surface normal and
 * the view. Per Gaussian the samples are reduced robustly: the weighted median of luminance, samples farther from it than
 * a threshold (or 2.5 weighted median absolute deviations) rejected, the rest averaged. Gaussians the camera never saw
 * (the back of the head, under the chin) keep the template's colour, scaled by the per-part colour gain between what was
 * seen and the template, and blended in across the seam by a coverage that is smoothed over the mesh.
 *
 * Points go to the picture through the pose's similarity and the perspective correction of the shape fit.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { posedRiggedGaussians, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { ictExpressionWeights, type IctFaceKit, type IctGaussianPart } from "../synthetic/ictHead.js";
import { projectWithPose, type PersonalFramePose } from "./personalShape.js";

/** A captured picture: RGBA bytes, top row first. */
export interface CapturedPicture {
    width: number;
    height: number;
    pixels: Uint8Array | Uint8ClampedArray;
}

/** Options of {@link projectAppearance}. */
export interface AppearanceOptions {
    /** Least cosine between a Gaussian's normal and the view for a sample (default 0.3). */
    minViewCosine?: number;
    /** Depth tolerance of the visibility test, metres (default 0.004). */
    depthTolerance?: number;
    /** Samples farther than this from the median luminance (0–1) are rejected, at least (default 0.08). */
    rejectThreshold?: number;
    /** Sum of sample weights at which a Gaussian counts as fully seen (default 1.2). */
    fullCoverage?: number;
    /** Smoothing passes of the coverage over the mesh (default 4). */
    seamSmoothing?: number;
}

/** What the projection gave. */
export interface PersonalAppearance {
    /** G × 3 colours in [0, 1]. */
    colors: Float32Array;
    /** G blend weights of the projected colour (1: seen well; 0: the template's). */
    coverage: Float32Array;
    /** Fraction of Gaussians with any sample. */
    seenFraction: number;
    /** Colour gain per part applied to the template where unseen. */
    gains: Partial<Record<IctGaussianPart, [number, number, number]>>;
    /** Samples taken and rejected as outliers. */
    samples: number;
    rejected: number;
}

/** ICT parts drawn into the depth buffer (the transparent overlays and lashes are not). */
const opaqueParts = ["face", "head_and_neck", "mouth_socket", "eye_socket_left", "eye_socket_right", "gums_and_tongue", "teeth", "eyeball_left", "eyeball_right"];

/**
 * ICT expression weights (57) of a solved picture.
 * @param kit the kit
 * @param names the landmark model's names (ARKit names)
 * @param weights the picture's weights in that order
 * @param out 57 weights
 * @returns out
 */
export function ictWeightsOfPose(kit: IctFaceKit, names: readonly string[], weights: ArrayLike<number>, out = new Float32Array(kit.arkitNames.length)): Float32Array {
    const arkit = new Float32Array(52);
    names.forEach((name, i) => {
        const a = ArkitBlendshapeNames.indexOf(name);
        if (a >= 0) {
            arkit[a] = weights[i];
        }
    });
    return ictExpressionWeights(kit, arkit, out);
}

/**
 * Vertices of the fitted head with a picture's expression.
 * @param kit the kit
 * @param neutral V × 3 fitted neutral
 * @param expression 57 ICT weights
 * @returns V × 3
 */
export function expressVertices(kit: IctFaceKit, neutral: Float32Array, expression: ArrayLike<number>): Float32Array {
    const out = neutral.slice();
    const n = out.length;
    for (let e = 0; e < expression.length; e++) {
        const w = expression[e];
        if (w !== 0) {
            const base = e * n;
            for (let i = 0; i < n; i++) {
                out[i] += w * kit.expressionDeltas[base + i];
            }
        }
    }
    return out;
}

/** Rasterises triangles' depth (larger is nearer) into a buffer, picture pixels. */
function rasteriseDepth(kit: IctFaceKit, screen: Float64Array, width: number, height: number, depth: Float32Array): void {
    depth.fill(-Infinity);
    for (const part of opaqueParts) {
        const range = kit.parts.get(part)?.triangles;
        if (!range) {
            continue;
        }
        for (let t = range[0]; t < range[1]; t++) {
            const a = kit.faces[3 * t];
            const b = kit.faces[3 * t + 1];
            const c = kit.faces[3 * t + 2];
            const ax = screen[3 * a];
            const ay = screen[3 * a + 1];
            const bx = screen[3 * b];
            const by = screen[3 * b + 1];
            const cx = screen[3 * c];
            const cy = screen[3 * c + 1];
            const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
            if (area === 0) {
                continue;
            }
            const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
            const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx)));
            const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
            const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy)));
            for (let y = y0; y <= y1; y++) {
                const py = y + 0.5;
                for (let x = x0; x <= x1; x++) {
                    const px = x + 0.5;
                    const w0 = ((bx - px) * (cy - py) - (by - py) * (cx - px)) / area;
                    const w1 = ((cx - px) * (ay - py) - (cy - py) * (ax - px)) / area;
                    const w2 = 1 - w0 - w1;
                    if (w0 < 0 || w1 < 0 || w2 < 0) {
                        continue;
                    }
                    const z = w0 * screen[3 * a + 2] + w1 * screen[3 * b + 2] + w2 * screen[3 * c + 2];
                    const i = y * width + x;
                    if (z > depth[i]) {
                        depth[i] = z;
                    }
                }
            }
        }
    }
}

/** Bilinear RGB at a continuous pixel position (0 = left edge), 0–1. */
function sample(picture: CapturedPicture, x: number, y: number, out: number[]): boolean {
    const fx = x - 0.5;
    const fy = y - 0.5;
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    if (x0 < 0 || y0 < 0 || x0 + 1 >= picture.width || y0 + 1 >= picture.height) {
        return false;
    }
    const tx = fx - x0;
    const ty = fy - y0;
    const p = picture.pixels;
    for (let c = 0; c < 3; c++) {
        const i00 = (y0 * picture.width + x0) * 4 + c;
        const i10 = i00 + 4;
        const i01 = i00 + picture.width * 4;
        const i11 = i01 + 4;
        out[c] = ((p[i00] * (1 - tx) + p[i10] * tx) * (1 - ty) + (p[i01] * (1 - tx) + p[i11] * tx) * ty) / 255;
    }
    return true;
}

/**
 * Projects the pictures onto the Gaussians.
 * @param kit the kit
 * @param rig the Gaussians bound to ICT's triangles on the fitted head
 * @param parts part of each Gaussian
 * @param neutral V × 3 fitted neutral vertices
 * @param names the landmark model's names (of the poses' weights)
 * @param poses per picture, pose and weights (from the shape fit)
 * @param pictures per picture, its pixels
 * @param templateColors G × 3 template colours (0–1)
 * @param options thresholds
 * @returns colours and coverage
 */
export function projectAppearance(
    kit: IctFaceKit,
    rig: RiggedGaussians,
    parts: readonly IctGaussianPart[],
    neutral: Float32Array,
    names: readonly string[],
    poses: readonly PersonalFramePose[],
    pictures: readonly CapturedPicture[],
    templateColors: Float32Array,
    options: AppearanceOptions = {}
): PersonalAppearance {
    const g = rig.count;
    const frames = Math.min(poses.length, pictures.length);
    const minCos = options.minViewCosine ?? 0.3;
    // Samples: frame-major per Gaussian (r, g, b, weight).
    const samples = new Float32Array(g * frames * 4);
    const counts = new Uint16Array(g);
    const v = kit.vertexCount;
    const screen = new Float64Array(3 * v);
    const rgb = [0, 0, 0];
    let depth = new Float32Array(0);
    let taken = 0;
    for (let f = 0; f < frames; f++) {
        const pose = poses[f];
        const picture = pictures[f];
        if (depth.length !== picture.width * picture.height) {
            depth = new Float32Array(picture.width * picture.height);
        }
        const vertices = expressVertices(kit, neutral, ictWeightsOfPose(kit, names, pose.weights));
        const s = pose.scale * pose.unitsPerMetre;
        for (let i = 0; i < v; i++) {
            projectWithPose(pose, vertices[3 * i], vertices[3 * i + 1], vertices[3 * i + 2], screen, 3 * i);
        }
        rasteriseDepth(kit, screen, picture.width, picture.height, depth);
        const gaussians = posedRiggedGaussians(rig, vertices, kit.faces);
        const centre = new Float64Array(3);
        const tolerance = (options.depthTolerance ?? 0.004) * s;
        for (let i = 0; i < g; i++) {
            // Normal of the Gaussian's triangle, in the picture's frame (z toward the viewer).
            const tri = rig.binding[i];
            const a = kit.faces[3 * tri];
            const b = kit.faces[3 * tri + 1];
            const c = kit.faces[3 * tri + 2];
            const e1 = [screen[3 * b] - screen[3 * a], -(screen[3 * b + 1] - screen[3 * a + 1]), screen[3 * b + 2] - screen[3 * a + 2]];
            const e2 = [screen[3 * c] - screen[3 * a], -(screen[3 * c + 1] - screen[3 * a + 1]), screen[3 * c + 2] - screen[3 * a + 2]];
            const nx = e1[1] * e2[2] - e1[2] * e2[1];
            const ny = e1[2] * e2[0] - e1[0] * e2[2];
            const nz = e1[0] * e2[1] - e1[1] * e2[0];
            const cos = nz / (Math.hypot(nx, ny, nz) || 1);
            if (cos < minCos) {
                continue;
            }
            projectWithPose(pose, gaussians.positions[3 * i], gaussians.positions[3 * i + 1], gaussians.positions[3 * i + 2], centre);
            const px = Math.floor(centre[0]);
            const py = Math.floor(centre[1]);
            if (px < 0 || py < 0 || px >= picture.width || py >= picture.height) {
                continue;
            }
            if (centre[2] < depth[py * picture.width + px] - tolerance) {
                continue;
            }
            if (!sample(picture, centre[0], centre[1], rgb)) {
                continue;
            }
            const at = (i * frames + counts[i]) * 4;
            samples[at] = rgb[0];
            samples[at + 1] = rgb[1];
            samples[at + 2] = rgb[2];
            samples[at + 3] = cos * cos;
            counts[i]++;
            taken++;
        }
    }

    // Robust reduction per Gaussian.
    const observed = new Float32Array(3 * g);
    const rawCoverage = new Float32Array(g);
    const threshold = options.rejectThreshold ?? 0.08;
    let rejected = 0;
    const order: number[] = [];
    const luminance = new Float32Array(frames);
    for (let i = 0; i < g; i++) {
        const count = counts[i];
        if (count === 0) {
            continue;
        }
        const base = i * frames * 4;
        order.length = 0;
        let total = 0;
        for (let j = 0; j < count; j++) {
            const at = base + 4 * j;
            luminance[j] = 0.2126 * samples[at] + 0.7152 * samples[at + 1] + 0.0722 * samples[at + 2];
            order.push(j);
            total += samples[at + 3];
        }
        const weightedMedian = (values: (j: number) => number) => {
            const sorted = order.slice().sort((x, y) => values(x) - values(y));
            let acc = 0;
            for (const j of sorted) {
                acc += samples[base + 4 * j + 3];
                if (acc >= total / 2) {
                    return values(j);
                }
            }
            return values(sorted[sorted.length - 1]);
        };
        const median = weightedMedian((j) => luminance[j]);
        const mad = weightedMedian((j) => Math.abs(luminance[j] - median));
        const limit = Math.max(threshold, 2.5 * 1.4826 * mad);
        let weight = 0;
        const sum = [0, 0, 0];
        for (let j = 0; j < count; j++) {
            const at = base + 4 * j;
            if (Math.abs(luminance[j] - median) > limit) {
                rejected++;
                continue;
            }
            const w = samples[at + 3];
            weight += w;
            for (let c = 0; c < 3; c++) {
                sum[c] += w * samples[at + c];
            }
        }
        if (weight > 0) {
            for (let c = 0; c < 3; c++) {
                observed[3 * i + c] = sum[c] / weight;
            }
            rawCoverage[i] = Math.min(1, weight / (options.fullCoverage ?? 1.2));
        }
    }

    // Coverage smoothed over the mesh: per vertex from the Gaussians on its triangles, then neighbour averaging.
    const vertexSum = new Float32Array(v);
    const vertexCount = new Float32Array(v);
    for (let i = 0; i < g; i++) {
        const tri = rig.binding[i];
        for (let j = 0; j < 3; j++) {
            const vertex = kit.faces[3 * tri + j];
            vertexSum[vertex] += rawCoverage[i];
            vertexCount[vertex] += 1;
        }
    }
    let vertexCoverage = Float32Array.from(vertexSum, (sum, i) => (vertexCount[i] > 0 ? sum / vertexCount[i] : 0));
    const hasGaussians = Uint8Array.from(vertexCount, (c) => (c > 0 ? 1 : 0));
    for (let pass = 0; pass < (options.seamSmoothing ?? 4); pass++) {
        const next = new Float32Array(v);
        const weight = new Float32Array(v);
        for (let t = 0; t < kit.faces.length / 3; t++) {
            const a = kit.faces[3 * t];
            const b = kit.faces[3 * t + 1];
            const c = kit.faces[3 * t + 2];
            const mean = (vertexCoverage[a] + vertexCoverage[b] + vertexCoverage[c]) / 3;
            for (const vertex of [a, b, c]) {
                next[vertex] += mean;
                weight[vertex] += 1;
            }
        }
        vertexCoverage = Float32Array.from(next, (sum, i) => (weight[i] > 0 && hasGaussians[i] ? sum / weight[i] : vertexCoverage[i]));
    }
    const coverage = new Float32Array(g);
    for (let i = 0; i < g; i++) {
        if (counts[i] === 0 || rawCoverage[i] === 0) {
            continue;
        }
        const tri = rig.binding[i];
        const smoothed = (vertexCoverage[kit.faces[3 * tri]] + vertexCoverage[kit.faces[3 * tri + 1]] + vertexCoverage[kit.faces[3 * tri + 2]]) / 3;
        coverage[i] = Math.min(rawCoverage[i], smoothed);
    }

    // Per-part colour gain between what was seen well and the template (median of ratios).
    const gains: Partial<Record<IctGaussianPart, [number, number, number]>> = {};
    const partNames = [...new Set(parts)];
    for (const part of partNames) {
        const ratios: number[][] = [[], [], []];
        for (let i = 0; i < g; i++) {
            if (parts[i] === part && rawCoverage[i] >= 0.8) {
                for (let c = 0; c < 3; c++) {
                    ratios[c].push(observed[3 * i + c] / Math.max(0.02, templateColors[3 * i + c]));
                }
            }
        }
        if (ratios[0].length >= 30) {
            gains[part] = ratios.map((list) => {
                list.sort((x, y) => x - y);
                return Math.min(4, Math.max(0.25, list[list.length >> 1]));
            }) as [number, number, number];
        }
    }
    const skinGain = gains.skin ?? [1, 1, 1];
    const colors = new Float32Array(3 * g);
    let seen = 0;
    for (let i = 0; i < g; i++) {
        const part = parts[i];
        const gain = gains[part] ?? (part === "lips" || part === "hair" ? skinGain : [1, 1, 1]);
        const alpha = coverage[i];
        if (counts[i] > 0) {
            seen++;
        }
        for (let c = 0; c < 3; c++) {
            const fallback = Math.min(1, templateColors[3 * i + c] * gain[c]);
            colors[3 * i + c] = alpha * observed[3 * i + c] + (1 - alpha) * fallback;
        }
    }
    return { colors, coverage, seenFraction: seen / g, gains, samples: taken, rejected };
}
