/**
 * Crowd: 16 heads of three different people (the realistic head family) in one GemCrowd (one splat mesh, one global
 * depth sort), each driven by its own window of the talking performance (ARKit weights) through an AvatarAnimator,
 * with an FPS read-out. `?mode=static` shows instead one static Babylon splat mesh holding the same number of splats
 * (the 16 heads at rest), the baseline the crowd is compared with. `?count=N` changes the number of avatars.
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { HeadFamily, loadHeadModel, loadTalkingClip } from "../defaultHeadAssets.js";
import { createSampleEngine } from "../sampleEngine.js";
import { createStatusText } from "../statusText.js";
import { reconstruction, AvatarAnimator, arkitChannelNames, clipWindow, GemCrowd, GemSplatMesh, convertToSceneHandedness } from "babylon-gem-avatars";

const params = new URLSearchParams(location.search);
const mode = params.get("mode") === "static" ? "static" : "crowd";
const count = Math.max(1, Math.min(64, Number(params.get("count") ?? 16)));

const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const { engine, label: engineLabel } = await createSampleEngine(canvas);
const scene = new Scene(engine);
scene.clearColor = new Color4(0.1, 0.1, 0.12, 1);
const columns = Math.ceil(Math.sqrt(count));
const spacing = 0.3;
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.2, 0.36 * columns + 0.3, new Vector3(0, -0.04, 0), scene);
camera.minZ = 0.01;
camera.wheelDeltaPercentage = 0.01;
camera.attachControl(canvas, true);

const fps = createStatusText(scene, { ui: "crowdUI", text: "", height: "60px", color: "#9fe0a0", fontSize: 18 });

/** Placement of avatar i: a grid facing the camera, rows staggered in depth so that neighbours overlap on screen. */
function placement(i: number): Vector3 {
    const row = Math.floor(i / columns);
    const column = i % columns;
    return new Vector3((column - (columns - 1) / 2) * spacing * 0.8 + (row % 2) * 0.05, (row - (columns - 1) / 2) * spacing * 0.9, row * 0.06);
}

let splats = 0;
let avatars = 0;

async function start(): Promise<void> {
    const models = await Promise.all(HeadFamily.map((name) => loadHeadModel(name)));
    const modelOf = (i: number) => models[i % models.length];
    if (mode === "static") {
        // The baseline: the same splats, reconstructed once on the CPU, in one static Babylon splat mesh.
        const rests = models.map((model) => reconstruction.reconstructGaussians(model, new Float32Array(model.totalComponents)));
        // Mirrored in z like the loader's meshes, so each head sits where the crowd puts it.
        const offsets = Array.from({ length: count }, (_, i) => placement(i).multiplyByFloats(1, 1, -1).asArray());
        const mesh = new GemSplatMesh("static", scene);
        convertToSceneHandedness(mesh, scene);
        // Babylon's own static path: its .splat rows through updateData.
        const heads = Array.from({ length: count }, (_, i) => rests[i % rests.length]);
        mesh.updateData(reconstruction.packSplatRows(reconstruction.concatenateGaussians(heads, offsets)), undefined, { flipY: false });
        splats = heads.reduce((sum, head) => sum + head.count, 0);
    } else {
        const { clip, frameCount } = await loadTalkingClip();
        const capacity = Array.from({ length: count }, (_, i) => modelOf(i).gaussianCount).reduce((a, b) => a + b, 0);
        const crowd = new GemCrowd(scene, { name: "crowd", capacity });
        for (let i = 0; i < count; i++) {
            const avatar = crowd.addAvatar(modelOf(i), { name: `avatar${i}` });
            avatar.mesh.position.copyFrom(placement(i));
            const animator = AvatarAnimator.Attach(avatar);
            const layer = animator.addLayer({ name: "clip", channels: arkitChannelNames(false) });
            layer.playClip(clipWindow(clip, frameCount, (i * 61) % frameCount, 120, `clip${i}`), scene, true, 0.8 + 0.05 * (i % 8));
        }
        splats = crowd.gaussianCount;
        (window as unknown as { crowdSample: unknown }).crowdSample = { scene, crowd, engine, mode };
    }
    avatars = count;
}

let last = 0;
scene.onAfterRenderObservable.add(() => {
    const now = performance.now();
    if (now - last > 500) {
        last = now;
        fps.text = `${engineLabel} · ${engine.getFps().toFixed(1)} fps · ${mode === "static" ? "static splat mesh" : `${avatars} animated avatars, one global sort`} · ${splats.toLocaleString()} splats\n${mode === "static" ? "?mode=crowd for the crowd" : "?mode=static for the static baseline"}`;
    }
});
engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
(window as unknown as { crowdPage: unknown }).crowdPage = {
    scene,
    engine,
    mode,
    get splats() {
        return splats;
    },
    get ready() {
        return avatars > 0;
    },
};
void start();
