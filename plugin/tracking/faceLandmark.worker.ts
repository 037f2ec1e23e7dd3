/**
 * The face tracker's Web Worker: runs MediaPipe's face detector, 478-point face mesh and iris models (the tfjs port that
 * `@vladmandic/human` ships in its npm package) on one frame at a time, off the main thread, and measures the picture
 * itself (brightness, whether it changed). Messages: `init` (where the models and tfjs's .wasm files are served, the
 * backend), `frame` (an ImageBitmap); replies `ready` (the backend that runs), `result` (faces: normalised box, score,
 * 478 × 3 landmarks in pixels), `error`.
 */
import { Human } from "@vladmandic/human";

interface InitMessage {
    type: "init";
    modelBasePath: string;
    wasmPath: string;
    backend: "wasm" | "webgl" | "webgpu";
    maxFaces: number;
}

interface FrameMessage {
    type: "frame";
    id: number;
    bitmap: ImageBitmap;
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<InitMessage | FrameMessage>) => void) | null; postMessage(message: unknown, transfer?: Transferable[]): void };
let human: Human | null = null;
// A 64 × 64 thumbnail of each picture: its mean luminance and whether it differs from the previous one (fine enough
// that a camera's noise, or a small change anywhere, counts as a change).
const thumbSize = 64;
let thumbContext: OffscreenCanvasRenderingContext2D | null = null;
let previousThumb: Uint8ClampedArray | null = null;

function measure(bitmap: ImageBitmap): { brightness: number; changed: boolean } {
    if (!thumbContext) {
        thumbContext = new OffscreenCanvas(thumbSize, thumbSize).getContext("2d", { willReadFrequently: true });
    }
    if (!thumbContext) {
        return { brightness: 128, changed: true };
    }
    thumbContext.drawImage(bitmap, 0, 0, thumbSize, thumbSize);
    const thumb = thumbContext.getImageData(0, 0, thumbSize, thumbSize).data;
    let sum = 0;
    let changed = previousThumb === null;
    for (let i = 0; i < thumb.length; i += 4) {
        sum += 0.299 * thumb[i] + 0.587 * thumb[i + 1] + 0.114 * thumb[i + 2];
        if (previousThumb && !changed) {
            changed = thumb[i] !== previousThumb[i] || thumb[i + 1] !== previousThumb[i + 1] || thumb[i + 2] !== previousThumb[i + 2];
        }
    }
    previousThumb = thumb;
    return { brightness: sum / (thumbSize * thumbSize), changed };
}

async function init(m: InitMessage): Promise<void> {
    human = new Human({
        modelBasePath: m.modelBasePath,
        wasmPath: m.wasmPath,
        backend: m.backend,
        warmup: "none",
        debug: false,
        // Every frame is detected afresh: the tracker itself decides what a repeated picture means.
        cacheSensitivity: 0,
        face: {
            enabled: true,
            detector: { rotation: true, maxDetected: m.maxFaces, minConfidence: 0.3, return: false },
            mesh: { enabled: true },
            iris: { enabled: true },
            attention: { enabled: false },
            emotion: { enabled: false },
            description: { enabled: false },
            antispoof: { enabled: false },
            liveness: { enabled: false },
        },
        body: { enabled: false },
        hand: { enabled: false },
        object: { enabled: false },
        gesture: { enabled: false },
        segmentation: { enabled: false },
        filter: { enabled: false },
    });
    await human.load();
    await human.init();
    const backend = human.tf.getBackend() as string;
    if (backend !== m.backend) {
        throw new Error(`backend "${m.backend}" did not start (running "${backend}")`);
    }
    scope.postMessage({ type: "ready", backend });
}

async function detect(m: FrameMessage): Promise<void> {
    const { bitmap } = m;
    const width = bitmap.width;
    const height = bitmap.height;
    const condition = measure(bitmap);
    const start = performance.now();
    const result = await human!.detect(bitmap);
    const detectMs = performance.now() - start;
    bitmap.close();
    const faces = [];
    const transfer: Transferable[] = [];
    for (const face of result.face) {
        if (!face.mesh || face.mesh.length < 478) {
            continue;
        }
        const mesh = new Float32Array(face.mesh.length * 3);
        for (let i = 0; i < face.mesh.length; i++) {
            mesh[3 * i] = face.mesh[i][0];
            mesh[3 * i + 1] = face.mesh[i][1];
            mesh[3 * i + 2] = face.mesh[i][2] ?? 0;
        }
        // The box of the landmarks themselves (the detector clips its own box to the picture, which would hide a face
        // leaving it).
        let [x0, y0, x1, y1] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
        for (let i = 0; i < mesh.length; i += 3) {
            x0 = Math.min(x0, mesh[i]);
            x1 = Math.max(x1, mesh[i]);
            y0 = Math.min(y0, mesh[i + 1]);
            y1 = Math.max(y1, mesh[i + 1]);
        }
        faces.push({ x: x0 / width, y: y0 / height, width: (x1 - x0) / width, height: (y1 - y0) / height, score: face.score, mesh });
        transfer.push(mesh.buffer);
    }
    scope.postMessage({ type: "result", id: m.id, width, height, faces, detectMs, ...condition }, transfer);
}

scope.onmessage = (event) => {
    const m = event.data;
    const run = m.type === "init" ? init(m) : human ? detect(m) : Promise.reject(new Error("frame before init"));
    run.catch((error: Error) => {
        if (m.type === "frame") {
            m.bitmap.close();
        }
        scope.postMessage({ type: "error", id: m.type === "frame" ? m.id : undefined, phase: m.type, message: error?.message ?? String(error) });
    });
};
