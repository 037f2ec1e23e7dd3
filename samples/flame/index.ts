/**
 * FLAME sample: the generated FLAME-format test model (or a dropped FLAME npz of your own), sliders for expression,
 * shape, jaw, eyes and head, a bundled tracked sequence played as an AnimationGroup, and Gaussians bound to the mesh's
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
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.5, new Vector3(0, 0, 0), scene);
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
        rigged = new RiggedGaussianAvatar(createTestRig(loaded.model), loaded, scene, "riggedGaussians");
        rigged.mesh.setEnabled(false);
        const tracks = await ImportMeshAsync("assets/test-flame-track.npz", scene, {
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
void loadModel("assets/test-flame.npz", "test-flame.npz");
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
