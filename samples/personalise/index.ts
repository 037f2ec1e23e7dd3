/**
 * Personalise: your own avatar from the camera, made in this page. The face tracker follows the camera; "Make my
 * avatar" starts a capture of about 10 s with prompts (look straight, turn left and right, up and down, smile, open the
 * mouth, raise the brows, close the eyes) and keeps the analysed pictures and their landmarks in memory. A Web Worker
 * then fits the shape (ICT-FaceKit's identity modes and a smooth offset) to the landmarks, projects the pictures onto
 * the Gaussians and distils the result into a `.gem` with ARKit maps; the avatar replaces the default head, the tracker
 * drives it, and "Save .gem" writes the file. Nothing leaves the page: the pictures, the landmarks and the avatar stay in
 * memory until the page is closed or saved by the user. `?gaussians=N` sets the avatar's size (default 18,000).
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { arkitChannelNames, AvatarAnimator, GemAvatar } from "babylon-gem-avatars";
import type { FaceTrackerResult } from "babylon-gem-avatars/tracking";
import { startCamera } from "../cameraSource.js";
import { startSampleFaceTracking } from "../faceTracking.js";
import { createSampleEngine } from "../sampleEngine.js";
import { createStatusText } from "../statusText.js";
import type { CaptureFrame } from "../../tools/personalise/personalHead.js";
import type { PersonaliseMessage, PersonaliseRequest } from "./personalise.worker.js";

const params = new URLSearchParams(location.search);
const gaussians = Number(params.get("gaussians") ?? 18000);
const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const { engine, label: engineLabel } = await createSampleEngine(canvas);
const scene = new Scene(engine);
scene.clearColor = new Color4(0.1, 0.1, 0.12, 1);
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.5, new Vector3(0, -0.01, 0), scene);
camera.minZ = 0.01;
camera.attachControl(canvas, true);
const status = createStatusText(scene, { ui: "personaliseUI", height: "50px" });

/** The capture's prompts and how long each is held. */
const prompts: { text: string; seconds: number }[] = [
    { text: "Look straight at the camera", seconds: 1.5 },
    { text: "Turn your head slowly to your left", seconds: 1.5 },
    { text: "…and slowly to your right", seconds: 1.5 },
    { text: "Look up a little", seconds: 1 },
    { text: "Look down a little", seconds: 1 },
    { text: "Smile", seconds: 1 },
    { text: "Open your mouth", seconds: 1 },
    { text: "Raise your eyebrows", seconds: 1 },
    { text: "Close your eyes", seconds: 0.8 },
];
const captureSeconds = prompts.reduce((sum, p) => sum + p.seconds, 0);

// The panel: privacy note, prompt, progress, buttons.
const panel = document.createElement("div");
panel.id = "personalisePanel";
panel.style.cssText = "position:absolute;right:8px;top:8px;width:300px;padding:8px;background:rgba(20,22,28,0.9);border:1px solid #556;color:#dde;font:12px sans-serif";
const title = document.createElement("div");
title.textContent = "Make your own avatar";
title.style.cssText = "font-size:15px;font-weight:bold;margin-bottom:4px";
const privacy = document.createElement("div");
privacy.id = "privacyNote";
privacy.textContent =
    "Private: everything happens in this page. The camera's pictures, your face's landmarks and the avatar stay in this tab's memory; nothing is uploaded, and they are gone when you close it unless you save the .gem yourself.";
privacy.style.cssText = "color:#9c9;margin-bottom:6px";
const prompt = document.createElement("div");
prompt.id = "capturePrompt";
prompt.style.cssText = "font-size:17px;min-height:24px;margin:6px 0;color:#fff";
const progress = document.createElement("progress");
progress.id = "captureProgress";
progress.max = 1;
progress.value = 0;
progress.style.cssText = "width:100%";
const detail = document.createElement("div");
detail.id = "personaliseDetail";
detail.style.cssText = "min-height:30px;margin:4px 0";
const start = document.createElement("button");
start.id = "makeAvatar";
start.textContent = "Make my avatar";
start.disabled = true;
const save = document.createElement("button");
save.id = "saveAvatar";
save.textContent = "Save .gem";
save.disabled = true;
for (const button of [start, save]) {
    button.style.cssText = "margin:4px 4px 0 0;padding:5px 10px;background:#2f4a6a;color:#fff;border:1px solid #68a;cursor:pointer";
}
panel.append(title, privacy, prompt, progress, detail, start, save);
document.body.appendChild(panel);

/** What the page is doing (for the tests and the console). */
type PersonaliseState = "starting" | "no-camera" | "ready" | "capturing" | "building" | "done" | "error";
const handle = {
    scene,
    state: "starting" as PersonaliseState,
    frames: [] as CaptureFrame[],
    avatar: null as GemAvatar | null,
    animator: null as AvatarAnimator | null,
    tracker: null as Awaited<ReturnType<typeof startSampleFaceTracking>>["tracker"] | null,
    gem: null as Uint8Array | null,
    report: null as Extract<PersonaliseMessage, { type: "done" }>["report"] | null,
    timings: { capture: 0, build: 0, load: 0, total: 0 },
    error: "",
};
(window as unknown as { personalise: typeof handle }).personalise = handle;

function fail(message: string): void {
    handle.state = "error";
    handle.error = message;
    detail.textContent = message;
    detail.style.color = "#f88";
    start.disabled = false;
}

/** Copies the tracker's analysed picture (its landmarks are in this picture's pixels). */
function copyPicture(frame: HTMLCanvasElement | OffscreenCanvas, result: FaceTrackerResult): CaptureFrame | null {
    const context = frame.getContext("2d", { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!context || result.width !== frame.width || result.height !== frame.height) {
        return null;
    }
    const image = context.getImageData(0, 0, frame.width, frame.height);
    return { width: image.width, height: image.height, pixels: image.data, landmarks: result.landmarks.slice() };
}

/** Runs the capture: prompts, then the pictures the tracker trusted. */
function capture(tracker: NonNullable<typeof handle.tracker>): Promise<CaptureFrame[]> {
    return new Promise((resolve) => {
        const frames: CaptureFrame[] = [];
        const began = performance.now();
        let lastKept = 0;
        const observer = tracker.onResultObservable.add((result) => {
            const now = performance.now();
            if (result.trusted && result.landmarks.length > 0 && now - lastKept > 80 && frames.length < 120) {
                const frame = copyPicture(tracker.frame, result);
                if (frame) {
                    frames.push(frame);
                    lastKept = now;
                }
            }
        });
        const tick = () => {
            const elapsed = (performance.now() - began) / 1000;
            const current = prompts.find((_, i) => prompts.slice(0, i + 1).reduce((sum, p) => sum + p.seconds, 0) > elapsed);
            prompt.textContent = current ? current.text : "Done: building your avatar…";
            progress.value = Math.min(1, elapsed / captureSeconds);
            detail.textContent = `${frames.length} pictures kept`;
            if (elapsed < captureSeconds) {
                requestAnimationFrame(tick);
            } else {
                tracker.onResultObservable.remove(observer);
                resolve(frames);
            }
        };
        tick();
    });
}

/** Builds the avatar in the worker. */
function build(frames: CaptureFrame[]): Promise<Extract<PersonaliseMessage, { type: "done" }>> {
    return new Promise((resolve, reject) => {
        const worker = new Worker(new URL("./personalise.worker.js", import.meta.url), { type: "module" });
        const asset = (path: string) => new URL(path, location.href).href;
        worker.onmessage = (event: MessageEvent<PersonaliseMessage>) => {
            const message = event.data;
            if (message.type === "progress") {
                // Shape and appearance take the first fifth, the distillation the rest.
                const fraction = message.total > 0 ? message.done / message.total : 0;
                progress.value =
                    message.stage === "shape"
                        ? 0.1 * fraction
                        : message.stage === "appearance"
                          ? 0.1 + 0.1 * fraction
                          : message.stage.startsWith("loading")
                            ? 0
                            : 0.2 + 0.8 * fraction;
                detail.textContent = `${message.stage}${message.total > 1 ? ` ${message.done}/${message.total}` : ""}`;
            } else if (message.type === "done") {
                worker.terminate();
                resolve(message);
            } else {
                worker.terminate();
                reject(new Error(message.message));
            }
        };
        worker.onerror = (event) => {
            worker.terminate();
            reject(new Error(event.message || "the worker failed"));
        };
        const request: PersonaliseRequest = {
            type: "build",
            frames,
            assets: {
                kit: asset("assets/personalise/ict-facekit.npz"),
                landmarkModel: asset("assets/tracking/ict-landmark-model.npz"),
                correspondence: asset("assets/tracking/mediapipe-ict.json"),
                talking: asset("assets/lam-arkit-track/talking.json"),
            },
            gaussians,
        };
        worker.postMessage(request);
    });
}

/** Shows the personal avatar in place of the current one, driven by the tracker. */
async function showAvatar(gem: Uint8Array): Promise<void> {
    const result = await ImportMeshAsync(gem, scene, { pluginExtension: ".gem", name: "personal-head.gem" });
    const avatar = GemAvatar.FromMesh(result.meshes[0]);
    if (!avatar) {
        throw new Error("the personal head did not load as a GEM avatar");
    }
    const animator = AvatarAnimator.Attach(avatar);
    const layer = animator.addLayer({ name: "face", channels: arkitChannelNames(true) });
    handle.tracker!.layer = layer;
    handle.animator?.dispose();
    handle.avatar?.dispose();
    handle.avatar = avatar;
    handle.animator = animator;
}

async function run(): Promise<void> {
    const tracker = handle.tracker!;
    start.disabled = true;
    save.disabled = true;
    detail.style.color = "";
    handle.state = "capturing";
    const began = performance.now();
    const frames = await capture(tracker);
    handle.timings.capture = performance.now() - began;
    if (frames.length < 8) {
        fail(`Only ${frames.length} pictures showed a face the tracker trusted: try again facing the camera, in good light.`);
        return;
    }
    handle.frames = frames;
    handle.state = "building";
    const built = performance.now();
    let done: Extract<PersonaliseMessage, { type: "done" }>;
    try {
        done = await build(frames);
    } catch (error) {
        fail(`Could not build the avatar: ${(error as Error).message}`);
        return;
    }
    handle.timings.build = performance.now() - built;
    const loaded = performance.now();
    try {
        await showAvatar(done.gem);
    } catch (error) {
        fail(`Could not show the avatar: ${(error as Error).message}`);
        return;
    }
    handle.timings.load = performance.now() - loaded;
    handle.timings.total = performance.now() - began;
    handle.gem = done.gem;
    handle.report = done.report;
    handle.state = "done";
    const r = done.report;
    prompt.textContent = "Your avatar is ready";
    progress.value = 1;
    detail.textContent = `${r.usedFrames} pictures, ${r.gaussians} Gaussians; landmark residual ${r.residualMm.template.toFixed(1)} → ${r.residualMm.personal.toFixed(1)} mm; seen ${(r.seenFraction * 100).toFixed(0)} % of the head; ${(handle.timings.total / 1000).toFixed(1)} s from capture to avatar.`;
    start.textContent = "Make it again";
    start.disabled = false;
    save.disabled = false;
}

save.onclick = () => {
    if (!handle.gem) {
        return;
    }
    // A local download: the bytes go from this page to the user's disk, nowhere else.
    const url = URL.createObjectURL(new Blob([handle.gem as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "personal-head.gem";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
};
start.onclick = () => void run();

async function main(): Promise<void> {
    const result = await ImportMeshAsync("assets/default-head.gem", scene, { pluginExtension: ".gem", name: "default-head.gem" });
    handle.avatar = GemAvatar.FromMesh(result.meshes[0])!;
    handle.animator = AvatarAnimator.Attach(handle.avatar);
    const video = await startCamera();
    if (!video) {
        handle.state = "no-camera";
        prompt.textContent = "No camera: the capture needs one.";
        status.text = `no camera · ${engineLabel}`;
        return;
    }
    let tracking: Awaited<ReturnType<typeof startSampleFaceTracking>>;
    try {
        tracking = await startSampleFaceTracking(scene, handle.animator, video, "wasm");
    } catch (error) {
        fail(`Could not start the face tracker: ${(error as Error).message}`);
        return;
    }
    handle.tracker = tracking.tracker;
    tracking.tracker.onErrorObservable.add((error) => console.warn(error.message));
    prompt.textContent = "Face the camera, then press “Make my avatar”";
    start.disabled = false;
    handle.state = "ready";
    let last = 0;
    scene.onAfterRenderObservable.add(() => {
        const now = performance.now();
        if (now - last > 500) {
            last = now;
            status.text = `camera → ${tracking.describe()} · ${engineLabel} ${engine.getFps().toFixed(0)} fps`;
        }
    });
}

engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
void main();
