/**
 * Page the distillation report drives: renders Gaussian frames served beside it (the binary layout of
 * tools/distill/gaussianFrameFile.ts) through Babylon's splat pipeline and returns the pixels.
 */
import { Engine } from "@babylonjs/core/Engines/engine";
import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera";
import { Color4 } from "@babylonjs/core/Maths/math.color";
import { Vector3 } from "@babylonjs/core/Maths/math.vector";
import { Scene } from "@babylonjs/core/scene";
import { GemSplatMesh } from "../../../plugin/GemSplatMesh";
import { decodeGaussianFrame } from "../gaussianFrameFile";
import { waitAnimationFrames } from "../../animationFrames";

let engine: Engine;
let scene: Scene;
let camera: FreeCamera;
let mesh: GemSplatMesh | null = null;

const api = {
    /** Creates the engine, a black background and a camera looking at the face. */
    async init(width: number, height: number, distance: number): Promise<string> {
        const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
        canvas.style.width = `${width}px`;
        canvas.style.height = `${height}px`;
        canvas.width = width;
        canvas.height = height;
        engine = new Engine(canvas, false, { preserveDrawingBuffer: true, antialias: false });
        scene = new Scene(engine);
        scene.clearColor = new Color4(0, 0, 0, 1);
        camera = new FreeCamera("camera", new Vector3(0, -0.005, -distance), scene);
        camera.setTarget(new Vector3(0, -0.005, 0));
        camera.minZ = 0.01;
        engine.runRenderLoop(() => scene.render());
        return engine.getGlInfo().renderer;
    },

    /** Points the camera from a yaw angle (radians) around the head. */
    async setView(yaw: number, distance: number): Promise<void> {
        camera.position.set(distance * Math.sin(yaw), -0.005, -distance * Math.cos(yaw));
        camera.setTarget(new Vector3(0, -0.005, 0));
    },

    /** Renders one frame file and returns its pixels (RGBA, top row first) and a PNG. */
    async render(url: string): Promise<{ pixels: number[]; png: string }> {
        const gaussians = decodeGaussianFrame(new Uint8Array(await (await fetch(url)).arrayBuffer()));
        if (!mesh) {
            mesh = new GemSplatMesh("frame", scene);
            mesh.scaling.z = -1;
        }
        mesh.updateFromGaussians(gaussians);
        // Let the sort worker return and the index buffer settle.
        await waitAnimationFrames(30);
        const gl = (engine as unknown as { _gl: WebGL2RenderingContext })._gl;
        const w = engine.getRenderWidth();
        const h = engine.getRenderHeight();
        const raw = new Uint8Array(w * h * 4);
        gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, raw);
        const flipped = new Uint8Array(raw.length);
        for (let y = 0; y < h; y++) {
            flipped.set(raw.subarray((h - 1 - y) * w * 4, (h - y) * w * 4), y * w * 4);
        }
        return { pixels: Array.from(flipped), png: (engine.getRenderingCanvas() as HTMLCanvasElement).toDataURL("image/png") };
    },
};

(window as unknown as { gaussianRender: typeof api }).gaussianRender = api;
