/**
 * The JSON descriptor that sits next to a face-encoder ONNX model: what the model takes (input tensor name, size,
 * normalisation), where the face is (crop), and what it gives (output tensor, channel space, channel names).
 * docs/ANIMATION.md §7.
 */
import { channelSpace, type ChannelSpace } from "../animation/channelNames.js";
import { EncoderError } from "../errors/EncoderError.js";
import { jsonTextDepth, MaxJsonDepth } from "../errors/boundedJson.js";

/** Where the face crop comes from. */
export type EncoderCrop =
    /** A fixed box, normalised [x, y, width, height] of the frame (top-left origin). */
    | { source: "fixed"; box: [number, number, number, number] }
    /** The caller passes a box with each frame (from its own face detector). */
    | { source: "input"; box: [number, number, number, number] }
    /** The model outputs the next frame's box (normalised x, y, width, height) on the named output; `box` is the first. */
    | { source: "model"; output: string; box: [number, number, number, number] };

/** A validated descriptor. */
export interface EncoderDescriptor {
    /** Always `gem-face-encoder`. */
    format: "gem-face-encoder";
    /** Version (1). */
    version: number;
    /** Model file, relative to the descriptor. */
    model: string;
    /** Input tensor: name, NCHW float32 of [1, 3, height, width], RGB in [0, 1] then (x − mean) / std. */
    input: { name: string; width: number; height: number; mean: [number, number, number]; std: [number, number, number] };
    /** Face crop. */
    crop: EncoderCrop;
    /** Output tensor: name, and one channel name per value (ARKit, FLAME or GEM channels; one space). */
    output: { name: string; channels: string[] };
    /** One Euro filter parameters (default minCutoff 1 Hz, beta 0.05, derivativeCutoff 1 Hz). */
    smoothing?: { minCutoff?: number; beta?: number; derivativeCutoff?: number };
}

/** Current descriptor version. */
export const EncoderDescriptorVersion = 1;

/**
 * Checks a descriptor.
 * @param json parsed JSON or its text
 * @param fileName name used in errors
 * @returns the descriptor
 */
export function parseEncoderDescriptor(json: unknown, fileName = "encoder.json"): EncoderDescriptor {
    let data = json;
    if (typeof json === "string") {
        if (jsonTextDepth(json, MaxJsonDepth) > MaxJsonDepth) {
            throw new EncoderError("invalid-descriptor", fileName, `JSON nested deeper than ${MaxJsonDepth} levels`);
        }
        try {
            data = JSON.parse(json);
        } catch (e) {
            throw new EncoderError("invalid-descriptor", fileName, `not JSON: ${(e as Error).message}`, { cause: e });
        }
    }
    const fail = (field: string, expected: string, found: unknown): never => {
        throw new EncoderError("invalid-descriptor", fileName, `${field}: expected ${expected}, found ${JSON.stringify(found)}`);
    };
    const d = data as Partial<EncoderDescriptor> | null;
    if (typeof d !== "object" || d === null) {
        return fail("(root)", "an object", d);
    }
    if (d.format !== "gem-face-encoder") {
        fail("format", '"gem-face-encoder"', d.format);
    }
    if (d.version !== EncoderDescriptorVersion) {
        fail("version", String(EncoderDescriptorVersion), d.version);
    }
    if (typeof d.model !== "string" || d.model.length === 0) {
        fail("model", "a file name", d.model);
    }
    const input = d.input as EncoderDescriptor["input"] | undefined;
    if (!input || typeof input.name !== "string") {
        fail("input.name", "a tensor name", input?.name);
    }
    for (const side of ["width", "height"] as const) {
        if (!Number.isInteger(input![side]) || input![side] < 1 || input![side] > 1024) {
            fail(`input.${side}`, "an integer in [1, 1024]", input![side]);
        }
    }
    for (const field of ["mean", "std"] as const) {
        const v = input![field];
        if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== "number" || !Number.isFinite(x)) || (field === "std" && v.some((x) => x === 0))) {
            fail(`input.${field}`, `three finite numbers${field === "std" ? ", none zero" : ""}`, v);
        }
    }
    const crop = d.crop as EncoderCrop | undefined;
    if (!crop || !["fixed", "input", "model"].includes(crop.source)) {
        fail("crop.source", '"fixed", "input" or "model"', crop?.source);
    }
    checkBox(crop!.box, "crop.box", fileName);
    if (crop!.source === "model" && typeof crop!.output !== "string") {
        fail("crop.output", "the name of the model output holding the box", crop!.output);
    }
    const output = d.output as EncoderDescriptor["output"] | undefined;
    if (!output || typeof output.name !== "string") {
        fail("output.name", "a tensor name", output?.name);
    }
    if (!Array.isArray(output!.channels) || output!.channels.length === 0 || output!.channels.some((c) => typeof c !== "string")) {
        fail("output.channels", "a non-empty array of channel names", output!.channels);
    }
    const spaces = new Set(output!.channels.map(channelSpace));
    if (spaces.size !== 1 || spaces.has(null)) {
        fail("output.channels", "channels of one space (arkit/, flame/ or gem/)", [...spaces]);
    }
    const smoothing = d.smoothing;
    if (smoothing !== undefined) {
        for (const [key, value] of Object.entries(smoothing)) {
            if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
                fail(`smoothing.${key}`, "a finite number ≥ 0", value);
            }
        }
    }
    return d as EncoderDescriptor;
}

/**
 * The channel space of a descriptor's output.
 * @param descriptor the descriptor
 * @returns its space
 */
export function encoderOutputSpace(descriptor: EncoderDescriptor): ChannelSpace {
    return channelSpace(descriptor.output.channels[0])!;
}

/**
 * Checks a normalised box.
 * @param box [x, y, width, height]
 * @param field field name for errors
 * @param fileName file name for errors
 */
export function checkBox(box: unknown, field: string, fileName: string): asserts box is [number, number, number, number] {
    const b = box as number[];
    if (!Array.isArray(b) || b.length !== 4 || b.some((v) => typeof v !== "number" || !Number.isFinite(v)) || b[2] <= 0 || b[3] <= 0) {
        throw new EncoderError("invalid-descriptor", fileName, `${field}: expected [x, y, width, height] with positive size, found ${JSON.stringify(box)}`);
    }
}
