/**
 * The body of the live face encoder's Web Workers: holds the onnxruntime-web session and encodes one frame at a time,
 * so inference never blocks rendering. Messages: `init` (model bytes, descriptor), `frame` (an ImageBitmap or RGBA
 * pixels, an optional face box); replies `ready` (with the execution provider used), `result`, `error`. The two entry
 * files bind it to onnxruntime-web's WASM build (faceEncoder.worker.ts) or its WebGPU build
 * (faceEncoderWebGpu.worker.ts), so a page downloads only the runtime it uses.
 */
import { parseEncoderDescriptor } from "../../core/encoder/encoderDescriptor.js";
import type { EncoderError } from "../../core/errors/EncoderError.js";
import { FaceEncoderSession, type OrtModule } from "../../core/encoder/FaceEncoderSession.js";

interface InitMessage {
    type: "init";
    model: ArrayBuffer;
    descriptor: unknown;
    fileName: string;
    wasmPaths?: string;
}

interface FrameMessage {
    type: "frame";
    id: number;
    bitmap?: ImageBitmap;
    rgba?: Uint8ClampedArray;
    width: number;
    height: number;
    box?: number[];
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<InitMessage | FrameMessage>) => void) | null; postMessage(message: unknown, transfer?: Transferable[]): void };
let session: FaceEncoderSession | null = null;
let canvas: OffscreenCanvas | null = null;
let context: OffscreenCanvasRenderingContext2D | null = null;

function fail(error: unknown, id?: number): void {
    const e = error as Partial<EncoderError> & Error;
    scope.postMessage({ type: "error", id, code: e.code ?? "inference", fileName: e.fileName ?? "", message: e.message });
}

function pixels(message: FrameMessage): Uint8ClampedArray {
    if (message.rgba) {
        return message.rgba;
    }
    const bitmap = message.bitmap!;
    if (!canvas || canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
        canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        context = canvas.getContext("2d", { willReadFrequently: true });
    }
    // Frames with transparency (a WebGL canvas whose splats left alpha below 1) are flattened over black, which gives
    // back the colour the renderer wrote, as the training renders read it.
    context!.fillStyle = "#000";
    context!.fillRect(0, 0, bitmap.width, bitmap.height);
    context!.drawImage(bitmap, 0, 0);
    bitmap.close();
    return context!.getImageData(0, 0, message.width, message.height).data;
}

/**
 * Serves encoder requests in this worker.
 * @param ort the onnxruntime-web build the entry imported
 * @param gpu whether that build should run on WebGPU (used when the worker finds an adapter; WASM otherwise)
 */
export function serveFaceEncoder(ort: OrtModule & { env: { wasm: { numThreads?: number; wasmPaths?: unknown } } }, gpu: boolean): void {
    scope.onmessage = async (event) => {
        const message = event.data;
        if (message.type === "init") {
            try {
                ort.env.wasm.numThreads = 1;
                if (message.wasmPaths) {
                    ort.env.wasm.wasmPaths = message.wasmPaths;
                }
                const descriptor = parseEncoderDescriptor(message.descriptor, message.fileName);
                const gpuNavigator = (self as unknown as { navigator: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator;
                const adapter = gpu ? await gpuNavigator.gpu?.requestAdapter().catch(() => null) : null;
                const executionProvider = adapter ? "webgpu" : "wasm";
                session = await FaceEncoderSession.Create(ort, new Uint8Array(message.model), descriptor, { executionProviders: [executionProvider] });
                scope.postMessage({ type: "ready", executionProvider });
            } catch (error) {
                fail(error);
            }
            return;
        }
        try {
            const result = await session!.encodeAsync(pixels(message), message.width, message.height, message.box);
            scope.postMessage({ type: "result", id: message.id, values: result.values, box: result.box, inferenceMs: result.inferenceMs }, [result.values.buffer]);
        } catch (error) {
            fail(error, message.id);
        }
    };
}
