/**
 * Expression clip editor: scrub a timeline, key ARKit-52 channels with sliders, preview on the embedded default head
 * (through its ARKit map) with an AvatarAnimator, play the clip as a Babylon AnimationGroup, export JSON, import clip
 * JSON, LAM tracks or Live Link Face CSV recordings (dropped on the page).
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { ClipEditor } from "./ClipEditor.js";
import { ClipEditorPanel } from "./ClipEditorPanel.js";
import { GemAvatar, AvatarAnimator, arkitChannelNames } from "babylon-gem-avatars";
import { createSampleEngine } from "../sampleEngine.js";

const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const { engine, label: engineLabel } = await createSampleEngine(canvas);
const scene = new Scene(engine);
scene.clearColor = new Color4(0.12, 0.12, 0.14, 1);
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.55, new Vector3(-0.05, 0, 0), scene);
camera.minZ = 0.01;
camera.wheelDeltaPercentage = 0.01;
camera.attachControl(canvas, true);

const exportBox = document.createElement("textarea");
exportBox.id = "clip-json";
exportBox.readOnly = true;
exportBox.style.cssText = "position:absolute;right:8px;top:8px;width:260px;height:90px;font:11px monospace;opacity:0.85";
exportBox.placeholder = "Exported clip JSON appears here";
document.body.appendChild(exportBox);
const download = document.createElement("a");
download.id = "clip-download";
download.textContent = "download clip.json";
download.style.cssText = "position:absolute;right:8px;top:104px;color:#9cf;font:12px sans-serif;display:none";
document.body.appendChild(download);

async function start(): Promise<void> {
    const result = await ImportMeshAsync("assets/default-head.gem", scene, { pluginExtension: ".gem", name: "default-head.gem" });
    const avatar = GemAvatar.FromMesh(result.meshes[0])!;
    const animator = AvatarAnimator.Attach(avatar);
    const driver = avatar.model.getDriver("arkit")!;
    // The ARKit channels the head's map reads, in ARKit's order, and the head's rotations (it has head joints).
    const keyed = new Set([...driver.inputs, "headYaw", "headPitch", "headRoll"]);
    const labels = new Map(
        arkitChannelNames(true)
            .filter((channel) => keyed.has(channel.slice("arkit/".length)))
            .map((channel) => [channel, channel.slice("arkit/".length)])
    );
    const layer = animator.addLayer({ name: "clip", channels: [...labels.keys()] });
    const editor = new ClipEditor(scene, animator, layer);
    const panel = new ClipEditorPanel(scene, editor, labels, (json) => {
        exportBox.value = json;
        URL.revokeObjectURL(download.href);
        download.href = URL.createObjectURL(new Blob([json], { type: "application/json" }));
        download.download = `${editor.clip.name}.json`;
        download.style.display = "block";
    });
    scene.onAfterAnimationsObservable.add(() => {
        if (editor.isPlaying) {
            panel.sync();
        }
    });
    document.body.addEventListener("dragover", (event) => event.preventDefault());
    document.body.addEventListener("drop", (event) => {
        event.preventDefault();
        const file = event.dataTransfer?.files[0];
        if (!file) {
            return;
        }
        void file.text().then((text) => {
            try {
                const dropped = editor.importText(text, file.name);
                panel.sync();
                panel.setStatus(
                    `${file.name}: ${editor.clip.channels.length} channels, ${editor.clip.lastFrame} frames${dropped.length ? `; ${dropped.length} channel(s) the avatar lacks were left out` : ""}`
                );
            } catch (error) {
                panel.setStatus(`Could not import ${file.name}: ${(error as Error).message}`, true);
            }
        });
    });
    panel.sync();
    panel.setStatus(`${engineLabel} · move sliders, press Key frame, scrub, play. Drop a clip .json or a Live Link Face .csv to import.`);
    // Handle for the browser tests and the console.
    (window as unknown as { clipEditor: unknown }).clipEditor = { scene, avatar, animator, editor, panel, layer };
}

engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
void start();
