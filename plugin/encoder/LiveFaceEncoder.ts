import { Observable } from "@babylonjs/core/Misc/observable.js";
import type { AnimatorLayer } from "../animation/AnimatorLayer.js";
import { parseEncoderDescriptor, type EncoderDescriptor } from "../../core/encoder/encoderDescriptor.js";
import { EncoderError, type EncoderErrorCode } from "../../core/errors/EncoderError.js";
import { OneEuroFilter } from "../../core/encoder/OneEuroFilter.js";

/** Options of {@link LiveFaceEncoder.CreateAsync}. */
export interface LiveFaceEncoderOptions {
    /** URL of the descriptor JSON; the model is fetched relative to it. */
    descriptorUrl: string;
    /** Layer that receives the smoothed output (its channels must include the descriptor's). */
    layer?: AnimatorLayer;
    /** Apply the One Euro filter (default true; parameters from the descriptor). */
    smoothing?: boolean;
    /** A worker to use instead of the bundled one (for custom builds). */
    worker?: Worker;
    /** Where onnxruntime-web's .wasm files are served, if not next to the worker bundle. */
    wasmPaths?: string;
    /**
     * Where inference runs: `wasm` (onnxruntime-web's WASM build, on the CPU), `webgpu` (its WebGPU build; WASM inside
     * that build when the worker finds no adapter) or `auto` (default: `webgpu` when the page gets a WebGPU adapter,
     * else `wasm`). Each is its own worker chunk, so a page downloads one runtime. WebGPU pays a per-call overhead
     * that only larger models (a CNN on a 224² crop) win back; {@link LiveFaceEncoder.executionProvider} says which ran.
     */
    executionProvider?: "wasm" | "webgpu" | "auto";
}

/** Counters of a {@link LiveFaceEncoder}. */
export interface LiveFaceEncoderStats {
    /** Frames given to {@link LiveFaceEncoder.submit}. */
    submitted: number;
    /** Frames encoded. */
    processed: number;
    /** Frames replaced by a newer one before the worker was free (back-pressure). */
    dropped: number;
    /** Frames whose encoding failed. */
    failed: number;
    /** Inference time of the last frame in the worker, ms. */
    inferenceMs: number;
    /** Time from submit to result of the last frame, ms. */
    latencyMs: number;
}

interface Pending {
    source: ImageBitmap | HTMLCanvasElement | HTMLVideoElement | OffscreenCanvas | ImageData;
    box?: number[];
    time: number;
}

/**
 * Runs a user-supplied ONNX face encoder (onnxruntime-web, WASM or WebGPU) in a Web Worker on video, camera or canvas frames:
 * crop and normalisation per its descriptor, One Euro smoothing, and back-pressure (at most one frame in the worker
 * and one waiting; a newer frame replaces the waiting one, which counts as dropped). The output goes to an
 * {@link AnimatorLayer} (so it blends with clips) and to {@link onOutputObservable}.
 */
export class LiveFaceEncoder {
    /** Raised once when the encoder is disposed. */
    public readonly onDisposeObservable = new Observable<LiveFaceEncoder>();

    /** The descriptor. */
    public readonly descriptor: EncoderDescriptor;
    /** Raised with each smoothed output (one value per descriptor channel). */
    public readonly onOutputObservable = new Observable<Float32Array>();
    /** Raised when a frame fails. */
    public readonly onErrorObservable = new Observable<EncoderError>();
    /** Counters. */
    public readonly stats: LiveFaceEncoderStats = { submitted: 0, processed: 0, dropped: 0, failed: 0, inferenceMs: 0, latencyMs: 0 };
    /** The receiving layer, if any. */
    public layer: AnimatorLayer | null;
    /** Where inference runs, as the worker reported when the model loaded. */
    public executionProvider: "wasm" | "webgpu" = "wasm";
    private readonly _worker: Worker;
    private readonly _filter: OneEuroFilter | null;
    private _busy = false;
    private _pending: Pending | null = null;
    private _nextId = 0;
    private _sentAt = 0;
    private _lastTime = 0;
    private _disposed = false;

    private constructor(worker: Worker, descriptor: EncoderDescriptor, options: LiveFaceEncoderOptions) {
        this._worker = worker;
        this.descriptor = descriptor;
        this.layer = options.layer ?? null;
        const s = descriptor.smoothing ?? {};
        this._filter = options.smoothing === false ? null : new OneEuroFilter(s.minCutoff ?? 1, s.beta ?? 0.05, s.derivativeCutoff ?? 1);
        if (this.layer) {
            const missing = descriptor.output.channels.filter((c) => !this.layer!.layout.has(c));
            if (missing.length > 0) {
                throw new EncoderError(
                    "shape-mismatch",
                    descriptor.model,
                    `layer "${this.layer.name}" lacks ${missing.length} output channel(s): ${missing.slice(0, 5).join(", ")}`
                );
            }
        }
        worker.onmessage = (event) => this._onMessage(event.data);
    }

    /**
     * Fetches the descriptor and model, starts the worker and checks the model there.
     * @param options descriptor URL, target layer, smoothing
     * @returns the running encoder
     */
    public static async CreateAsync(options: LiveFaceEncoderOptions): Promise<LiveFaceEncoder> {
        const descriptorUrl = new URL(options.descriptorUrl, location.href);
        const descriptor = parseEncoderDescriptor(await (await fetch(descriptorUrl)).text(), descriptorUrl.pathname.split("/").pop());
        const response = await fetch(new URL(descriptor.model, descriptorUrl));
        if (!response.ok) {
            throw new EncoderError("model-load", descriptor.model, `HTTP ${response.status}`);
        }
        const model = await response.arrayBuffer();
        const worker = options.worker ?? (await LiveFaceEncoder._CreateWorker(options.executionProvider ?? "auto"));
        const ready = new Promise<"wasm" | "webgpu">((resolve, reject) => {
            worker.onmessage = (event) => {
                const m = event.data as { type: string; code?: EncoderErrorCode; fileName?: string; message?: string; executionProvider?: "wasm" | "webgpu" };
                if (m.type === "ready") {
                    resolve(m.executionProvider ?? "wasm");
                } else if (m.type === "error") {
                    reject(new EncoderError(m.code ?? "model-load", m.fileName || descriptor.model, m.message ?? "worker error"));
                }
            };
            worker.onerror = (event) => reject(new EncoderError("model-load", descriptor.model, `worker failed: ${event.message}`));
        });
        worker.postMessage({ type: "init", model, descriptor, fileName: descriptor.model, wasmPaths: options.wasmPaths }, [model]);
        let executionProvider: "wasm" | "webgpu";
        try {
            executionProvider = await ready;
        } catch (error) {
            worker.terminate();
            throw error;
        }
        const encoder = new LiveFaceEncoder(worker, descriptor, options);
        encoder.executionProvider = executionProvider;
        return encoder;
    }

    private static async _CreateWorker(executionProvider: "wasm" | "webgpu" | "auto"): Promise<Worker> {
        let gpu = executionProvider === "webgpu";
        if (executionProvider === "auto") {
            const adapter = await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter().catch(() => null);
            gpu = !!adapter;
        }
        // Two literal URLs, so the bundler emits both worker chunks and the page loads only the one chosen.
        return gpu
            ? new Worker(new URL("./faceEncoderWebGpu.worker.js", import.meta.url), { type: "module" })
            : new Worker(new URL("./faceEncoder.worker.js", import.meta.url), { type: "module" });
    }

    /** Whether a frame is in the worker. */
    public get isBusy(): boolean {
        return this._busy;
    }

    /**
     * Offers a frame. If the worker is busy the frame waits, replacing (and dropping) any frame already waiting, so a
     * slow model skips frames instead of falling behind.
     * @param source a video element, canvas, bitmap or RGBA image
     * @param box face box (normalised x, y, width, height) for descriptors with `input` crops
     */
    public submit(source: Pending["source"], box?: number[]): void {
        if (this._disposed) {
            return;
        }
        this.stats.submitted++;
        const frame = { source, box, time: performance.now() };
        if (this._busy) {
            if (this._pending) {
                this.stats.dropped++;
            }
            this._pending = frame;
            return;
        }
        void this._send(frame);
    }

    /** @returns "LiveFaceEncoder" */
    public getClassName(): string {
        return "LiveFaceEncoder";
    }

    /** @returns whether {@link dispose} was called */
    public isDisposed(): boolean {
        return this._disposed;
    }

    /** Stops the worker and releases the observers. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this.onDisposeObservable.notifyObservers(this);
        this.onDisposeObservable.clear();
        this._worker.terminate();
        this.onOutputObservable.clear();
        this.onErrorObservable.clear();
        this._pending = null;
    }

    private async _send(frame: Pending): Promise<void> {
        this._busy = true;
        this._sentAt = frame.time;
        const id = this._nextId++;
        try {
            if (frame.source instanceof ImageData) {
                const rgba = new Uint8ClampedArray(frame.source.data);
                this._worker.postMessage({ type: "frame", id, rgba, width: frame.source.width, height: frame.source.height, box: frame.box }, [rgba.buffer]);
            } else {
                const bitmap = await createImageBitmap(frame.source);
                this._worker.postMessage({ type: "frame", id, bitmap, width: bitmap.width, height: bitmap.height, box: frame.box }, [bitmap]);
            }
        } catch (error) {
            this._busy = false;
            this.stats.failed++;
            this.onErrorObservable.notifyObservers(new EncoderError("inference", this.descriptor.model, `could not read the frame: ${(error as Error).message}`));
        }
    }

    private _onMessage(m: { type: string; values?: Float32Array; inferenceMs?: number; code?: EncoderErrorCode; message?: string }): void {
        if (this._disposed) {
            return;
        }
        if (m.type === "result" && m.values) {
            const now = performance.now();
            this.stats.processed++;
            this.stats.inferenceMs = m.inferenceMs ?? 0;
            this.stats.latencyMs = now - this._sentAt;
            const dt = this._lastTime > 0 ? (this._sentAt - this._lastTime) / 1000 : 0;
            this._lastTime = this._sentAt;
            const values = this._filter ? this._filter.filter(m.values, dt) : m.values;
            if (this.layer) {
                this.descriptor.output.channels.forEach((channel, i) => {
                    if (Number.isFinite(values[i])) {
                        this.layer!.setChannel(channel, values[i]);
                    }
                });
            }
            this.onOutputObservable.notifyObservers(values);
        } else if (m.type === "error") {
            this.stats.failed++;
            this.onErrorObservable.notifyObservers(new EncoderError(m.code ?? "inference", this.descriptor.model, m.message ?? "error"));
        }
        this._busy = false;
        const next = this._pending;
        this._pending = null;
        if (next) {
            void this._send(next);
        }
    }
}
