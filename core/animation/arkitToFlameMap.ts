/**
 * The ARKit-52 → FLAME retarget map. Poses and eyelids follow FLAME's fixed semantics and hold for any FLAME model;
 * FLAME's expression components are a per-release PCA with no names, so the expression part is built from names
 * only where a model gives its components names (the default avatar does), and is otherwise fitted from paired
 * samples (docs/ANIMATION.md §3).
 */
import { RetargetMap } from "./RetargetMap.js";

/** Options of {@link createArkitToFlameMap}. */
/** Eye yaw, radians, that an `eyeLookOut…`/`eyeLookIn…` weight of 1 stands for. */
export const DefaultEyeYawRadians = 0.45;

/** Eye pitch, radians, that an `eyeLookUp…`/`eyeLookDown…` weight of 1 stands for. */
export const DefaultEyePitchRadians = 0.35;

export interface ArkitToFlameOptions {
    /** One name per FLAME expression component (for example a GEM driver's `labels`); unnamed components are not driven. */
    expressionNames?: readonly (string | undefined)[];
    /** Expression value at blendshape weight 1 (default 1). */
    expressionGain?: number;
    /** Jaw rotation about x, radians, at `jawOpen` = 1 (default 0.35, about 20°). */
    jawOpenRadians?: number;
    /** Jaw rotation about y, radians, at `jawLeft` = 1 (default 0.1). */
    jawSideRadians?: number;
    /** Eye yaw, radians, at `eyeLookOut…`/`eyeLookIn…` = 1 (default 0.45). */
    eyeYawRadians?: number;
    /** Eye pitch, radians, at `eyeLookUp…`/`eyeLookDown…` = 1 (default 0.35). */
    eyePitchRadians?: number;
    /** Which FLAME rotation the head yaw/pitch/roll drive: `neckPose` (default), `globalPose` or `none`. */
    headRotation?: "neckPose" | "globalPose" | "none";
    /** Map name. */
    name?: string;
}

/**
 * Name correspondence of ARKit blendshapes to semantically named expression components: `[arkit, expression name,
 * weight]`. Paired left/right shapes share one symmetric component at half weight each.
 */
export const ArkitExpressionCorrespondence: readonly (readonly [string, string, number])[] = [
    ["mouthSmileLeft", "smile", 0.5],
    ["mouthSmileRight", "smile", 0.5],
    ["mouthStretchLeft", "mouthStretch", 0.5],
    ["mouthStretchRight", "mouthStretch", 0.5],
    ["mouthPucker", "pucker", 1],
    ["mouthFunnel", "pucker", 0.5],
    ["mouthFrownLeft", "mouthFrown", 0.5],
    ["mouthFrownRight", "mouthFrown", 0.5],
    ["mouthUpperUpLeft", "upperLipRaise", 0.5],
    ["mouthUpperUpRight", "upperLipRaise", 0.5],
    ["browInnerUp", "browRaise", 0.5],
    ["browOuterUpLeft", "browRaise", 0.25],
    ["browOuterUpRight", "browRaise", 0.25],
    ["browDownLeft", "browFrown", 0.5],
    ["browDownRight", "browFrown", 0.5],
    ["cheekPuff", "cheekPuff", 1],
    ["eyeSquintLeft", "eyeSquint", 0.5],
    ["eyeSquintRight", "eyeSquint", 0.5],
    ["mouthLeft", "mouthLeft", 1],
    ["mouthRight", "mouthLeft", -1],
];

/**
 * Builds the ARKit → FLAME map. FLAME axes: x is the subject's left, y up, z forward; a positive rotation about x
 * turns the gaze (and the chin) down, about y towards the subject's left.
 * @param options scales and the expression names
 * @returns the map (source: `arkit/…`, target: the FLAME channels it drives)
 */
export function createArkitToFlameMap(options: ArkitToFlameOptions = {}): RetargetMap {
    const jaw = options.jawOpenRadians ?? 0.35;
    const jawSide = options.jawSideRadians ?? 0.1;
    const yaw = options.eyeYawRadians ?? DefaultEyeYawRadians;
    const pitch = options.eyePitchRadians ?? DefaultEyePitchRadians;
    const gain = options.expressionGain ?? 1;
    const entries: [string, string, number][] = [
        ["jawOpen", "flame/jawPose/0", jaw],
        ["jawLeft", "flame/jawPose/1", jawSide],
        ["jawRight", "flame/jawPose/1", -jawSide],
        ["eyeBlinkLeft", "flame/eyelids/0", 1],
        ["eyeBlinkRight", "flame/eyelids/1", 1],
        // Left eye: eyePose 0..2. Looking out (to the subject's left) is +yaw; in is −yaw.
        ["eyeLookUpLeft", "flame/eyePose/0", -pitch],
        ["eyeLookDownLeft", "flame/eyePose/0", pitch],
        ["eyeLookOutLeft", "flame/eyePose/1", yaw],
        ["eyeLookInLeft", "flame/eyePose/1", -yaw],
        // Right eye: eyePose 3..5. Looking out is towards the subject's right, −yaw.
        ["eyeLookUpRight", "flame/eyePose/3", -pitch],
        ["eyeLookDownRight", "flame/eyePose/3", pitch],
        ["eyeLookOutRight", "flame/eyePose/4", -yaw],
        ["eyeLookInRight", "flame/eyePose/4", yaw],
    ];
    const head = options.headRotation ?? "neckPose";
    if (head !== "none") {
        // ARKit yaw is about +y, pitch about +x (positive looks up), roll about +z, as seen from the device.
        entries.push(["headPitch", `flame/${head}/0`, -1], ["headYaw", `flame/${head}/1`, 1], ["headRoll", `flame/${head}/2`, 1]);
    }
    const names = options.expressionNames ?? [];
    for (const [arkit, expression, weight] of ArkitExpressionCorrespondence) {
        const index = names.indexOf(expression);
        if (index >= 0) {
            entries.push([arkit, `flame/expression/${index}`, gain * weight]);
        }
    }
    const source = [...new Set(entries.map((e) => `arkit/${e[0]}`))];
    const target = [...new Set(entries.map((e) => e[1]))];
    const matrix = new Float32Array(source.length * target.length);
    for (const [arkit, flame, weight] of entries) {
        matrix[target.indexOf(flame) * source.length + source.indexOf(`arkit/${arkit}`)] += weight;
    }
    return new RetargetMap(options.name ?? "arkit → flame", source, target, matrix);
}

/**
 * The way back: FLAME jaw, eye and eyelid channels to the ARKit weights {@link createArkitToFlameMap} would have made
 * them from, for avatars driven in ARKit space (a GEM model with an `arkit` driver map). It is that map's least-squares
 * inverse: each ARKit channel drives one FLAME channel, so channel f gives source a the share w_a / Σ w² of its value
 * (jawPose/0 = 0.35 → jawOpen = 1; a sideways jaw splits between jawLeft and jawRight with opposite signs).
 * Expressions and head rotations are not mapped (the head pose stays in FLAME space).
 * @param options the ARKit → FLAME angles to invert
 * @returns the map (source: FLAME channels, target: `arkit/…`)
 */
export function createFlameToArkitMap(options: Omit<ArkitToFlameOptions, "headRotation" | "expressionNames" | "name"> & { name?: string } = {}): RetargetMap {
    const forward = createArkitToFlameMap({ ...options, headRotation: "none", expressionNames: [], name: "forward" });
    const p = forward.source.length;
    const q = forward.target.length;
    // Transposed and normalised per FLAME channel: target (ARKit) × source (FLAME).
    const matrix = new Float32Array(p * q);
    for (let f = 0; f < q; f++) {
        let norm = 0;
        for (let a = 0; a < p; a++) {
            norm += forward.matrix[f * p + a] ** 2;
        }
        for (let a = 0; a < p; a++) {
            matrix[a * q + f] = norm > 0 ? forward.matrix[f * p + a] / norm : 0;
        }
    }
    return new RetargetMap(options.name ?? "flame → arkit", forward.target, forward.source, matrix);
}
