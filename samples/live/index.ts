/**
 * Live encoder: an ONNX face encoder (onnxruntime-web in a Web Worker) drives the default head through an
 * AvatarAnimator layer. The source is the camera when one exists (`?source=camera`), otherwise a performance of the
 * default head rendered live from the bundled assets into a small canvas (shown bottom left), the kind of frames
 * the bundled test encoder was fitted on. `?encoder=<descriptor.json>` loads another encoder (the test encoder only
 * understands renders of the default head, not real faces).
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput";
import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera";
import { Engine } from "@babylonjs/core/Engines/engine";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader";
import { Color4 } from "@babylonjs/core/Maths/math.color";
import { Vector3 } from "@babylonjs/core/Maths/math.vector";
import { Scene } from "@babylonjs/core/scene";
import "../../plugin/register";
import { AvatarAnimator } from "../../plugin/animation/AvatarAnimator";
import { createFlameTrackClip } from "../../plugin/animation/trackClips";
import { encoderOutputSpace } from "../../plugin/encoder/encoderDescriptor";
import { LiveFaceEncoder } from "../../plugin/encoder/LiveFaceEncoder";
import { GemAvatar } from "../../plugin/GemAvatar";
import { startCamera } from "../cameraSource";
import { loadDefaultHeadTrack } from "../defaultHeadAssets";
import { createStatusText } from "../statusText";

const params = new URLSearchParams(location.search);
const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const engine = new Engine(canvas, true, { preserveDrawingBuffer: true });
const scene = new Scene(engine);
scene.clearColor = new Color4(0.1, 0.1, 0.12, 1);
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.5, new Vector3(0, -0.01, 0), scene);
camera.minZ = 0.01;
camera.attachControl(canvas, true);
const status = createStatusText(scene, { ui: "liveUI", height: "70px" });

/** The fallback source: the default head performing its track, rendered as the test encoder saw it in training. */
async function startRenderedSource(): Promise<{ element: HTMLCanvasElement; avatar: GemAvatar; scene: Scene }> {
    const element = document.createElement("canvas");
    element.width = 64;
    element.height = 64;
    element.style.cssText = "position:absolute;left:8px;bottom:8px;width:128px;height:128px;image-rendering:pixelated;border:1px solid #556";
    document.body.appendChild(element);
    const sourceEngine = new Engine(element, false, { preserveDrawingBuffer: true, antialias: false });
    const sourceScene = new Scene(sourceEngine);
    sourceScene.clearColor = new Color4(0, 0, 0, 1);
    const sourceCamera = new FreeCamera("sourceCamera", new Vector3(0, -0.005, -0.34), sourceScene);
    sourceCamera.setTarget(new Vector3(0, -0.005, 0));
    sourceCamera.minZ = 0.01;
    const result = await ImportMeshAsync("assets/default-head.gem", sourceScene, { pluginExtension: ".gem", name: "performer.gem" });
    const avatar = GemAvatar.FromMesh(result.meshes[0])!;
    const track = await loadDefaultHeadTrack();
    const animator = AvatarAnimator.Attach(avatar);
    animator.addLayer({ name: "performance", channels: animator.channelsOf("flame") }).playClip(createFlameTrackClip(track, 30, "performance"), sourceScene, true, 0.5);
    sourceEngine.runRenderLoop(() => sourceScene.render());
    return { element, avatar, scene: sourceScene };
}

async function start(): Promise<void> {
    const result = await ImportMeshAsync("assets/default-head.gem", scene, { pluginExtension: ".gem", name: "default-head.gem" });
    const avatar = GemAvatar.FromMesh(result.meshes[0])!;
    const animator = AvatarAnimator.Attach(avatar);
    const descriptorUrl = params.get("encoder") ?? "assets/test-encoder.json";
    let encoder: LiveFaceEncoder;
    try {
        encoder = await LiveFaceEncoder.CreateAsync({ descriptorUrl });
    } catch (error) {
        status.text = `Could not start the encoder: ${(error as Error).message}`;
        status.color = "#ff8080";
        return;
    }
    encoder.layer = animator.addLayer({ name: "encoder", channels: animator.channelsOf(encoderOutputSpace(encoder.descriptor)) });
    const camera = params.get("source") === "rendered" ? null : await startCamera();
    const rendered = camera ? null : await startRenderedSource();
    const source = camera ?? rendered!.element;
    scene.onBeforeRenderObservable.add(() => encoder.submit(source));
    let last = 0;
    scene.onAfterRenderObservable.add(() => {
        const now = performance.now();
        if (now - last > 500) {
            last = now;
            const s = encoder.stats;
            status.text = `${camera ? "camera" : "rendered performance (no camera)"} → ${encoder.descriptor.model} in a worker: ${s.processed} frames, ${s.dropped} dropped, inference ${s.inferenceMs.toFixed(1)} ms, latency ${s.latencyMs.toFixed(0)} ms · ${engine.getFps().toFixed(0)} fps`;
        }
    });
    // Handle for the browser tests and the console.
    (window as unknown as { live: unknown }).live = { scene, avatar, animator, encoder, rendered, camera };
}

engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
void start();
