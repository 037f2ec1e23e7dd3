/**
 * The embedded default avatar: a procedurally built head (skin, hair, eyes, brows, lips, teeth, neck) as a GEM model
 * with a handful of meaningful components. Deterministic: the same code gives the same bytes.
 *
 * Coordinates follow GEM/FLAME: right-handed, y up, the face looking down +z, metres.
 * Each component is a designed deformation d_k; the stored basis is d_k / ‖d_k‖ with eigenvalue ‖d_k‖², so a
 * coefficient of 1 (in σ units, as upstream) applies the full deformation.
 */
import { GemModel, type GemAttributeGroup } from "../plugin/GemModel";
import { createRandom } from "./syntheticModels";

/** Kinds of Gaussians in the default head; used for colours and for which modes move them. */
const enum Part {
    Skin,
    Hair,
    Sclera,
    Iris,
    Eyelid,
    Brow,
    Lip,
    Mouth,
    Teeth,
}

interface Splat {
    part: Part;
    p: [number, number, number];
    n: [number, number, number];
    s: [number, number, number];
    c: [number, number, number];
    o: number;
}

const HEAD = { rx: 0.076, ry: 0.1, rz: 0.094 };
const EYE_Y = 0.018;
const EYE_X = 0.032;
const MOUTH_Y = -0.048;
const BROW_Y = 0.047;

function smoothstep(a: number, b: number, x: number): number {
    const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
    return t * t * (3 - 2 * t);
}

function normalize(v: [number, number, number]): [number, number, number] {
    const l = Math.hypot(v[0], v[1], v[2]) || 1;
    return [v[0] / l, v[1] / l, v[2] / l];
}

/** Quaternion (w, x, y, z) turning +z onto a unit normal. */
function alignZ(n: [number, number, number]): [number, number, number, number] {
    const d = n[2];
    if (d < -0.999999) {
        return [0, 1, 0, 0];
    }
    // axis = z × n = (-n.y, n.x, 0); q = (1 + d, axis) normalised
    const w = 1 + d;
    const q: [number, number, number, number] = [w, -n[1], n[0], 0];
    const l = Math.hypot(...q);
    return [q[0] / l, q[1] / l, q[2] / l, q[3] / l];
}

/** Point on the head ellipsoid (with a flatter face and a chin) for a unit direction. */
function headSurface(dir: [number, number, number]): { p: [number, number, number]; n: [number, number, number] } {
    const [x, y, z] = dir;
    // Slimmer towards the chin, fuller at the cranium.
    const taper = y < 0 ? 1 - 0.28 * smoothstep(0, -1, y) : 1;
    const p: [number, number, number] = [x * HEAD.rx * taper, y * HEAD.ry, z * HEAD.rz * (y < 0 ? 1 - 0.1 * smoothstep(0, -1, y) : 1)];
    // Nose: a ridge on the front centre line.
    const noseWeight = Math.exp(-((x / 0.1) ** 2) * 60) * smoothstep(-0.55, -0.2, y) * (1 - smoothstep(0.05, 0.3, y)) * smoothstep(0.6, 0.95, z);
    p[2] += 0.022 * noseWeight;
    const n = normalize([p[0] / (HEAD.rx * HEAD.rx), p[1] / (HEAD.ry * HEAD.ry), p[2] / (HEAD.rz * HEAD.rz)]);
    return { p, n };
}

function build(random: () => number): Splat[] {
    const splats: Splat[] = [];
    const jitter = (amount: number) => (random() - 0.5) * amount;
    const surfaceCount = 9000;
    const golden = Math.PI * (3 - Math.sqrt(5));
    for (let i = 0; i < surfaceCount; i++) {
        const y = 1 - (2 * (i + 0.5)) / surfaceCount;
        const r = Math.sqrt(1 - y * y);
        const theta = golden * i;
        const dir: [number, number, number] = [Math.cos(theta) * r, y, Math.sin(theta) * r];
        const { p, n } = headSurface(dir);
        const hair = p[1] > 0.055 - 0.05 * smoothstep(0.2, -0.6, dir[2]) && !(dir[2] > 0.55 && p[1] < 0.075);
        const shade = 0.92 + jitter(0.08);
        if (hair) {
            const lift = 0.006 + 0.004 * random();
            splats.push({
                part: Part.Hair,
                p: [p[0] + n[0] * lift, p[1] + n[1] * lift, p[2] + n[2] * lift],
                n,
                s: [0.005, 0.005, 0.0025],
                c: [0.24 * shade, 0.15 * shade, 0.09 * shade],
                o: 0.95,
            });
        } else {
            splats.push({ part: Part.Skin, p, n, s: [0.0032, 0.0032, 0.0012], c: [0.88 * shade, 0.68 * shade, 0.57 * shade], o: 0.97 });
        }
    }
    // Neck.
    for (let i = 0; i < 1400; i++) {
        const a = random() * Math.PI * 2;
        const y = -0.07 - random() * 0.075;
        const n: [number, number, number] = [Math.cos(a), 0, Math.sin(a)];
        splats.push({ part: Part.Skin, p: [0.048 * n[0], y, 0.05 * n[2] - 0.012], n, s: [0.004, 0.004, 0.0015], c: [0.8, 0.6, 0.5], o: 0.97 });
    }
    const front = (x: number, y: number) => headSurface(normalize([x / HEAD.rx, y / HEAD.ry, Math.sqrt(Math.max(0.02, 1 - (x / HEAD.rx) ** 2 - (y / HEAD.ry) ** 2))]));
    for (const side of [-1, 1]) {
        // Eyes: sclera disc, iris and pupil slightly proud of the surface.
        for (let i = 0; i < 140; i++) {
            const a = random() * Math.PI * 2;
            const r = Math.sqrt(random()) * 0.012;
            const x = side * EYE_X + Math.cos(a) * r;
            const y = EYE_Y + Math.sin(a) * r * 0.55;
            const { p, n } = front(x, y);
            const iris = r < 0.0055;
            const pupil = r < 0.0022;
            splats.push({
                part: iris ? Part.Iris : Part.Sclera,
                p: [p[0], p[1], p[2] + 0.0015],
                n,
                s: [0.0014, 0.0014, 0.0006],
                c: pupil ? [0.03, 0.03, 0.04] : iris ? [0.22, 0.36, 0.5] : [0.95, 0.94, 0.92],
                o: 1,
            });
        }
        // Upper eyelids: a sheet gathered along the lid crease; "blink" spreads it over the eye.
        for (let i = 0; i < 90; i++) {
            const u = random() * 2 - 1;
            const v = random();
            const x = side * EYE_X + u * 0.013;
            const { p, n } = front(x, EYE_Y + 0.008);
            splats.push({ part: Part.Eyelid, p: [p[0], p[1] + v * 0.002, p[2] + 0.0032], n, s: [0.0026, 0.0016, 0.0008], c: [0.84, 0.62, 0.52], o: 1 });
        }
        // Brows.
        for (let i = 0; i < 110; i++) {
            const u = random();
            const x = side * (0.014 + u * 0.03);
            const y = BROW_Y + 0.006 * Math.sin(u * Math.PI) - 0.004 * u + jitter(0.003);
            const { p, n } = front(x, y);
            splats.push({ part: Part.Brow, p: [p[0], p[1], p[2] + 0.0025], n, s: [0.003, 0.0012, 0.0007], c: [0.18, 0.11, 0.07], o: 0.95 });
        }
    }
    // Lips (upper and lower) around the mouth line.
    for (let i = 0; i < 500; i++) {
        const u = random() * 2 - 1;
        const upper = i % 2 === 0;
        const width = 0.026 * (1 - 0.15 * u * u);
        const x = u * width;
        const thickness = 0.0045 * (1 - u * u * 0.7);
        const y = MOUTH_Y + (upper ? 1 : -1) * (0.0015 + random() * thickness);
        const { p, n } = front(x, y);
        splats.push({ part: Part.Lip, p: [p[0], p[1], p[2] + 0.003], n, s: [0.0022, 0.0016, 0.0008], c: [0.72, 0.33, 0.33], o: 1 });
    }
    // Mouth interior (dark) and teeth, behind the lips.
    for (let i = 0; i < 260; i++) {
        const x = (random() * 2 - 1) * 0.02;
        const y = MOUTH_Y + (random() * 2 - 1) * 0.012;
        const { p, n } = front(x, y);
        splats.push({ part: Part.Mouth, p: [p[0], p[1], p[2] - 0.012], n, s: [0.004, 0.004, 0.002], c: [0.28, 0.07, 0.08], o: 1 });
    }
    for (let i = 0; i < 160; i++) {
        const x = (random() * 2 - 1) * 0.016;
        const upper = i % 2 === 0;
        const y = MOUTH_Y + (upper ? 0.003 : -0.004) + jitter(0.003);
        const { p, n } = front(x, y);
        splats.push({ part: Part.Teeth, p: [p[0], p[1], p[2] - 0.005], n, s: [0.0018, 0.0022, 0.0008], c: [0.95, 0.93, 0.88], o: 0.15 });
    }
    return splats;
}

/** Rotates point p about the x axis through pivot (y, z) by angle a. */
function rotateX(p: [number, number, number], pivotY: number, pivotZ: number, a: number): [number, number, number] {
    const y = p[1] - pivotY;
    const z = p[2] - pivotZ;
    return [p[0], pivotY + y * Math.cos(a) - z * Math.sin(a), pivotZ + y * Math.sin(a) + z * Math.cos(a)];
}

/** Component names of the default avatar's position group. */
export const DefaultAvatarPositionComponents = ["jawOpen", "smile", "browRaise", "blinkLeft", "blinkRight"];

/**
 * Builds the default avatar model.
 * @returns the model (float32; the committed asset is stored in float16)
 */
export function createDefaultAvatarModel(): GemModel {
    const random = createRandom(20251124);
    const splats = build(random);
    const g = splats.length;
    const position = new Float32Array(3 * g);
    const opacity = new Float32Array(g);
    const scale = new Float32Array(3 * g);
    const rotation = new Float32Array(4 * g);
    const color = new Float32Array(3 * g);
    splats.forEach((s, i) => {
        position.set(s.p, 3 * i);
        opacity[i] = s.o;
        scale.set(s.s, 3 * i);
        rotation.set(alignZ(s.n), 4 * i);
        color.set(s.c, 3 * i);
    });

    const modes: Float32Array[] = DefaultAvatarPositionComponents.map(() => new Float32Array(3 * g));
    const [jaw, smile, brow, blinkLeft, blinkRight] = modes;
    splats.forEach((s, i) => {
        const [x, y, z] = s.p;
        // Jaw: everything below the mouth line on the front of the head rotates open about the jaw hinge.
        const jawWeight = (s.part === Part.Lip && y > MOUTH_Y) || s.part === Part.Mouth ? 0 : smoothstep(MOUTH_Y + 0.004, MOUTH_Y - 0.006, y) * smoothstep(-0.035, 0.02, z) * (1 - smoothstep(-0.09, -0.115, y) * 0);
        if (jawWeight > 0 && s.part !== Part.Hair) {
            const open = rotateX(s.p, -0.01, -0.025, 0.32 * jawWeight);
            jaw.set([open[0] - x, open[1] - y, open[2] - z], 3 * i);
        }
        // Smile: mouth corners up and out, cheeks lifted.
        const corner = Math.exp(-(((Math.abs(x) - 0.026) / 0.012) ** 2) - ((y - MOUTH_Y) / 0.012) ** 2) * smoothstep(0.02, 0.07, z);
        const cheek = Math.exp(-(((Math.abs(x) - 0.035) / 0.015) ** 2) - ((y + 0.015) / 0.015) ** 2) * smoothstep(0.02, 0.07, z);
        if (s.part !== Part.Hair && s.part !== Part.Sclera && s.part !== Part.Iris) {
            smile.set([Math.sign(x) * 0.005 * corner, 0.008 * corner + 0.004 * cheek, 0.002 * cheek], 3 * i);
        }
        // Brows (and the forehead skin just above them) move up.
        const browWeight = s.part === Part.Brow ? 1 : s.part === Part.Skin ? Math.exp(-(((y - BROW_Y - 0.01) / 0.015) ** 2)) * smoothstep(0.03, 0.07, z) * smoothstep(0.06, 0.01, Math.abs(x)) * 0.6 : 0;
        brow[3 * i + 1] = 0.009 * browWeight;
        // Blink: each eyelid sheet spreads down over its eye.
        if (s.part === Part.Eyelid) {
            const target = blinkLeft; // FLAME's left eye is at +x
            const mode = x > 0 ? target : blinkRight;
            const spread = random();
            mode[3 * i + 1] = -(0.003 + 0.017 * spread);
            mode[3 * i + 2] = 0.0012 * Math.sin(spread * Math.PI);
        }
    });

    const positionGroup = modeGroup("geometry", "position", 3, position, modes, DefaultAvatarPositionComponents, "none");

    const teeth = new Float32Array(g);
    splats.forEach((s, i) => (teeth[i] = s.part === Part.Teeth ? 0.8 : 0));
    const opacityGroup = modeGroup("opacity", "opacity", 1, opacity, [teeth], ["teethShow"], "none");

    const puff = new Float32Array(3 * g);
    splats.forEach((s, i) => {
        const [x, y, z] = s.p;
        const cheek = Math.exp(-(((Math.abs(x) - 0.045) / 0.02) ** 2) - ((y + 0.03) / 0.025) ** 2) * smoothstep(0.0, 0.06, z);
        if (s.part === Part.Skin) {
            puff.set([0.0025 * cheek, 0.0025 * cheek, 0.0025 * cheek], 3 * i);
        }
    });
    const scaleGroup = modeGroup("scales", "scale", 3, scale, [puff], ["skinPuff"], "none");

    const sway = new Float32Array(4 * g);
    splats.forEach((s, i) => {
        if (s.part === Part.Hair) {
            // Tilt of the hair splats about their own z (first-order quaternion change).
            const q = rotation.subarray(4 * i, 4 * i + 4);
            const half = 0.35;
            sway.set([-q[3] * half, -q[2] * half, q[1] * half, q[0] * half], 4 * i);
        }
    });
    const rotationGroup = modeGroup("rotation", "rotation", 4, rotation, [sway], ["hairTwist"], "normalize");

    const colorGroup: GemAttributeGroup = {
        name: "colors",
        semantic: "color",
        channels: 3,
        components: 0,
        activation: "none",
        mean: color,
        basis: null,
        eigenvalues: new Float32Array(0),
    };
    return new GemModel({
        gaussianCount: g,
        groups: [positionGroup, opacityGroup, scaleGroup, rotationGroup, colorGroup],
        coefficientUnits: "stddev",
        metadata: {
            name: "Default head",
            description: "Procedural head generated by tools/defaultAvatar.ts; stands in until a distilled avatar ships.",
            licence: "CC0-1.0",
        },
    });
}

function modeGroup(name: string, semantic: GemAttributeGroup["semantic"], channels: number, mean: Float32Array, modes: Float32Array[], names: string[], activation: GemAttributeGroup["activation"]): GemAttributeGroup {
    const n = mean.length;
    const basis = new Float32Array(modes.length * n);
    const eigenvalues = new Float32Array(modes.length);
    modes.forEach((mode, k) => {
        let norm = 0;
        for (let i = 0; i < n; i++) {
            norm += mode[i] * mode[i];
        }
        norm = Math.sqrt(norm);
        eigenvalues[k] = norm * norm;
        for (let i = 0; i < n; i++) {
            basis[k * n + i] = norm > 0 ? mode[i] / norm : 0;
        }
    });
    return { name, semantic, channels, components: modes.length, activation, mean, basis: { dtype: "float32", data: basis }, eigenvalues, componentNames: names };
}
