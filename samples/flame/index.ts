/**
 * FLAME sample: a head-shaped model in the FLAME layout derived from the ICT-FaceKit scan (or a dropped FLAME npz of
 * your own: FLAME 2020/2023 conversions load as they are), sliders for expression (ARKit-named), shape, jaw, eyes and
 * head, the talking performance as a FLAME track played as an AnimationGroup, and Gaussians bound to the mesh's
 * triangles (toggle) following it on the GPU.
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput.js";
import { HemisphericLight } from "@babylonjs/core/Lights/hemisphericLight.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import type { AnimationGroup } from "@babylonjs/core/Animations/animationGroup.js";
import "@babylonjs/core/Animations/animatable.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3, Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { FlameSamplePanel } from "./FlameSamplePanel.js";
import { createTestRig } from "../../tools/synthetic/testRig.js";
import { FlameAvatar, RiggedGaussianAvatar } from "babylon-gem-avatars";
import { createSampleEngine } from "../sampleEngine.js";

const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const { engine, label: engineLabel } = await createSampleEngine(canvas);
const scene = new Scene(engine);
scene.clearColor = new Color4(0.12, 0.12, 0.14, 1);
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.6, new Vector3(0, -0.02, 0), scene);
camera.minZ = 0.01;
camera.wheelDeltaPercentage = 0.01;
camera.attachControl(canvas, true);
new HemisphericLight("light", new Vector3(0.3, 1, -0.6), scene);
const panel = new FlameSamplePanel(scene);
let avatar: FlameAvatar | null = null;
let track: AnimationGroup | null = null;
let rigged: RiggedGaussianAvatar | null = null;

async function loadModel(source: string | Uint8Array, name: string): Promise<void> {
    try {
        const result = await ImportMeshAsync(source, scene, { pluginExtension: ".npz", name });
        const loaded = FlameAvatar.FromMesh(result.meshes[0]);
        if (!loaded) {
            throw new Error(`${name} is not a FLAME model`);
        }
        track?.dispose();
        track = null;
        rigged?.dispose();
        rigged = null;
        avatar?.dispose();
        avatar = loaded;
        const material = new StandardMaterial("skin", scene);
        material.diffuseColor = new Color3(0.86, 0.66, 0.56);
        material.specularColor = new Color3(0.1, 0.1, 0.1);
        loaded.mesh.material = material;
        panel.bind(loaded);
        // Gaussians bound to the mesh's triangles follow every change on the GPU (the GaussianAvatars rig).
        // About 30,000 Gaussians whatever the mesh: three per triangle on FLAME's 10k triangles, one on larger meshes.
        const perFace = Math.max(1, Math.round(30000 / (loaded.model.data.faces.length / 3)));
        rigged = new RiggedGaussianAvatar(createTestRig(loaded.model, perFace), loaded, scene, "riggedGaussians");
        rigged.mesh.setEnabled(false);
        const trackFile = name === "ict-flame.npz" ? "assets/ict-flame-track.npz" : "assets/test-flame-track.npz";
        const tracks = await ImportMeshAsync(trackFile, scene, {
            pluginOptions: { flame: { targetAvatar: loaded, frameRate: 30, allowExpressionTruncation: true } },
        }).catch(() => null);
        track = tracks?.animationGroups[0] ?? null;
        panel.setStatus(
            `${engineLabel} · ${name}: ${loaded.model.vertexCount} vertices, ${loaded.model.shapeCount} shape + ${loaded.model.expressionCount} expression components${track ? "" : " (the bundled track does not fit this model)"}. Drop a FLAME npz to replace it.`
        );
    } catch (error) {
        panel.setStatus(`Could not load ${name}: ${(error as Error).message}`, true);
    }
}

panel.onToggleGaussians = () => {
    if (avatar && rigged) {
        const showSplats = !rigged.mesh.isEnabled(false);
        rigged.mesh.setEnabled(showSplats);
        avatar.mesh.visibility = showSplats ? 0 : 1;
    }
};

panel.onPlay = () => {
    if (!track) {
        return;
    }
    if (track.isPlaying) {
        track.pause();
    } else {
        track.play(true);
    }
};

document.body.addEventListener("dragover", (event) => event.preventDefault());
document.body.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer?.files[0];
    if (file) {
        void file.arrayBuffer().then((buffer) => loadModel(new Uint8Array(buffer), file.name));
    }
});

engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
void loadModel(
    new URLSearchParams(location.search).get("model") === "test" ? "assets/test-flame.npz" : "assets/ict-flame.npz",
    new URLSearchParams(location.search).get("model") === "test" ? "test-flame.npz" : "ict-flame.npz"
);
// Handle for the browser tests and the console.
(window as unknown as { flameSample: unknown }).flameSample = {
    scene,
    panel,
    get avatar() {
        return avatar;
    },
    get track() {
        return track;
    },
    get rigged() {
        return rigged;
    },
};
