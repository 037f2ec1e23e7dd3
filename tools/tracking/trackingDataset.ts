/**
 * The face tracker's training and evaluation data: faces of many identities (ICT-FaceKit's 100 identity modes drawn
 * from their N(0, 1) prior), skin tones, eye and hair colours, camera distances and head turns, holding known ARKit-52
 * expressions (each shape alone, sparse and asymmetric mixes, blinks during turns, frames of a real talking track),
 * rendered in Chromium and run through the shipped landmark detector. The tracker's landmark model is learned from what
 * the detector reports on the training identities; identities drawn from other seeds are held out for evaluation.
 *
 * Detections are stored in an npz: `meshes` int16 (F, 478, 3) in 1/64 pixel, `arkit` float32 (F, 52), `views` float32
 * (F, 3: camera yaw and pitch in radians, distance scale), `identity` int32 (F,), `pose` int32 (F,) indexing
 * `poseNames`, `betas` float32 (I, 100).
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { posedRiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { readNpz } from "../../loaders/archives/npzArchive.js";
import type { FrameRenderer } from "../distill/frameRenderer.js";
import { createRandom } from "../synthetic/syntheticModels.js";
import { createIctHeadRig, ictExpressionWeights, ictVertices, type IctFaceKit, type IctHeadIdentity } from "../synthetic/ictHead.js";
import { writeNpz } from "../writers/npzWriter.js";
import { detectorToSolverFrame } from "./detectorLandmarkModel.js";
import type { FaceLandmarkDetector } from "./humanDetector.js";
import { performanceArkitWeights } from "./trackingPerformance.js";

/** Landmarks per detection. */
export const DatasetLandmarks = 478;
/** Fixed-point scale of the stored landmarks (units per pixel). */
const meshScale = 64;

/**
 * One detection of a data set in the solver's frame (detector units: 1/1000 of a pixel), as the landmark model is fitted.
 * @param data the data set
 * @param frame frame index
 * @returns n × 3 points
 */
export function datasetSolverFrame(data: TrackingDataset, frame: number): Float64Array {
    return detectorToSolverFrame(data.meshes.subarray(frame * DatasetLandmarks * 3, (frame + 1) * DatasetLandmarks * 3));
}

/** One face to render: expression, view, and what kind of pose it is. */
export interface DatasetPose {
    /** 52 ARKit weights. */
    arkit: Float32Array;
    /** Head yaw in ARKit's sense (positive: the performer turns to their own left), radians. */
    headYaw: number;
    /** Head pitch (positive: looks up), radians. */
    headPitch: number;
    /** Camera distance as a multiple of the renderer's. */
    distance: number;
    /** Kind of pose (`neutral`, `single`, `mix`, `talk`, an evaluation pose's name...). */
    name: string;
}

/** Detections with what was rendered. */
export interface TrackingDataset {
    /** F × 478 × 3 landmarks, picture pixels (x right, y down, z the detector's depth). */
    meshes: Float32Array;
    /** F × 52 ARKit weights. */
    arkit: Float32Array;
    /** F × 3: head yaw, head pitch (radians), distance scale. */
    views: Float32Array;
    /** Identity index of each frame. */
    identity: Int32Array;
    /** Pose name index of each frame. */
    pose: Int32Array;
    poseNames: string[];
    /** I × 100 identity coefficients. */
    betas: Float32Array;
    /** Frames F. */
    frameCount: number;
}

/** An identity of the data set: its coefficients over ICT's 100 modes and colours. */
export interface DatasetIdentity extends IctHeadIdentity {
    /** 100 coefficients. */
    identity: number[];
}

const skinTones: [number, number, number][] = [
    [0.93, 0.78, 0.7],
    [0.87, 0.68, 0.57],
    [0.8, 0.6, 0.5],
    [0.7, 0.5, 0.38],
    [0.55, 0.38, 0.28],
    [0.42, 0.28, 0.2],
    [0.3, 0.2, 0.14],
];
const irisColours: [number, number, number][] = [
    [0.35, 0.22, 0.12],
    [0.18, 0.12, 0.08],
    [0.25, 0.42, 0.55],
    [0.3, 0.4, 0.25],
    [0.45, 0.45, 0.5],
];
const hairColours: [number, number, number][] = [
    [0.06, 0.05, 0.05],
    [0.2, 0.14, 0.1],
    [0.55, 0.4, 0.22],
    [0.45, 0.2, 0.1],
    [0.6, 0.58, 0.55],
];

function gaussian(random: () => number): number {
    return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Draws identities from ICT's prior (every mode N(0, 1), clamped at ±2.5) with random colours.
 * @param seed seed (training and held-out sets use different seeds)
 * @param count identities
 * @param modes identity modes (default 100)
 * @returns the identities
 */
export function drawDatasetIdentities(seed: number, count: number, modes = 100): DatasetIdentity[] {
    const random = createRandom(seed);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    return Array.from({ length: count }, (_, i) => {
        const skin = pick(skinTones);
        const shade = 0.92 + 0.16 * random();
        const lips: [number, number, number] = [Math.min(1, skin[0] * 0.9 * shade), skin[1] * 0.62 * shade, skin[2] * 0.7 * shade];
        return {
            name: `identity-${seed}-${i}`,
            label: `Identity ${seed}/${i}`,
            identity: Array.from({ length: modes }, () => Math.max(-2.5, Math.min(2.5, gaussian(random)))),
            skin: [skin[0] * shade, skin[1] * shade, skin[2] * shade],
            lips,
            iris: pick(irisColours),
            hair: pick(hairColours),
            seed: seed * 1000 + i,
        };
    });
}

/** ARKit names the ICT rig can show (all but tongueOut). */
function riggedChannels(kit: IctFaceKit): number[] {
    return ArkitBlendshapeNames.map((_, i) => i).filter((i) => kit.arkitNames.includes(ArkitBlendshapeNames[i]));
}

/** Channels people move most: the ones sparse mixes are drawn from. */
const commonChannels = [
    "jawOpen",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFunnel",
    "mouthPucker",
    "mouthClose",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthRollLower",
    "mouthShrugUpper",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "browDownLeft",
    "browDownRight",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "eyeSquintLeft",
    "eyeSquintRight",
    "eyeWideLeft",
    "eyeWideRight",
    "cheekSquintLeft",
    "cheekSquintRight",
    "noseSneerLeft",
    "noseSneerRight",
    "jawLeft",
    "jawRight",
    "eyeLookUpLeft",
    "eyeLookUpRight",
    "eyeLookOutLeft",
    "eyeLookInRight",
];

/**
 * The training poses of one identity: neutral from three views, each rigged shape alone, sparse (often asymmetric)
 * mixes, blinks during head turns, and rows of the talking track's first half.
 * @param kit the rig (which channels exist)
 * @param seed seed
 * @param talking rows of 52 ARKit weights (the first half of the talking track)
 * @returns the poses
 */
export function trainingPoses(kit: IctFaceKit, seed: number, talking: readonly Float32Array[]): DatasetPose[] {
    const random = createRandom(seed);
    const uniform = (a: number, b: number) => a + (b - a) * random();
    const view = () => ({ headYaw: uniform(-0.35, 0.35), headPitch: uniform(-0.15, 0.15), distance: uniform(0.8, 1.25) });
    const poses: DatasetPose[] = [
        { arkit: new Float32Array(52), headYaw: 0, headPitch: 0, distance: uniform(0.85, 1.15), name: "neutral" },
        { arkit: new Float32Array(52), ...view(), name: "neutral" },
        { arkit: new Float32Array(52), ...view(), name: "neutral" },
    ];
    for (const channel of riggedChannels(kit)) {
        const arkit = new Float32Array(52);
        arkit[channel] = uniform(0.5, 1);
        poses.push({ arkit, ...view(), name: "single" });
    }
    for (let m = 0; m < 10; m++) {
        const arkit = new Float32Array(52);
        const count = 2 + Math.floor(random() * 3);
        for (let c = 0; c < count; c++) {
            arkit[ArkitBlendshapeNames.indexOf(commonChannels[Math.floor(random() * commonChannels.length)])] = uniform(0.2, 1);
        }
        poses.push({ arkit, ...view(), name: "mix" });
    }
    for (const side of ["Left", "Right", ""]) {
        const arkit = side
            ? performanceArkitWeights({ weights: { [`eyeBlink${side}`]: uniform(0.6, 1) } })
            : performanceArkitWeights({ weights: { eyeBlinkLeft: 1, eyeBlinkRight: 1 } });
        poses.push({ arkit, headYaw: (random() < 0.5 ? -1 : 1) * uniform(0.2, 0.4), headPitch: uniform(-0.1, 0.1), distance: uniform(0.85, 1.15), name: "mix" });
    }
    for (let t = 0; t < 6; t++) {
        poses.push({ arkit: talking[Math.floor(random() * talking.length)].slice(), ...view(), name: "talk" });
    }
    return poses;
}

/** The evaluation poses (held-out identities): named poses whose active channels are known, then a talking performance. */
export const EvaluationPoses: readonly { name: string; weights: Record<string, number>; headYaw: number }[] = [
    { name: "neutral", weights: {}, headYaw: 0 },
    { name: "neutral", weights: {}, headYaw: 0 },
    { name: "jaw", weights: { jawOpen: 0.6 }, headYaw: 0 },
    { name: "smile", weights: { mouthSmileLeft: 0.8, mouthSmileRight: 0.8 }, headYaw: -0.15 },
    { name: "blink", weights: { eyeBlinkLeft: 1, eyeBlinkRight: 1 }, headYaw: 0.15 },
    { name: "blinkLeft", weights: { eyeBlinkLeft: 1 }, headYaw: 0 },
    { name: "blinkRight", weights: { eyeBlinkRight: 1 }, headYaw: -0.1 },
    { name: "brows", weights: { browInnerUp: 0.8, browOuterUpLeft: 0.8, browOuterUpRight: 0.8 }, headYaw: 0 },
    { name: "pucker", weights: { mouthPucker: 0.8 }, headYaw: 0.1 },
    { name: "funnel", weights: { mouthFunnel: 0.7, jawOpen: 0.2 }, headYaw: -0.1 },
    { name: "turnLeft", weights: {}, headYaw: 0.35 },
    { name: "turnRight", weights: {}, headYaw: -0.35 },
    { name: "lookUp", weights: {}, headYaw: 0 },
];

/** Seconds between two talking frames of the evaluation (every third row of the 30 fps track). */
export const TalkFrameSeconds = 3 / 30;

/**
 * The evaluation poses of one held-out identity, then `talkFrames` consecutive-in-time rows of the talking track's
 * second half with a slow head sway.
 * @param talking rows of the second half of the talking track
 * @param talkFrames frames of the talking performance
 * @param step track rows between two frames
 * @returns the poses
 */
export function evaluationPoses(talking: readonly Float32Array[], talkFrames = 48, step = Math.round(TalkFrameSeconds * 30)): DatasetPose[] {
    const poses: DatasetPose[] = EvaluationPoses.map((p) => ({
        arkit: performanceArkitWeights(p),
        headYaw: p.headYaw,
        headPitch: p.name === "lookUp" ? 0.2 : 0,
        distance: 1,
        name: p.name,
    }));
    for (let t = 0; t < talkFrames; t++) {
        const row = talking[Math.min(talking.length - 1, t * step)];
        poses.push({
            arkit: row.slice(),
            headYaw: 0.2 * Math.sin((2 * Math.PI * t) / talkFrames),
            headPitch: 0.06 * Math.sin((4 * Math.PI * t) / talkFrames),
            distance: 1,
            name: "talk",
        });
    }
    return poses;
}

/**
 * ICT-FaceKit with all 100 identity modes (`ict-facekit-identities-100.npz`).
 * @param kit the compact kit (20 modes)
 * @param bytes the 100-mode file
 * @param inflate raw inflate for compressed entries
 * @returns a kit whose identity modes are the 100
 */
export function withHundredIdentities(kit: IctFaceKit, bytes: Uint8Array, inflate: (data: Uint8Array, size: number) => Uint8Array): IctFaceKit {
    const arrays = readNpz(bytes, "ict-facekit-identities-100.npz", inflate);
    const deltas = arrays.get("identity_deltas");
    if (!deltas || deltas.shape[1] !== kit.vertexCount) {
        throw new Error("ict-facekit-identities-100.npz: identity_deltas missing or of another vertex count");
    }
    return { ...kit, identityDeltas: Float32Array.from(deltas.data), identityCount: deltas.shape[0] };
}

/**
 * Renders and detects every pose of every identity. Frames where the detector does not find exactly one face are left
 * out (and counted).
 * @param kit the rig with 100 identity modes
 * @param identities who
 * @param posesOf the poses of identity i
 * @param renderer the browser renderer (320 × 240 as the tracker sees a webcam)
 * @param detector the shipped detector
 * @param log progress lines
 * @returns the detections
 */
export async function detectDataset(
    kit: IctFaceKit,
    identities: readonly DatasetIdentity[],
    posesOf: (i: number) => DatasetPose[],
    renderer: FrameRenderer,
    detector: FaceLandmarkDetector,
    log: (line: string) => void = () => {}
): Promise<TrackingDataset> {
    const meshes: number[][] = [];
    const arkit: Float32Array[] = [];
    const views: number[][] = [];
    const identity: number[] = [];
    const pose: number[] = [];
    const poseNames: string[] = [];
    let missed = 0;
    const started = Date.now();
    for (let i = 0; i < identities.length; i++) {
        const head = identities[i];
        const rig = createIctHeadRig(kit, head, { gaussians: 14_000 });
        const poses = posesOf(i);
        for (const p of poses) {
            const vertices = ictVertices(kit, head.identity, ictExpressionWeights(kit, p.arkit));
            // The renderer orbits the camera: a head turned to its own left is the camera orbiting to its right, a head
            // looking up is the camera below it.
            const png = await renderer.renderPng(posedRiggedGaussians(rig.rig, vertices, kit.faces), -p.headYaw, p.distance, -p.headPitch);
            const { faces } = await detector.detect(png);
            if (faces.length !== 1) {
                missed++;
                continue;
            }
            if (!poseNames.includes(p.name)) {
                poseNames.push(p.name);
            }
            meshes.push(faces[0].mesh);
            arkit.push(p.arkit);
            views.push([p.headYaw, p.headPitch, p.distance]);
            identity.push(i);
            pose.push(poseNames.indexOf(p.name));
        }
        log(`identity ${i + 1}/${identities.length}: ${meshes.length} frames, ${missed} without a single face, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const f = meshes.length;
    const out: TrackingDataset = {
        meshes: new Float32Array(f * DatasetLandmarks * 3),
        arkit: new Float32Array(f * 52),
        views: new Float32Array(f * 3),
        identity: Int32Array.from(identity),
        pose: Int32Array.from(pose),
        poseNames,
        betas: new Float32Array(identities.length * 100),
        frameCount: f,
    };
    meshes.forEach((m, j) => out.meshes.set(m.slice(0, DatasetLandmarks * 3), j * DatasetLandmarks * 3));
    arkit.forEach((a, j) => out.arkit.set(a, j * 52));
    views.forEach((v, j) => out.views.set(v, j * 3));
    identities.forEach((h, j) => out.betas.set(h.identity.slice(0, 100), j * 100));
    return out;
}

/**
 * The data set as an npz (landmarks in fixed point).
 * @param data the detections
 * @returns file bytes
 */
export function trackingDatasetNpz(data: TrackingDataset): Uint8Array {
    const meshes = Int16Array.from(data.meshes, (v) => Math.max(-32768, Math.min(32767, Math.round(v * meshScale))));
    const width = Math.max(1, ...data.poseNames.map((n) => n.length));
    const names = new Uint8Array(data.poseNames.length * width * 4);
    const view = new DataView(names.buffer);
    data.poseNames.forEach((name, i) => [...name].forEach((ch, c) => view.setUint32((i * width + c) * 4, ch.charCodeAt(0), true)));
    return writeNpz({
        meshes: { descr: "<i2", shape: [data.frameCount, DatasetLandmarks, 3], data: meshes },
        arkit: { descr: "<f4", shape: [data.frameCount, 52], data: data.arkit },
        views: { descr: "<f4", shape: [data.frameCount, 3], data: data.views },
        identity: { descr: "<i4", shape: [data.frameCount], data: data.identity },
        pose: { descr: "<i4", shape: [data.frameCount], data: data.pose },
        poseNames: { descr: `<U${width}`, shape: [data.poseNames.length], data: names },
        betas: { descr: "<f4", shape: [data.betas.length / 100, 100], data: data.betas },
    });
}

/**
 * Reads a data set written by {@link trackingDatasetNpz}, checking every array's shape.
 * @param bytes npz bytes
 * @param fileName for errors
 * @returns the detections
 */
export function readTrackingDataset(bytes: Uint8Array, fileName: string): TrackingDataset {
    const arrays = readNpz(bytes, fileName);
    const get = (key: string, shape: (number | null)[]) => {
        const a = arrays.get(key);
        if (!a || a.shape.length !== shape.length || shape.some((s, i) => s !== null && a.shape[i] !== s)) {
            throw new Error(`${fileName}: ${key} missing or of shape ${a ? JSON.stringify(a.shape) : "none"}, expected ${JSON.stringify(shape)}`);
        }
        return a;
    };
    const meshes = get("meshes", [null, DatasetLandmarks, 3]);
    const f = meshes.shape[0];
    const poseNames = arrays.strings.get("poseNames");
    if (!poseNames) {
        throw new Error(`${fileName}: poseNames missing`);
    }
    return {
        meshes: Float32Array.from(meshes.data, (v) => v / meshScale),
        arkit: Float32Array.from(get("arkit", [f, 52]).data),
        views: Float32Array.from(get("views", [f, 3]).data),
        identity: Int32Array.from(get("identity", [f]).data),
        pose: Int32Array.from(get("pose", [f]).data),
        poseNames,
        betas: Float32Array.from(get("betas", [null, 100]).data),
        frameCount: f,
    };
}
