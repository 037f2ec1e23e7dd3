/**
 * GEM avatar viewer: the embedded default head (Gaussians on a scanned head, distilled by tools/distill), ARKit sliders
 * through its map (FLAME sliders for a model with a FLAME map only), its performance played as an AnimationGroup (the
 * bundled talking track through an AvatarAnimator, or a FLAME track through the loader), one slider per component,
 * reset, FPS, and drag-and-drop of a .gem, an upstream GEM .ptk or a LAM avatar .zip.
 * Runs on WebGPU where the browser offers it, WebGL2 otherwise (`?engine=webgl2|webgpu`); the status line says which.
 * `?inspector` opens Babylon's Inspector on the scene.
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput.js";
import type { AnimationGroup } from "@babylonjs/core/Animations/animationGroup.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { registerBuiltInLoaders } from "@babylonjs/loaders/dynamic.js";
import { GemViewerPanel } from "./GemViewerPanel.js";
import { createSampleEngine } from "../sampleEngine.js";
import { showInspectorWhenAsked } from "../sampleInspector.js";
import { AvatarAnimator, arkitChannelNames, GemAvatar, parseLamExpressionTrack } from "babylon-gem-avatars";

// Babylon's own loaders, on demand: LAM avatar zips read their glTF parts with the glTF loader.
registerBuiltInLoaders();
const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const { engine, label: engineLabel } = await createSampleEngine(canvas);
const scene = new Scene(engine);
scene.clearColor = new Color4(0.12, 0.12, 0.14, 1);
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.68, new Vector3(0, -0.03, 0), scene);
camera.minZ = 0.01;
camera.wheelDeltaPercentage = 0.01;
camera.lowerRadiusLimit = 0.15;
camera.upperRadiusLimit = 3;
camera.attachControl(canvas, true);
const panel = new GemViewerPanel(scene);
let avatar: GemAvatar | null = null;
let track: AnimationGroup | null = null;
let animator: AvatarAnimator | null = null;

/** Name of the file whose avatar, sliders and performance are all in place (for the tests and the console). */
let loadedName: string | null = null;

async function load(source: string | Uint8Array, name: string): Promise<void> {
    try {
        // The loader by extension: .gem and upstream .ptk, or a LAM avatar .zip.
        const pluginExtension = /\.zip$/i.test(name) ? ".zip" : ".gem";
        const result = await ImportMeshAsync(source, scene, { pluginExtension, name });
        const loaded = GemAvatar.FromMesh(result.meshes[0]);
        if (!loaded) {
            throw new Error(`${name} did not load as a GEM avatar`);
        }
        track?.dispose();
        track = null;
        animator?.dispose();
        animator = null;
        avatar?.dispose();
        avatar = loaded;
        // Said as soon as the avatar is there; its performance loads after.
        const where = loaded.reconstructionPass ? "reconstructed on the GPU" : "reconstructed on the CPU";
        panel.setStatus(
            `${name}: ${loaded.model.gaussianCount} Gaussians, ${loaded.model.totalComponents} components, ${engineLabel}, ${where}. Drop a .gem, .ptk or LAM .zip to replace it.`
        );
        const trackFile =
            typeof loaded.model.metadata.track === "string" && typeof source === "string" ? new URL(loaded.model.metadata.track, new URL(source, location.href)).href : null;
        if (trackFile?.endsWith(".json") && loaded.model.getDriver("arkit")) {
            // The ARKit performance (LAM layout) through an AvatarAnimator layer: a Babylon AnimationGroup over its channels.
            const text = await fetch(trackFile).then((response) => (response.ok ? response.text() : null));
            if (text) {
                const { clip } = parseLamExpressionTrack(text, { fileName: trackFile });
                animator = AvatarAnimator.Attach(loaded);
                track = clip.createAnimationGroup(animator.addLayer({ name: "performance", channels: arkitChannelNames(false) }), scene);
            }
        } else if (trackFile && loaded.model.getDriver("flame")) {
            // The FLAME track that drove the teacher, through the model's map, as a Babylon AnimationGroup.
            const tracks = await ImportMeshAsync(trackFile, scene, { pluginExtension: ".npz", pluginOptions: { flame: { targetAvatar: loaded, frameRate: 30 } } }).catch(
                () => null
            );
            track = tracks?.animationGroups[0] ?? null;
        }
        const playing = track;
        panel.bind(
            loaded,
            playing
                ? () => {
                      if (playing.isPlaying) {
                          playing.pause();
                      } else {
                          playing.play(true);
                      }
                      return playing.isPlaying;
                  }
                : undefined
        );
        loadedName = name;
    } catch (error) {
        panel.setStatus(`Could not load ${name}: ${(error as Error).message}`, true);
    }
}

canvas.addEventListener("dragover", (event) => event.preventDefault());
document.body.addEventListener("dragover", (event) => event.preventDefault());
document.body.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer?.files[0];
    if (file) {
        void file.arrayBuffer().then((buffer) => load(new Uint8Array(buffer), file.name));
    }
});

scene.onAfterAnimationsObservable.add(() => {
    if (track?.isPlaying) {
        panel.sync();
    }
});
engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
void load("assets/default-head.gem", "default-head.gem");
// `?inspector` opens Babylon's Inspector over the scene.
const inspector = showInspectorWhenAsked(scene);
// Handle for the browser tests and the console.
(window as unknown as { viewer: unknown }).viewer = {
    scene,
    panel,
    load,
    inspector,
    get avatar() {
        return avatar;
    },
    get track() {
        return track;
    },
    get animator() {
        return animator;
    },
    get loadedName() {
        return loadedName;
    },
};
