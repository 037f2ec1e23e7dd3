/**
 * Page the distillation report drives: renders Gaussian frames served beside it (the binary layout of
 * tools/distill/gaussianFrameFile.ts) through Babylon's splat pipeline and returns the pixels.
 */
import { Engine } from "@babylonjs/core/Engines/engine.js";
import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { GemSplatMesh } from "../../../plugin/GemSplatMesh.js";
import { decodeGaussianFrame } from "../gaussianFrameFile.js";
import { waitAnimationFrames } from "../../browser/animationFrames.js";

let engine: Engine;
let scene: Scene;
let camera: FreeCamera;
let mesh: GemSplatMesh | null = null;
let videoEncoder: VideoEncoder | null = null;
let videoChunks: { timestampUs: number; key: boolean; data: number[] }[] = [];
let videoError: string | null = null;
/** Animation frames a render waits for the depth sort to settle. */
let settleFrames = 30;

const api = {
    /** Creates the engine, a black background and a camera looking at the face. */
    async init(width: number, height: number, distance: number, settle = 30): Promise<string> {
        settleFrames = settle;
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
    async setView(yaw: number, distance: number, pitch = 0): Promise<void> {
        // Orbit: yaw about the vertical, then pitch (positive: the camera above the head, looking down).
        camera.position.set(distance * Math.sin(yaw) * Math.cos(pitch), -0.005 + distance * Math.sin(pitch), -distance * Math.cos(yaw) * Math.cos(pitch));
        camera.setTarget(new Vector3(0, -0.005, 0));
    },

    /** Renders one frame file and returns its pixels (RGBA, top row first) and a PNG. */
    async render(url: string, withPixels = true): Promise<{ pixels: number[]; png: string }> {
        const gaussians = decodeGaussianFrame(new Uint8Array(await (await fetch(url)).arrayBuffer()));
        const first = !mesh;
        if (!mesh) {
            mesh = new GemSplatMesh("frame", scene);
            mesh.scaling.z = -1;
        }
        mesh.updateFromGaussians(gaussians);
        // Let the sort worker return and the index buffer settle (the first time, the worker also starts).
        await waitAnimationFrames(first ? Math.max(30, settleFrames) + 30 : settleFrames);
        if (!withPixels) {
            return { pixels: [], png: (engine.getRenderingCanvas() as HTMLCanvasElement).toDataURL("image/png") };
        }
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

    /** Starts encoding the canvas with WebCodecs (one frame per {@link encodeFrame}). */
    async startVideo(codec: string, bitrate: number, framerate: number): Promise<void> {
        const canvas = engine.getRenderingCanvas() as HTMLCanvasElement;
        videoChunks = [];
        videoError = null;
        videoEncoder = new VideoEncoder({
            output: (chunk) => {
                const data = new Uint8Array(chunk.byteLength);
                chunk.copyTo(data);
                videoChunks.push({ timestampUs: chunk.timestamp, key: chunk.type === "key", data: Array.from(data) });
            },
            error: (error) => (videoError = error.message),
        });
        videoEncoder.configure({ codec, width: canvas.width, height: canvas.height, bitrate, framerate, latencyMode: "quality" });
    },

    /** Encodes what the canvas shows now as the frame at a time. */
    async encodeFrame(timestampUs: number, durationUs: number, keyFrame: boolean): Promise<void> {
        const frame = new VideoFrame(engine.getRenderingCanvas() as HTMLCanvasElement, { timestamp: timestampUs, duration: durationUs, alpha: "discard" });
        videoEncoder!.encode(frame, { keyFrame });
        frame.close();
        // Keep the encoder's queue short (it holds the frames' pixels).
        while (videoEncoder!.encodeQueueSize > 4) {
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
    },

    /** Flushes the encoder and returns the encoded chunks. */
    async finishVideo(): Promise<{ timestampUs: number; key: boolean; data: number[] }[]> {
        await videoEncoder!.flush();
        videoEncoder!.close();
        videoEncoder = null;
        if (videoError) {
            throw new Error(`video encoder: ${videoError}`);
        }
        return videoChunks;
    },

    /** Decodes encoded chunks with WebCodecs and returns each frame's pixels (RGBA, top row first). */
    async decodeVideo(codec: string, chunks: { timestampUs: number; key: boolean; data: number[] }[]): Promise<number[][]> {
        const frames: number[][] = [];
        let failure: string | null = null;
        let canvas: OffscreenCanvas | null = null;
        let context: OffscreenCanvasRenderingContext2D | null = null;
        const decoder = new VideoDecoder({
            output: (frame) => {
                if (!canvas) {
                    canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
                    context = canvas.getContext("2d", { willReadFrequently: true });
                }
                context!.drawImage(frame, 0, 0);
                frame.close();
                frames.push(Array.from(context!.getImageData(0, 0, canvas.width, canvas.height).data));
            },
            error: (error) => (failure = error.message),
        });
        decoder.configure({ codec });
        for (const chunk of chunks) {
            decoder.decode(new EncodedVideoChunk({ type: chunk.key ? "key" : "delta", timestamp: chunk.timestampUs, data: Uint8Array.from(chunk.data) }));
        }
        await decoder.flush();
        decoder.close();
        if (failure) {
            throw new Error(`video decoder: ${failure}`);
        }
        return frames;
    },
};

(window as unknown as { gaussianRender: typeof api }).gaussianRender = api;
