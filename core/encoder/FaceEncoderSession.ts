import type { EncoderDescriptor } from "./encoderDescriptor.js";
import { EncoderError } from "../errors/EncoderError.js";
import { preprocessImage } from "./imagePreprocessing.js";

/** The part of onnxruntime(-web)'s API the encoder uses, so Node, browser and worker builds can be passed in. */
export interface OrtModule {
    InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSession> };
    Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => unknown;
}

/** An onnxruntime inference session, as far as the encoder uses it. */
export interface OrtSession {
    readonly inputNames: readonly string[];
    readonly outputNames: readonly string[];
    run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
    release?(): Promise<void>;
}

/** One encoded frame. */
export interface EncodedFrame {
    /** One value per descriptor output channel. */
    values: Float32Array;
    /** The crop used. */
    box: [number, number, number, number];
    /** Inference time, milliseconds (preprocessing excluded). */
    inferenceMs: number;
}

/**
 * A face encoder ready to run: an ONNX model checked against its descriptor (input name and shape, output name and
 * size, box output) by a dry run at creation, so a mismatched model fails with a typed {@link EncoderError} before
 * any frame. Runs wherever onnxruntime runs (the live encoder uses it inside a Web Worker).
 */
export class FaceEncoderSession {
    private _box: [number, number, number, number];
    private readonly _input: Float32Array;

    private constructor(
        private readonly _ort: OrtModule,
        private readonly _session: OrtSession,
        /** The descriptor. */
        public readonly descriptor: EncoderDescriptor
    ) {
        this._box = [...descriptor.crop.box];
        this._input = new Float32Array(3 * descriptor.input.width * descriptor.input.height);
    }

    /**
     * Loads and checks a model.
     * @param ort the onnxruntime module
     * @param model `.onnx` bytes
     * @param descriptor its validated descriptor
     * @param options onnxruntime session options (execution providers)
     * @returns the session
     */
    public static async Create(ort: OrtModule, model: Uint8Array, descriptor: EncoderDescriptor, options: object = {}): Promise<FaceEncoderSession> {
        let session: OrtSession;
        try {
            session = await ort.InferenceSession.create(model, options);
        } catch (e) {
            throw new EncoderError("model-load", descriptor.model, `onnxruntime could not load it: ${(e as Error).message}`, { cause: e });
        }
        const { input, output, crop } = descriptor;
        if (!session.inputNames.includes(input.name)) {
            throw new EncoderError("shape-mismatch", descriptor.model, `has no input "${input.name}" (inputs: ${session.inputNames.join(", ")})`);
        }
        for (const name of [output.name, ...(crop.source === "model" ? [crop.output] : [])]) {
            if (!session.outputNames.includes(name)) {
                throw new EncoderError("shape-mismatch", descriptor.model, `has no output "${name}" (outputs: ${session.outputNames.join(", ")})`);
            }
        }
        const encoder = new FaceEncoderSession(ort, session, descriptor);
        const result = await encoder._run();
        const values = result[output.name];
        const count = (values.data as Float32Array).length;
        if (count !== output.channels.length) {
            throw new EncoderError(
                "shape-mismatch",
                descriptor.model,
                `output "${output.name}" has ${count} values (dims [${values.dims.join(", ")}]), the descriptor names ${output.channels.length} channels`
            );
        }
        if (crop.source === "model" && (result[crop.output].data as Float32Array).length !== 4) {
            throw new EncoderError("shape-mismatch", descriptor.model, `box output "${crop.output}" must hold 4 values`);
        }
        return encoder;
    }

    /** The crop the next frame uses (for `fixed` and `model` crops). */
    public get box(): [number, number, number, number] {
        return this._box;
    }

    /**
     * Encodes one RGBA frame.
     * @param rgba pixels, top row first
     * @param width frame width
     * @param height frame height
     * @param box face box for `input` crops (normalised x, y, width, height); ignored otherwise
     * @returns the output values and the crop used
     */
    public async encodeAsync(rgba: ArrayLike<number>, width: number, height: number, box?: readonly number[]): Promise<EncodedFrame> {
        const used: [number, number, number, number] = this.descriptor.crop.source === "input" && box ? [box[0], box[1], box[2], box[3]] : [...this._box];
        preprocessImage(rgba, width, height, used, this.descriptor.input, this._input);
        const start = performance.now();
        const result = await this._run();
        const inferenceMs = performance.now() - start;
        const values = Float32Array.from(result[this.descriptor.output.name].data as Float32Array);
        const crop = this.descriptor.crop;
        if (crop.source === "model") {
            const next = Array.from(result[crop.output].data as Float32Array);
            if (next.every(Number.isFinite) && next[2] > 0 && next[3] > 0) {
                this._box = [next[0], next[1], next[2], next[3]];
            }
        }
        return { values, box: used, inferenceMs };
    }

    /**
     * @deprecated use {@link encodeAsync}
     * @param rgba pixels, top row first
     * @param width frame width
     * @param height frame height
     * @param box face box for `input` crops
     * @returns the output values and the crop used
     */
    public encode(rgba: ArrayLike<number>, width: number, height: number, box?: readonly number[]): Promise<EncodedFrame> {
        return this.encodeAsync(rgba, width, height, box);
    }

    /** Releases the onnxruntime session. */
    public async releaseAsync(): Promise<void> {
        await this._session.release?.();
    }

    /**
     * @deprecated use {@link releaseAsync}
     * @returns when released
     */
    public release(): Promise<void> {
        return this.releaseAsync();
    }

    private async _run(): Promise<Record<string, { data: unknown; dims: readonly number[] }>> {
        const { name, width, height } = this.descriptor.input;
        try {
            return await this._session.run({ [name]: new this._ort.Tensor("float32", this._input, [1, 3, height, width]) });
        } catch (e) {
            throw new EncoderError("shape-mismatch", this.descriptor.model, `rejects a [1, 3, ${height}, ${width}] float32 input on "${name}": ${(e as Error).message}`, {
                cause: e,
            });
        }
    }
}
