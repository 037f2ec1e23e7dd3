/**
 * Live: a real face drives the default head. With a camera (or `?source=camera`), the face tracker (MediaPipe's face
 * mesh in a Web Worker, solved to ARKit-52 weights and head pose on the scanned ICT rig) drives it through an
 * AvatarAnimator layer; the panel bottom left shows the analysed picture with its landmarks, the weights as bars and a
 * "Calibrate neutral" button. `?detector=webgl|webgpu` runs the detector on the GPU instead of WASM.
 *
 * Without a camera (or with `?source=video`), or with `?encoder=<descriptor.json>`, the ONNX path runs instead: a
 * user-supplied image → coefficient regressor (onnxruntime-web in a Web Worker) on the bundled video of the cartoon
 * head performing its track (the frames the bundled test encoder was fitted on; it understands nothing else);
 * `?ep=webgpu|auto` runs it on onnxruntime-web's WebGPU build.
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { startCamera } from "../cameraSource.js";
import { createStatusText } from "../statusText.js";
import { AvatarAnimator, GemAvatar } from "babylon-gem-avatars";
import { encoderOutputSpace, LiveFaceEncoder } from "babylon-gem-avatars/encoder";
import type { FaceLandmarkBackend } from "babylon-gem-avatars/tracking";
import { startSampleFaceTracking } from "../faceTracking.js";
import { createSampleEngine } from "../sampleEngine.js";

const params = new URLSearchParams(location.search);
const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const { engine, label: engineLabel } = await createSampleEngine(canvas);
const scene = new Scene(engine);
scene.clearColor = new Color4(0.1, 0.1, 0.12, 1);
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.5, new Vector3(0, -0.01, 0), scene);
camera.minZ = 0.01;
camera.attachControl(canvas, true);
const status = createStatusText(scene, { ui: "liveUI", height: "70px" });

/**
 * The fallback source: the bundled video of the cartoon head performing its track (tools/makeLiveVideo.ts renders it
 * from the camera the test encoder was fitted with; frame t is frame t of cartoon-head-track.npz at 30 fps), looping.
 */
async function startVideoSource(): Promise<HTMLVideoElement> {
    const video = document.createElement("video");
    video.src = "assets/cartoon-head-performance.webm";
    video.loop = true;
    video.muted = true;
    video.playsInline = true;
    video.style.cssText = "position:absolute;left:8px;bottom:8px;width:128px;height:128px;border:1px solid #556";
    document.body.appendChild(video);
    await video.play();
    return video;
}

/** The face tracker on the camera, driving the default head. */
async function startTracker(camera: HTMLVideoElement): Promise<void> {
    const result = await ImportMeshAsync("assets/default-head.gem", scene, { pluginExtension: ".gem", name: "default-head.gem" });
    const avatar = GemAvatar.FromMesh(result.meshes[0])!;
    const animator = AvatarAnimator.Attach(avatar);
    let tracking: Awaited<ReturnType<typeof startSampleFaceTracking>>;
    try {
        tracking = await startSampleFaceTracking(scene, animator, camera, (params.get("detector") ?? "wasm") as FaceLandmarkBackend);
    } catch (error) {
        status.text = `Could not start the face tracker: ${(error as Error).message}`;
        status.color = "#ff8080";
        return;
    }
    tracking.tracker.onErrorObservable.add((error) => console.warn(error.message));
    let last = 0;
    scene.onAfterRenderObservable.add(() => {
        const now = performance.now();
        if (now - last > 500) {
            last = now;
            status.text = `camera → ${tracking.describe()} · ${engineLabel} ${engine.getFps().toFixed(0)} fps`;
        }
    });
    // Handle for the browser tests and the console.
    (window as unknown as { live: unknown }).live = { scene, avatar, animator, tracker: tracking.tracker, source: camera, camera, video: null };
}

async function start(): Promise<void> {
    const wantsCamera = params.get("source") !== "video" && !params.has("encoder");
    const camera = wantsCamera ? await startCamera() : null;
    if (camera) {
        return startTracker(camera);
    }
    const result = await ImportMeshAsync("assets/cartoon-head.gem", scene, { pluginExtension: ".gem", name: "cartoon-head.gem" });
    const avatar = GemAvatar.FromMesh(result.meshes[0])!;
    const animator = AvatarAnimator.Attach(avatar);
    const descriptorUrl = params.get("encoder") ?? "assets/test-encoder.json";
    let encoder: LiveFaceEncoder;
    try {
        // The bundled test encoder is one small matrix product: WASM beats WebGPU's per-call overhead, so the sample
        // asks for WASM unless `?ep=webgpu` or `?ep=auto` says otherwise.
        const executionProvider = (params.get("ep") ?? "wasm") as "wasm" | "webgpu" | "auto";
        encoder = await LiveFaceEncoder.CreateAsync({ descriptorUrl, executionProvider });
    } catch (error) {
        status.text = `Could not start the encoder: ${(error as Error).message}`;
        status.color = "#ff8080";
        return;
    }
    encoder.layer = animator.addLayer({ name: "encoder", channels: animator.channelsOf(encoderOutputSpace(encoder.descriptor)) });
    const video = await startVideoSource();
    const source = video;
    scene.onBeforeRenderObservable.add(() => encoder.submit(source));
    let last = 0;
    scene.onAfterRenderObservable.add(() => {
        const now = performance.now();
        if (now - last > 500) {
            last = now;
            const s = encoder.stats;
            status.text = `bundled video${wantsCamera ? " (no camera)" : ""} → ${encoder.descriptor.model} (${encoder.executionProvider}) in a worker: ${s.processed} frames, ${s.dropped} dropped, inference ${s.inferenceMs.toFixed(1)} ms, latency ${s.latencyMs.toFixed(0)} ms · ${engineLabel} ${engine.getFps().toFixed(0)} fps`;
        }
    });
    // Handle for the browser tests and the console.
    (window as unknown as { live: unknown }).live = { scene, avatar, animator, encoder, source, video, camera: null };
}

engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
void start();
