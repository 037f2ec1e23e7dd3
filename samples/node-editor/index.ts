/**
 * Babylon's Node Material Editor (`@babylonjs/node-editor`, built into the page: nothing from a CDN) on the default
 * head's node material: Babylon's Gaussian-splatting graph with a GemEigenBlock between the splat reader and the
 * splat's transform and colour, which reconstructs every splat from the avatar's eigenbases on the fly.
 *
 * - The graph is the editor's to change: the head on the left is drawn with the very material being edited.
 * - The block's "Expression scale" (its GEM section in the property pane) fades the expression to the mean face (0)
 *   or exaggerates it (up to 2).
 * - "GEM eigen block" under Custom Frames in the block list adds another GemEigenBlock (the editor's fixed list of
 *   Babylon blocks cannot hold a third-party class; a custom frame is a saved piece of graph, loaded by class name).
 * - "Save to the page" hands the material's JSON to this page (`window.nodeEditorSample.saved`); `NodeMaterial.Parse`
 *   of it rebuilds the same material (the package registers GemEigenBlock with Babylon's type store).
 *
 * WebGL2 only: the editor's preview compiles the graph in GLSL.
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput.js";
import { Engine } from "@babylonjs/core/Engines/engine.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { NodeMaterial } from "@babylonjs/core/Materials/Node/nodeMaterial.js";
import { Scene } from "@babylonjs/core/scene.js";
import { NodeEditor } from "@babylonjs/node-editor";
import { CreateGemEigenNodeMaterial, GemAvatar, GemEigenBlock } from "babylon-gem-avatars";

const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const host = document.getElementById("nodeEditor") as HTMLDivElement;
const engine = new Engine(canvas, true);
const scene = new Scene(engine);
scene.clearColor = new Color4(0.12, 0.12, 0.14, 1);
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.62, new Vector3(0, -0.03, 0), scene);
camera.minZ = 0.01;
camera.attachControl(canvas, true);

const result = await ImportMeshAsync("assets/default-head.gem", scene);
const avatar = GemAvatar.FromMesh(result.meshes[0])!;
// A held expression, so the expression scale shows.
avatar.setArkitWeights({ jawOpen: 0.55, mouthSmileLeft: 0.7, mouthSmileRight: 0.7, browInnerUp: 0.6 });
const { material, block } = CreateGemEigenNodeMaterial("GEM avatar material", scene);
avatar.mesh.material = material;

/**
 * The block list's entry for GemEigenBlock: a custom frame (a saved piece of graph, as the editor's own frame export
 * writes it) holding one unconnected block, which the editor loads by class name when dropped.
 */
function addEigenBlockToBlockList(): void {
    const holder = new NodeMaterial("GEM eigen block", scene);
    const frameBlock = new GemEigenBlock("GEM eigen reconstruction");
    holder.attachedBlocks.push(frameBlock);
    const json = holder.serialize([frameBlock]) as Record<string, unknown>;
    json.editorData = {
        locations: [{ blockId: frameBlock.uniqueId, x: 20, y: 40 }],
        frames: [
            {
                x: 0,
                y: 0,
                width: 260,
                height: 180,
                color: [0.35, 0.3, 0.45],
                name: "GEM eigen block",
                isCollapsed: false,
                blocks: [frameBlock.uniqueId],
                comments: "GemEigenBlock",
            },
        ],
    };
    holder.dispose();
    const key = "GEM eigen blockCustom";
    localStorage.setItem(key, JSON.stringify(json));
    const list = JSON.parse(localStorage.getItem("Custom-Frame-List") ?? "{}") as Record<string, string>;
    list[key] = "GemEigenBlock: reconstructs each splat of a GEM avatar from its eigenbases";
    localStorage.setItem("Custom-Frame-List", JSON.stringify(list));
}
addEigenBlockToBlockList();

const state: { saved: string | null } = { saved: null };
NodeEditor.Show({
    nodeMaterial: material,
    hostElement: host,
    customSave: {
        label: "Save to the page",
        action: async (json: string) => {
            state.saved = json;
        },
    },
});

// The canvas shares the page with the editor: its drawing buffer follows its box.
new ResizeObserver(() => engine.resize()).observe(canvas);
engine.runRenderLoop(() => scene.render());
// Handle for the browser test and the console.
(window as unknown as { nodeEditorSample: unknown }).nodeEditorSample = {
    scene,
    avatar,
    material,
    block,
    get saved() {
        return state.saved;
    },
};
