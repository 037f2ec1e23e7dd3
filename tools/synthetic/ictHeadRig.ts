/**
 * The Gaussians of a realistic default head on ICT-FaceKit, part by part:
 * - skin as flat discs, denser where the eye reads detail (lids, lips, brows), with an albedo that varies at the
 *   splat's scale (blotches, pores, freckles, redness on the cheeks, nose and ears), a vermilion border and vertical
 *   lines on the lips, the chest edge faded rather than cut;
 * - eyes: only the visible front of each eyeball, the cornea left clear so the iris shell behind it shows; an iris
 *   with radial fibres, a collarette, crypts and a dark limbal ring, a pupil; a wet line along the lower lid, the
 *   shadow the upper lid casts (both on ICT's lid-following overlay meshes) and a corneal highlight bound to the skin
 *   that moves least, so it stays with the (baked) light while the eye turns;
 * - hair as strands: lashes as thin curved strands from the lid margins, brows as short strands following their growth
 *   direction, and a hair volume of layered strand clumps combed back from the crown.
 * Colours are baked under a soft key light from above the camera and a sky/ground hemisphere. Deterministic for a seed.
 */
import { createRiggedGaussians, faceFrame, quaternionFromMatrix, ShC0 } from "../../core/flame/riggedGaussians.js";
import { ictEyeGeometry, type IctEyeGeometry } from "./ictEyes.js";
import type { IctFaceKit, IctGaussianPart, IctHeadIdentity, IctHeadRig } from "./ictHead.js";
import { createRandom } from "./syntheticModels.js";

type Vec3 = [number, number, number];
const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const length = (a: Vec3) => Math.hypot(a[0], a[1], a[2]);
const normalize = (a: Vec3): Vec3 => scale(a, 1 / (length(a) || 1));
const mix = (a: readonly number[], b: readonly number[], t: number): Vec3 => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const mul = (a: readonly number[], b: readonly number[]): Vec3 => [a[0] * b[0], a[1] * b[1], a[2] * b[2]];
const smooth = (edge0: number, edge1: number, x: number) => {
    const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
    return t * t * (3 - 2 * t);
};
/** The part of a vector across a unit normal. */
const tangent = (v: Vec3, n: Vec3): Vec3 => normalize(sub(v, scale(n, dot(v, n))));

/** Distance from a point to a polyline in the xy plane (front view), and where along it (0..1 by length). */
function polyline(x: number, y: number, points: readonly Vec3[]): { distance: number; along: number } {
    let best = Infinity;
    let along = 0;
    let total = 0;
    const lengths = points.slice(1).map((p, i) => Math.hypot(p[0] - points[i][0], p[1] - points[i][1]));
    const sum = lengths.reduce((a, b) => a + b, 0) || 1;
    for (let i = 0; i + 1 < points.length; i++) {
        const [ax, ay] = points[i];
        const [bx, by] = points[i + 1];
        const dx = bx - ax;
        const dy = by - ay;
        const t = Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
        const d = Math.hypot(x - ax - t * dx, y - ay - t * dy);
        if (d < best) {
            best = d;
            along = (total + t * lengths[i]) / sum;
        }
        total += lengths[i];
    }
    return { distance: best, along };
}

/** Whether (x, y) is inside a closed polygon (front view). */
function insidePolygon(x: number, y: number, points: readonly Vec3[]): boolean {
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
        const [xi, yi] = points[i];
        const [xj, yj] = points[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) {
            inside = !inside;
        }
    }
    return inside;
}

/** Smooth value noise in 3D (a hashed lattice, trilinear with smoothstep), in [-1, 1]. */
function createNoise(seed: number): (x: number, y: number, z: number) => number {
    const hash = (i: number, j: number, k: number) => {
        let h = (i * 374761393 + j * 668265263 + k * 2147483647 + seed * 144665) | 0;
        h = Math.imul(h ^ (h >>> 13), 1274126177);
        h ^= h >>> 16;
        return ((h >>> 0) / 4294967295) * 2 - 1;
    };
    return (x, y, z) => {
        const [i, j, k] = [Math.floor(x), Math.floor(y), Math.floor(z)];
        const [u, v, w] = [x - i, y - j, z - k].map((t) => t * t * (3 - 2 * t));
        let value = 0;
        for (let c = 0; c < 8; c++) {
            const [a, b, d] = [c & 1, (c >> 1) & 1, (c >> 2) & 1];
            value += hash(i + a, j + b, k + d) * (a ? u : 1 - u) * (b ? v : 1 - v) * (d ? w : 1 - w);
        }
        return value;
    };
}

/** Catmull-Rom through points (an open curve), sampled at t in [0, 1]. */
function curvePoint(points: readonly Vec3[], t: number): Vec3 {
    const segments = points.length - 1;
    const s = Math.min(segments - 1e-9, Math.max(0, t * segments));
    const i = Math.floor(s);
    const u = s - i;
    const p0 = points[Math.max(0, i - 1)];
    const p1 = points[i];
    const p2 = points[i + 1];
    const p3 = points[Math.min(segments, i + 2)];
    const out: Vec3 = [0, 0, 0];
    for (let c = 0; c < 3; c++) {
        out[c] = 0.5 * (2 * p1[c] + (-p0[c] + p2[c]) * u + (2 * p0[c] - 5 * p1[c] + 4 * p2[c] - p3[c]) * u * u + (-p0[c] + 3 * p1[c] - 3 * p2[c] + p3[c]) * u * u * u);
    }
    return out;
}

/** One Gaussian before it is bound: world centre, axes and sizes (metres), colour as drawn (baked light included). */
interface Splat {
    triangle: number;
    position: Vec3;
    /** Unit direction of the first axis. */
    along: Vec3;
    /** Unit direction of the second (thin) axis, orthogonal to `along`. */
    normal: Vec3;
    /** Standard deviations along `along`, `normal` and their cross product. */
    sizes: Vec3;
    opacity: number;
    color: Vec3;
    part: IctGaussianPart;
}

/** How many Gaussians each part gets in an 18,000-Gaussian head (scaled with the budget). */
export const IctHeadPartBudget = {
    face: 7000,
    headAndNeck: 1750,
    mouth: 650,
    teeth: 550,
    /** Per eye: the visible sclera and the iris shell. */
    sclera: 380,
    iris: 460,
    /** Per eye: lid shadow and wet line. */
    occlusion: 90,
    wetLine: 36,
    /** Per eye: upper and lower lash strands (3 and 2 Gaussians each). */
    upperLashes: 70,
    lowerLashes: 26,
    /** Per brow: strands of 2 Gaussians. */
    browStrands: 210,
    /** Hair strands of 3 Gaussians. */
    hairStrands: 1250,
};

/**
 * Places and colours the Gaussians of a head.
 * @param kit the kit
 * @param head identity and colours
 * @param vertices the head's neutral vertices
 * @param budget total Gaussians, approximately
 * @returns the rig and the part of each Gaussian
 */
export function placeIctHeadGaussians(kit: IctFaceKit, head: IctHeadIdentity, vertices: Float32Array, budget: number): IctHeadRig {
    const random = createRandom(head.seed);
    const noise = createNoise(head.seed);
    const faces = kit.faces;
    const share = budget / 18000;
    const count = (n: number) => Math.max(1, Math.round(n * share));
    const vertex = (i: number): Vec3 => [vertices[3 * i], vertices[3 * i + 1], vertices[3 * i + 2]];
    const landmark = (i: number) => vertex(kit.landmarks68[i]);
    const normals = new Float32Array(vertices.length);
    for (let t = 0; t < faces.length / 3; t++) {
        const [a, b, c] = [faces[3 * t], faces[3 * t + 1], faces[3 * t + 2]];
        const n = cross(sub(vertex(b), vertex(a)), sub(vertex(c), vertex(a)));
        for (const v of [a, b, c]) {
            normals[3 * v] += n[0];
            normals[3 * v + 1] += n[1];
            normals[3 * v + 2] += n[2];
        }
    }
    const triangleCorners = (t: number): [Vec3, Vec3, Vec3] => [vertex(faces[3 * t]), vertex(faces[3 * t + 1]), vertex(faces[3 * t + 2])];
    const triangleArea = (t: number) => {
        const [a, b, c] = triangleCorners(t);
        return length(cross(sub(b, a), sub(c, a))) / 2;
    };
    const triangleCentre = (t: number): Vec3 => {
        const [a, b, c] = triangleCorners(t);
        return scale(add(add(a, b), c), 1 / 3);
    };
    /** A uniform point of a triangle and its interpolated normal. */
    const pointOn = (t: number): { p: Vec3; n: Vec3 } => {
        let r1 = random();
        let r2 = random();
        if (r1 + r2 > 1) {
            r1 = 1 - r1;
            r2 = 1 - r2;
        }
        const weights = [1 - r1 - r2, r1, r2];
        const p: Vec3 = [0, 0, 0];
        const n: Vec3 = [0, 0, 0];
        for (let j = 0; j < 3; j++) {
            const v = faces[3 * t + j];
            for (let c = 0; c < 3; c++) {
                p[c] += weights[j] * vertices[3 * v + c];
                n[c] += weights[j] * normals[3 * v + c];
            }
        }
        return { p, n: normalize(n) };
    };
    /** Triangles drawn in proportion to area × weight. */
    const sampler = (triangles: readonly number[], weight: (t: number) => number = () => 1) => {
        if (triangles.length === 0) {
            throw new Error("placeIctHeadGaussians: a part to place Gaussians on has no triangles (not ICT-FaceKit's layout?)");
        }
        const cumulative = new Float64Array(triangles.length);
        let total = 0;
        triangles.forEach((t, i) => {
            total += triangleArea(t) * weight(t);
            cumulative[i] = total;
        });
        return {
            total,
            draw(): number {
                const target = random() * total;
                let lo = 0;
                let hi = cumulative.length - 1;
                while (lo < hi) {
                    const mid = (lo + hi) >> 1;
                    if (cumulative[mid] < target) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                return triangles[lo];
            },
        };
    };
    const range = (part: string) => {
        const [start, end] = kit.parts.get(part)!.triangles;
        return Array.from({ length: end - start }, (_, i) => start + i);
    };
    /** A unit vector orthogonal to n, turned by a random angle. */
    const randomTangent = (n: Vec3): Vec3 => {
        const helper: Vec3 = Math.abs(n[1]) < 0.9 ? [0, 1, 0] : [1, 0, 0];
        const u = normalize(cross(n, helper));
        const w = cross(n, u);
        const angle = random() * Math.PI;
        return add(scale(u, Math.cos(angle)), scale(w, Math.sin(angle)));
    };

    // Baked light: a key from above the camera and a sky/ground hemisphere.
    const light = normalize([0.35, 0.65, 0.7]);
    const shade = (n: Vec3, occlusion = 1) => occlusion * (0.48 + 0.42 * Math.max(0, dot(n, light)) + 0.18 * (0.5 + 0.5 * n[1]));

    // Landmarks and regions (front view).
    const brows = [[17, 18, 19, 20, 21].map(landmark), [22, 23, 24, 25, 26].map(landmark)];
    // Each brow from its inner end to its outer end, 3 mm above the landmarks.
    const browLines = [brows[0].slice().reverse(), brows[1]].map((line) => line.map((p): Vec3 => [p[0], p[1] + 0.003, p[2]]));
    const outerLip = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59].map(landmark);
    const innerLip = [60, 61, 62, 63, 64, 65, 66, 67].map(landmark);
    const browY = (landmark(19)[1] + landmark(24)[1]) / 2;
    const eyeY = (landmark(37)[1] + landmark(44)[1]) / 2;
    const frontZ = landmark(27)[2];
    const noseTip = landmark(30);
    const hairline = (x: number, z: number) => {
        const back = smooth(frontZ - 0.05, frontZ - 0.17, z);
        const side = smooth(0.045, 0.075, Math.abs(x)) * (1 - back);
        return browY + 0.042 - back * (browY + 0.042 - (eyeY - 0.05)) - side * 0.03;
    };
    // Eye contours per eye (subject's left first): inner corner, upper lid, outer corner, lower lid.
    const eyeContours = [
        { inner: 42, upper: [43, 44], outer: 45, lower: [46, 47] },
        { inner: 39, upper: [38, 37], outer: 36, lower: [41, 40] },
    ].map((c) => {
        const upper = [c.inner, ...c.upper, c.outer].map(landmark);
        const lower = [c.outer, ...c.lower, c.inner].map(landmark);
        const all = [...upper, ...lower];
        const centre: Vec3 = scale(
            all.reduce((a, b) => add(a, b), [0, 0, 0] as Vec3),
            1 / all.length
        );
        const halfWidth = Math.abs(landmark(c.outer)[0] - landmark(c.inner)[0]) / 2;
        const halfHeight = (Math.max(...all.map((p) => p[1])) - Math.min(...all.map((p) => p[1]))) / 2;
        return { upper, lower, centre, halfWidth, halfHeight };
    });
    /** Elliptical radius of a point in an eye's opening (1 at the lid margins). */
    const eyeRadius = (e: number, p: Vec3) => {
        const c = eyeContours[e];
        return Math.hypot((p[0] - c.centre[0]) / c.halfWidth, (p[1] - c.centre[1]) / c.halfHeight);
    };
    const eyeDistance = (p: Vec3) => Math.min(...eyeContours.map((_, e) => eyeRadius(e, p)));

    // The chest/neck edge: boundary edges of the skin surface below the chin.
    const chinY = landmark(8)[1];
    const edgePoints: Vec3[] = [];
    {
        const edges = new Map<string, number>();
        for (const t of [...range("face"), ...range("head_and_neck")]) {
            for (let j = 0; j < 3; j++) {
                const a = faces[3 * t + j];
                const b = faces[3 * t + ((j + 1) % 3)];
                const key = a < b ? `${a},${b}` : `${b},${a}`;
                edges.set(key, (edges.get(key) ?? 0) + 1);
            }
        }
        for (const [key, uses] of edges) {
            if (uses === 1) {
                const [a] = key.split(",").map(Number);
                const p = vertex(a);
                if (p[1] < chinY - 0.03) {
                    edgePoints.push(p);
                }
            }
        }
    }
    const edgeDistance = (p: Vec3) => {
        let best = Infinity;
        for (const q of edgePoints) {
            best = Math.min(best, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
        }
        return best;
    };

    const splats: Splat[] = [];
    const push = (splat: Splat) => splats.push(splat);
    const flat = (triangle: number, p: Vec3, n: Vec3, radius: number, color: Vec3, opacity: number, part: IctGaussianPart, thickness = 0.18) =>
        push({ triangle, position: p, along: randomTangent(n), normal: n, sizes: [radius, radius * thickness, radius], opacity, color, part });

    // Skin: face and head/neck, denser around the eyes, brows and lips.
    const skinColour = (p: Vec3, n: Vec3): { color: Vec3; part: IctGaussianPart } => {
        const front = n[2] > 0.15 && p[2] > noseTip[2] - 0.06;
        const blotch = 0.03 * noise(p[0] * 120, p[1] * 120, p[2] * 120) + 0.03 * noise(p[0] * 450 + 17, p[1] * 450, p[2] * 450);
        const pore = 0.045 * (random() - 0.5);
        let albedo: Vec3 = scale(head.skin as Vec3, 1 + blotch + pore);
        // Redness: cheeks, the nose, ears, lids.
        const cheeks = Math.exp(-((Math.abs(p[0]) - 0.045) ** 2 + (p[1] - (eyeY - 0.035)) ** 2) / (2 * 0.017 ** 2));
        const nose = Math.exp(-((p[0] - noseTip[0]) ** 2 + (p[1] - noseTip[1]) ** 2) / (2 * 0.009 ** 2));
        const ears = smooth(0.066, 0.078, Math.abs(p[0])) * smooth(eyeY - 0.055, eyeY - 0.035, p[1]) * smooth(browY + 0.02, browY, p[1]);
        const lids = Math.max(0, 1 - Math.abs(eyeDistance(p) - 1.3) / 0.8) * (front ? 1 : 0);
        const red = Math.min(1, (front ? 0.75 * cheeks + 0.6 * nose : 0) + 0.7 * ears + 0.35 * lids) * (1 + 0.6 * noise(p[0] * 300, p[1] * 300, 5));
        albedo = mix(albedo, mul(albedo, [1.06, 0.84, 0.84]), Math.min(1, Math.max(0, red)));
        // Freckles on the nose and cheeks.
        const freckleZone = (front ? 1 : 0) * smooth(0.06, 0.03, Math.abs(p[0])) * smooth(eyeY + 0.005, eyeY - 0.01, p[1]) * smooth(noseTip[1] - 0.025, noseTip[1] - 0.005, p[1]);
        if (random() < (head.freckles ?? 0) * 0.25 * freckleZone) {
            albedo = mul(albedo, [0.9, 0.8, 0.72]);
        }
        let part: IctGaussianPart = "skin";
        if (front && insidePolygon(p[0], p[1], outerLip)) {
            const edge = polyline(p[0], p[1], [...outerLip, outerLip[0]]).distance;
            const seam = polyline(p[0], p[1], [...innerLip, innerLip[0]]).distance;
            // Vertical lines across the lips, a darker border at the vermilion edge and along the seam.
            const lines = 1 - 0.09 * (0.5 + 0.5 * Math.cos((2 * Math.PI * p[0]) / 0.0013 + 3 * noise(p[0] * 900, p[1] * 300, 1)));
            let lip = scale(head.lips as Vec3, lines * (1 + 0.5 * blotch));
            lip = mix(lip, scale(lip, 0.9), 1 - smooth(0.0004, 0.0012, edge));
            lip = mix(lip, scale(lip, 0.6), 1 - smooth(0.0005, 0.0025, seam));
            albedo = mix(albedo, lip, smooth(0, 0.0007, edge));
            part = "lips";
        } else if (front) {
            // The light roll just outside the vermilion border.
            const edge = polyline(p[0], p[1], [...outerLip, outerLip[0]]).distance;
            albedo = scale(albedo, 1 + 0.06 * (1 - smooth(0, 0.0012, edge)));
        }
        // The skin under the brows, tinted (the hairs are strands on top).
        if (n[2] > 0.2 && p[1] > eyeY) {
            const { distance, along } = browLines.map((line) => polyline(p[0], p[1], line)).reduce((a, b) => (a.distance < b.distance ? a : b));
            const width = 0.0045 - 0.0025 * along;
            albedo = mix(albedo, mix(head.hair, albedo, 0.45), 1 - smooth(width * 0.5, width, distance));
        }
        const scalp = p[1] - hairline(p[0], p[2]);
        if (scalp > -0.004) {
            albedo = mix(albedo, scale(head.hair as Vec3, 0.7), smooth(-0.004, 0.004, scalp));
        }
        return { color: albedo, part };
    };
    const detail = (t: number) => {
        const p = triangleCentre(t);
        const rho = eyeDistance(p);
        const eyes = Math.max(0, 1 - Math.max(0, rho - 1) / 1.2) + 6 * Math.exp(-(((rho - 1) / 0.3) ** 2));
        const lips = polyline(p[0], p[1], [...outerLip, outerLip[0]]).distance < 0.006 || insidePolygon(p[0], p[1], outerLip) ? 1 : 0;
        const browDistance = Math.min(...browLines.map((line) => polyline(p[0], p[1], line).distance));
        const front = p[2] > noseTip[2] - 0.07 ? 1 : 0;
        return 1 + front * (2.2 * eyes + 4 * lips + 1.2 * (browDistance < 0.008 ? 1 : 0));
    };
    for (const [part, target] of [
        ["face", IctHeadPartBudget.face],
        ["head_and_neck", IctHeadPartBudget.headAndNeck],
    ] as const) {
        const triangles = range(part);
        const weights = new Map(triangles.map((t) => [t, part === "face" ? detail(t) : 1]));
        const { total, draw } = sampler(triangles, (t) => weights.get(t)!);
        const n = count(target);
        for (let k = 0; k < n; k++) {
            const t = draw();
            const { p, n: nrm } = pointOn(t);
            // Disc radius from the area each Gaussian covers here, generous so random placement leaves no holes.
            // Small at the lid margins, so lids do not spill over the eyes.
            const margin = 1 - 0.55 * Math.exp(-(((eyeDistance(p) - 1) / 0.25) ** 2));
            // Lips and their edges get a wider overlap: the teeth must not show through them.
            const overlap = insidePolygon(p[0], p[1], outerLip) || polyline(p[0], p[1], [...outerLip, outerLip[0]]).distance < 0.003 ? 2.2 : 1.7;
            const radius = overlap * margin * Math.sqrt(total / n / weights.get(t)! / Math.PI);
            const { color, part: label } = skinColour(p, nrm);
            const fade = edgePoints.length > 0 ? smooth(0.004, 0.045, edgeDistance(p)) : 1;
            flat(t, p, nrm, radius, scale(color, shade(nrm)), 0.993 * fade, label);
        }
    }

    // Mouth: socket, gums and tongue, teeth.
    {
        const socket = range("mouth_socket");
        const gums = range("gums_and_tongue");
        const triangles = [...socket, ...gums];
        const socketEnd = kit.parts.get("mouth_socket")!.triangles[1];
        const mouthY = (landmark(62)[1] + landmark(66)[1]) / 2;
        const { total, draw } = sampler(triangles, (t) => (t < socketEnd ? 0.6 : 1));
        const n = count(IctHeadPartBudget.mouth);
        for (let k = 0; k < n; k++) {
            const t = draw();
            const { p, n: nrm } = pointOn(t);
            const radius = 1.7 * Math.sqrt(total / n / Math.PI);
            const tongue = p[1] < mouthY - 0.008;
            const albedo: Vec3 = t < socketEnd ? [0.3, 0.11, 0.11] : tongue ? [0.7, 0.36, 0.37] : [0.8, 0.43, 0.46];
            flat(t, p, nrm, radius, scale(scale(albedo, 1 + 0.08 * noise(p[0] * 600, p[1] * 600, p[2] * 600)), shade(nrm, 0.55)), 0.993, "mouth");
        }
        const teeth = range("teeth");
        const teethSampler = sampler(teeth);
        const nt = count(IctHeadPartBudget.teeth);
        for (let k = 0; k < nt; k++) {
            const t = teethSampler.draw();
            const { p, n: nrm } = pointOn(t);
            const radius = 1.6 * Math.sqrt(teethSampler.total / nt / Math.PI);
            const albedo: Vec3 = scale([0.93, 0.89, 0.8], 1 + 0.04 * noise(p[0] * 800, p[1] * 800, p[2] * 800));
            flat(t, p, nrm, radius, scale(albedo, shade(nrm, 0.85)), 0.993, "teeth");
        }
    }

    // Eyes.
    const eyes = ictEyeGeometry(kit, vertices);
    /** The face triangle near an eye that expressions move least (anchors the corneal highlight). */
    const steadyTriangle = (eye: IctEyeGeometry): number => {
        const v3 = kit.vertexCount * 3;
        let best = -1;
        let bestMotion = Infinity;
        for (const t of range("face")) {
            const c = triangleCentre(t);
            if (Math.hypot(c[0] - eye.centre[0], c[1] - eye.centre[1]) > 0.03 || c[2] < eye.centre[2]) {
                continue;
            }
            let motion = 0;
            for (let j = 0; j < 3; j++) {
                const v = faces[3 * t + j];
                for (let e = 0; e < kit.arkitNames.length; e++) {
                    const base = e * v3 + 3 * v;
                    motion += Math.hypot(kit.expressionDeltas[base], kit.expressionDeltas[base + 1], kit.expressionDeltas[base + 2]);
                }
            }
            if (motion < bestMotion) {
                bestMotion = motion;
                best = t;
            }
        }
        if (best < 0) {
            throw new Error(`placeIctHeadGaussians: no face triangle in front of the ${eye.side} eye to anchor its highlight`);
        }
        return best;
    };
    const irisRadius = 0.0059;
    const pupilRadius = 0.0019;
    const irisPhases = Array.from({ length: 4 }, () => random() * 2 * Math.PI);
    eyes.forEach((eye, e) => {
        const side = e === 0 ? "left" : "right";
        const eyeball = range(`eyeball_${side}`);
        const irisStart = eye.iris[0];
        const offAxis = (p: Vec3) => {
            const d = sub(p, eye.centre);
            const along = dot(d, eye.axis);
            return { radial: sub(d, scale(eye.axis, along)), along };
        };
        const inIrisShell = (t: number) => faces[3 * t] >= irisStart;
        // Visible sclera: the outer shell outside the cornea, in front of the equator.
        const scleraTriangles = eyeball.filter((t) => {
            if (inIrisShell(t)) {
                return false;
            }
            const { radial, along } = offAxis(triangleCentre(t));
            return length(radial) > irisRadius && along > 0.002;
        });
        const irisTriangles = eyeball.filter((t) => {
            if (!inIrisShell(t)) {
                return false;
            }
            const { radial, along } = offAxis(triangleCentre(t));
            return length(radial) < irisRadius + 0.0008 && along > 0;
        });
        const sclera = sampler(scleraTriangles, (t) => 1 + 2 * Math.exp(-(((length(offAxis(triangleCentre(t)).radial) - irisRadius) / 0.0015) ** 2)));
        const ns = count(IctHeadPartBudget.sclera);
        for (let k = 0; k < ns; k++) {
            const t = sclera.draw();
            const { p, n } = pointOn(t);
            const { radial } = offAxis(p);
            const r = length(radial);
            // Whiter in the middle, pinker and darker toward the corners and the limbus.
            const corner = smooth(0.0085, 0.0125, Math.abs(radial[0]));
            let albedo: Vec3 = mix([0.86, 0.83, 0.78], [0.8, 0.58, 0.55], corner * 0.6);
            albedo = scale(albedo, 0.96 + 0.06 * noise(p[0] * 900, p[1] * 900, p[2] * 900));
            albedo = mix(albedo, scale(head.iris as Vec3, 0.5), 0.5 * (1 - smooth(irisRadius - 0.0003, irisRadius + 0.0006, r)));
            // Small at the limbus, so the sclera does not spill over the iris.
            const radius = 1.6 * Math.sqrt(sclera.total / ns / Math.PI) * (0.35 + 0.65 * smooth(irisRadius, irisRadius + 0.002, r));
            flat(t, p, n, radius, scale(albedo, shade(n, 0.95)), 0.993, "sclera");
        }
        const iris = sampler(irisTriangles);
        const ni = count(IctHeadPartBudget.iris);
        for (let k = 0; k < ni; k++) {
            const t = iris.draw();
            const { p, n } = pointOn(t);
            const { radial } = offAxis(p);
            const r = length(radial);
            const radialDirection = normalize(radial);
            const phi = Math.atan2(dot(radial, cross(eye.axis, [1, 0, 0])), radial[0]);
            let albedo: Vec3;
            let part: IctGaussianPart = "iris";
            if (r < pupilRadius) {
                albedo = [0.012, 0.01, 0.01];
                part = "pupil";
            } else {
                const u = (r - pupilRadius) / (irisRadius - pupilRadius);
                // Radial fibres (several frequencies), crypts, a lighter collarette, a darker limbal ring.
                const fibres = 0.55 * Math.sin(phi * 37 + irisPhases[0] + 2 * u) + 0.3 * Math.sin(phi * 61 + irisPhases[1]) + 0.15 * Math.sin(phi * 97 + irisPhases[2] - 3 * u);
                const crypts = noise(Math.cos(phi) * 9, Math.sin(phi) * 9, u * 6 + e * 10);
                const collarette = Math.exp(-((u - 0.28) ** 2) / (2 * 0.06 ** 2));
                const inner: Vec3 = mix(head.iris, [0.55, 0.38, 0.16], 0.45);
                albedo = mix(inner, head.iris, smooth(0.15, 0.45, u));
                albedo = scale(albedo, (1 + 0.22 * fibres) * (1 - 0.25 * Math.max(0, crypts - 0.2)) * (1 + 0.35 * collarette));
                albedo = scale(albedo, 1 - 0.65 * smooth(0.78, 1, u));
                albedo = mix(albedo, [0.02, 0.015, 0.015], 1 - smooth(0, 0.06, u));
            }
            const size = Math.sqrt(iris.total / ni / Math.PI);
            // Iris Gaussians stretched along the radius, like its fibres.
            push({
                triangle: t,
                position: p,
                along: part === "pupil" ? randomTangent(n) : tangent(radialDirection, n),
                normal: n,
                sizes: part === "pupil" ? [size * 1.5, size * 0.2, size * 1.5] : [size * 2.2, size * 0.2, size * 0.8],
                opacity: 0.995,
                color: scale(albedo, part === "pupil" ? 1 : shade(n, 0.95)),
                part,
            });
        }
        // The shadow of the upper lid and the lid margins (on ICT's eye-occlusion overlay, which follows the lids).
        const occlusion = sampler(range(`eye_occlusion_${side}`));
        const no = count(IctHeadPartBudget.occlusion);
        for (let k = 0, tries = 0; k < no && tries < no * 100; tries++) {
            const t = occlusion.draw();
            const { p, n } = pointOn(t);
            const rho = eyeRadius(e, p);
            const upper = p[1] > eyeContours[e].centre[1] ? 1 : 0.3;
            // Over the opening only (the overlay reaches onto the lids): a band under each margin.
            const opacity = 0.45 * upper * smooth(0.55, 0.9, rho) * (1 - smooth(0.92, 1, rho));
            if (opacity >= 0.02) {
                flat(t, p, n, 0.0011, [0.1, 0.06, 0.05], opacity, "occlusion", 0.3);
                k++;
            }
        }
        // The wet line along the lower lid (ICT's lacrimal fluid follows the lids).
        const lacrimal = range(`lacrimal_fluid_${side}`).filter((t) => triangleCentre(t)[1] < eyeContours[e].centre[1] - 0.0005);
        const wet = sampler(lacrimal);
        const nw = count(IctHeadPartBudget.wetLine);
        for (let k = 0; k < nw; k++) {
            const t = wet.draw();
            const { p, n } = pointOn(t);
            flat(t, p, n, 0.0004, [0.92, 0.78, 0.76], 0.5, "occlusion", 0.3);
        }
        // The corneal highlight: where the key light reflects toward a camera in front, on a cornea of 7.8 mm radius
        // (its offset from the apex held within the opening).
        const half = normalize(add(light, [0, 0, 1]));
        const offset = scale(sub(half, scale(eye.axis, dot(half, eye.axis))), 0.0078 * 0.6);
        offset[1] = Math.min(offset[1], 0.0015);
        const spot = add(add(eye.centre, scale(eye.axis, eye.radius + 0.0003 - dot(offset, offset) / (2 * 0.0078))), offset);
        const anchor = steadyTriangle(eye);
        push({ triangle: anchor, position: spot, along: [1, 0, 0], normal: half, sizes: [0.00045, 0.0001, 0.00045], opacity: 0.92, color: [1, 1, 0.98], part: "highlight" });
        push({
            triangle: anchor,
            position: add(spot, [-0.0012, -0.0009, 0]),
            along: [1, 0, 0],
            normal: half,
            sizes: [0.00022, 0.0001, 0.00022],
            opacity: 0.7,
            color: [0.95, 0.95, 0.95],
            part: "highlight",
        });

        // Lashes: thin curved strands from the lid margins, bound to ICT's lash mesh (which follows the lids).
        const lashTriangles = range(`eyelashes_${side}`).map((t) => ({ t, c: triangleCentre(t) }));
        if (!lashTriangles.some(({ c }) => c[1] > eyeContours[e].centre[1]) || !lashTriangles.some(({ c }) => c[1] <= eyeContours[e].centre[1])) {
            throw new Error(`placeIctHeadGaussians: eyelashes_${side} has no upper or no lower lashes`);
        }
        const contour = eyeContours[e];
        const lashColor = scale(mix(head.hair, [0.02, 0.015, 0.012], 0.75), 1);
        for (const [lid, strands, segments, lengthMm] of [
            ["upper", IctHeadPartBudget.upperLashes, 3, 7.5],
            ["lower", IctHeadPartBudget.lowerLashes, 2, 3.2],
        ] as const) {
            const margin = lid === "upper" ? contour.upper : contour.lower;
            const n = count(strands);
            for (let k = 0; k < n; k++) {
                const s = 0.06 + 0.9 * ((k + random()) / n);
                // Along the lid from the inner corner (upper) or the outer corner (lower).
                const fromInner = lid === "upper" ? s : 1 - s;
                const root = add(curvePoint(margin, s), [0, 0, 0.0006]);
                const radialXY = normalize([root[0] - contour.centre[0], root[1] - contour.centre[1], 0]);
                const up: Vec3 = lid === "upper" ? [0, 1, 0] : [0, -1, 0];
                const sideways = scale(radialXY, 0.3);
                let direction = normalize(add(add([0, 0, 1], scale(up, 0.2)), sideways));
                const total = (lengthMm / 1000) * (0.55 + 0.45 * Math.sin(Math.PI * Math.min(1, fromInner * 1.1))) * (0.85 + 0.3 * random());
                const segment = total / segments;
                let point = root;
                // Nearest lash-mesh triangle on the same lid.
                let triangle = lashTriangles[0].t;
                let best = Infinity;
                for (const { t, c } of lashTriangles) {
                    if (c[1] > contour.centre[1] !== (lid === "upper")) {
                        continue;
                    }
                    const d = Math.hypot(c[0] - root[0], c[1] - root[1], c[2] - root[2]);
                    if (d < best) {
                        best = d;
                        triangle = t;
                    }
                }
                for (let j = 0; j < segments; j++) {
                    const next = add(point, scale(direction, segment));
                    push({
                        triangle,
                        position: scale(add(point, next), 0.5),
                        along: direction,
                        normal: tangent(up, direction),
                        sizes: [segment * 0.5, 0.00005, 0.00006],
                        opacity: (lid === "upper" ? 0.85 : 0.55) - 0.15 * j,
                        color: lashColor,
                        part: "lashes",
                    });
                    point = next;
                    // Curl away from the eye.
                    direction = normalize(add(direction, scale(up, 0.3)));
                }
            }
        }
    });

    // Brows: short strands along their growth direction (up at the inner end, outward along the arch, down at the tail).
    {
        const frontFace = range("face").filter((t) => {
            const c = triangleCentre(t);
            return c[1] > eyeY && c[2] > noseTip[2] - 0.07 && Math.min(...browLines.map((line) => polyline(c[0], c[1], line).distance)) < 0.009;
        });
        const browSampler = sampler(frontFace);
        for (const [b, line] of browLines.entries()) {
            const outward = Math.sign(line[line.length - 1][0] - line[0][0]);
            const strands = count(IctHeadPartBudget.browStrands);
            let placed = 0;
            for (let tries = 0; placed < strands && tries < strands * 200; tries++) {
                const t = browSampler.draw();
                const { p, n } = pointOn(t);
                const { distance, along } = polyline(p[0], p[1], line);
                const mine = polyline(p[0], p[1], browLines[1 - b]).distance > distance;
                const width = 0.0048 - 0.003 * along;
                if (!mine || distance > width * (0.6 + 0.4 * random())) {
                    continue;
                }
                placed++;
                const angle = (75 - 95 * smooth(0, 0.55, along)) * (Math.PI / 180) + (random() - 0.5) * 0.35;
                let direction = tangent([outward * Math.cos(angle), Math.sin(angle), 0], n);
                const strandLength = 0.005 + 0.003 * random();
                const tone = 0.75 + 0.35 * random();
                let point = add(p, scale(n, 0.0003));
                for (let j = 0; j < 2; j++) {
                    const next = add(add(point, scale(direction, strandLength / 2)), scale(n, 0.00015));
                    push({
                        triangle: t,
                        position: scale(add(point, next), 0.5),
                        along: direction,
                        normal: tangent(n, direction),
                        sizes: [strandLength * 0.26, 0.00005, 0.00008],
                        opacity: 0.88,
                        color: scale(head.hair as Vec3, tone * shade(n)),
                        part: "brows",
                    });
                    point = next;
                    // Hairs bend down toward their tips.
                    direction = tangent(add(direction, [0, -0.25, 0]), n);
                }
            }
        }
    }

    // Hair: clumps of strands layered over the scalp, combed back from the front and down from the crown.
    {
        const scalp = [...range("face"), ...range("head_and_neck")].filter((t) => {
            const c = triangleCentre(t);
            return c[1] > hairline(c[0], c[2]) + 0.002;
        });
        const scalpSampler = sampler(scalp);
        let top: Vec3 = [0, -Infinity, 0];
        for (const t of scalp) {
            const c = triangleCentre(t);
            if (c[1] > top[1]) {
                top = c;
            }
        }
        const crown: Vec3 = [0.01, top[1] - 0.01, top[2] - 0.035];
        const strands = count(IctHeadPartBudget.hairStrands);
        for (let k = 0; k < strands; k++) {
            const t = scalpSampler.draw();
            const { p, n } = pointOn(t);
            const above = p[1] - hairline(p[0], p[2]);
            const maxHeight = 0.0015 + 0.011 * smooth(0, 0.035, above);
            const height = maxHeight * random() ** 0.7;
            const frontness = smooth(frontZ - 0.1, frontZ - 0.04, p[2]);
            const flow = mix(add(normalize(sub(p, crown)), [0, -0.6, 0]), [0.15 * Math.sign(p[0] || 1), 0.25, -1], frontness);
            let direction = tangent(flow, n);
            const strandLength = 0.012 + 0.01 * random();
            const layer = height / maxHeight;
            const tone = (0.8 + 0.4 * random()) * (0.6 + 0.45 * layer);
            const sheen = 1 + 0.35 * Math.max(0, dot(n, normalize(add(light, [0, 0, 1])))) ** 6 * layer;
            let point = add(p, scale(n, height));
            for (let j = 0; j < 3; j++) {
                const next = add(point, scale(direction, strandLength / 3));
                push({
                    triangle: t,
                    position: scale(add(point, next), 0.5),
                    along: direction,
                    normal: n,
                    sizes: [strandLength * 0.2, 0.00018, 0.0005],
                    opacity: 0.9,
                    color: scale(head.hair as Vec3, tone * sheen * shade(n)),
                    part: "hair",
                });
                point = next;
                direction = tangent(add(direction, scale(n, -0.08)), n);
            }
        }
    }

    // Bind every splat to its triangle's frame.
    const rig = createRiggedGaussians(splats.length);
    const parts: IctGaussianPart[] = [];
    const frames = new Map<number, ReturnType<typeof faceFrame>>();
    const m = new Array<number>(9);
    splats.forEach((s, i) => {
        let frame = frames.get(s.triangle);
        if (!frame) {
            frame = faceFrame(vertices, faces, s.triangle);
            frames.set(s.triangle, frame);
        }
        const R = frame.rotation;
        const k = frame.scale;
        const toLocal = (v: Vec3): Vec3 => [R[0] * v[0] + R[3] * v[1] + R[6] * v[2], R[1] * v[0] + R[4] * v[1] + R[7] * v[2], R[2] * v[0] + R[5] * v[1] + R[8] * v[2]];
        const d = toLocal(sub(s.position, frame.center as Vec3));
        rig.binding[i] = s.triangle;
        rig.localPositions.set([d[0] / k, d[1] / k, d[2] / k], 3 * i);
        const x = normalize(toLocal(s.along));
        const y = normalize(sub(toLocal(s.normal), scale(x, dot(toLocal(s.normal), x))));
        const z = cross(x, y);
        // Columns x, y, z as a row-major matrix.
        for (let r = 0; r < 3; r++) {
            m[3 * r] = x[r];
            m[3 * r + 1] = y[r];
            m[3 * r + 2] = z[r];
        }
        quaternionFromMatrix(m, rig.localRotations, 4 * i);
        for (let c = 0; c < 3; c++) {
            rig.localLogScales[3 * i + c] = Math.log(s.sizes[c] / k);
            const value = Math.min(1, Math.max(0, s.color[c]));
            rig.colorDc[3 * i + c] = (value - 0.5) / ShC0;
        }
        const opacity = Math.min(0.995, Math.max(0.005, s.opacity));
        rig.opacityLogits[i] = Math.log(opacity / (1 - opacity));
        parts.push(s.part);
    });
    return { rig, parts };
}
