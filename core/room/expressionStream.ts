import { channelSpace } from "../animation/channelNames.js";
import { RoomError } from "../errors/RoomError.js";

/** Format name of a stream descriptor. */
export const ExpressionStreamFormat = "gem-expression-stream";
/** Descriptor version this module reads and writes. */
export const ExpressionStreamVersion = 1;
/** First byte of every version-1 frame. */
export const ExpressionFrameTag = 0x01;
/** Bytes before the packed values: tag, sequence number (u16), sender time in ms modulo 2^16 (u16). */
export const ExpressionFrameHeaderBytes = 5;
/** Most channels one stream may carry. */
export const MaxStreamChannels = 256;
/** Longest model id, participant id or channel name accepted. */
export const MaxStreamNameLength = 128;
/** Largest magnitude of a channel range bound (FLAME and ARKit values are within ±10; GEM coefficients in σ units). */
export const MaxChannelRange = 1e6;

/**
 * What a participant publishes: the avatar model it wears and the layout of its expression frames. Sent once at join;
 * frames then carry only quantised values.
 */
export interface ExpressionStreamDescriptor {
    /** Always `gem-expression-stream`. */
    format: typeof ExpressionStreamFormat;
    /** Always 1. */
    version: typeof ExpressionStreamVersion;
    /** Which avatar model the receivers should show (an application-defined id, e.g. an asset name). */
    modelId: string;
    /** Channel names (ARKit, FLAME or GEM; see channelNames), one per value. */
    channels: string[];
    /** Quantisation range per channel, `[min, max]`; values outside are clamped. */
    ranges: [number, number][];
    /** Bits per value, 4 to 16, packed without padding. */
    bits: number;
    /** Nominal frames per second (1 to 120). */
    frameRate: number;
}

/** One decoded frame. */
export interface ExpressionFrame {
    /** Sequence number modulo 2^16. */
    sequence: number;
    /** Sender clock in milliseconds modulo 2^16. */
    time: number;
    /** Dequantised channel values. */
    values: Float32Array;
}

/** Default quantisation range of a channel, by its space and field. */
export function defaultChannelRange(channel: string): [number, number] {
    if (channel.startsWith("arkit/")) {
        // Blendshape weights are [0, 1]; the rotations ride along in radians.
        return /Pitch|Yaw|Roll/.test(channel) ? [-1, 1] : [0, 1];
    }
    if (channel.startsWith("flame/")) {
        const field = channel.split("/")[1];
        if (field === "translation") return [-0.25, 0.25];
        if (field === "eyelids") return [0, 1];
        if (field === "shape" || field === "expression") return [-3, 3];
        return [-1, 1];
    }
    return [-3, 3];
}

/**
 * Builds a descriptor with default ranges where none are given.
 * @param modelId avatar model id
 * @param channels channel names
 * @param options bits (default 8), frame rate (default 30), ranges (default per channel space)
 * @returns a validated descriptor
 */
export function createStreamDescriptor(
    modelId: string,
    channels: readonly string[],
    options: { bits?: number; frameRate?: number; ranges?: [number, number][] } = {}
): ExpressionStreamDescriptor {
    return validateStreamDescriptor(
        {
            format: ExpressionStreamFormat,
            version: ExpressionStreamVersion,
            modelId,
            channels: [...channels],
            ranges: options.ranges ?? channels.map(defaultChannelRange),
            bits: options.bits ?? 8,
            frameRate: options.frameRate ?? 30,
        },
        "descriptor"
    );
}

function isName(value: unknown): value is string {
    return typeof value === "string" && value.length > 0 && value.length <= MaxStreamNameLength;
}

/**
 * Checks untrusted JSON as a stream descriptor (as the server does at join).
 * @param value parsed JSON
 * @param source who sent it, for the error message
 * @returns the descriptor, copied
 * @throws RoomError `invalid-descriptor` naming the field at fault
 */
export function validateStreamDescriptor(value: unknown, source: string): ExpressionStreamDescriptor {
    const fail = (message: string): never => {
        throw new RoomError("invalid-descriptor", source, message);
    };
    if (typeof value !== "object" || value === null) fail("expected a JSON object");
    const record = value as Record<string, unknown>;
    if (record.format !== ExpressionStreamFormat) fail(`format must be "${ExpressionStreamFormat}", got ${JSON.stringify(record.format)}`);
    if (record.version !== ExpressionStreamVersion) fail(`version must be ${ExpressionStreamVersion}, got ${JSON.stringify(record.version)}`);
    if (!isName(record.modelId)) fail(`modelId must be a string of 1 to ${MaxStreamNameLength} characters`);
    const channels = record.channels;
    if (!Array.isArray(channels) || channels.length === 0 || channels.length > MaxStreamChannels) fail(`channels must be an array of 1 to ${MaxStreamChannels} names`);
    const seen = new Set<string>();
    for (const [index, name] of (channels as unknown[]).entries()) {
        if (!isName(name) || channelSpace(name) === null) fail(`channels[${index}] is not an arkit/, flame/ or gem/ channel name`);
        if (seen.has(name as string)) fail(`channels[${index}] "${name as string}" appears twice`);
        seen.add(name as string);
    }
    const ranges = record.ranges;
    if (!Array.isArray(ranges) || ranges.length !== (channels as unknown[]).length) fail(`ranges must hold one [min, max] per channel (${(channels as unknown[]).length})`);
    for (const [index, range] of (ranges as unknown[]).entries()) {
        // Bounded so that max − min and every decoded value stay finite (±1e308 would decode to NaN).
        if (!Array.isArray(range) || range.length !== 2 || !(Math.abs(range[0]) <= MaxChannelRange) || !(Math.abs(range[1]) <= MaxChannelRange) || !(range[1] > range[0])) {
            fail(`ranges[${index}] must be [min, max] with min < max inside ±${MaxChannelRange}`);
        }
    }
    const bits = record.bits;
    if (typeof bits !== "number" || !Number.isInteger(bits) || bits < 4 || bits > 16) fail("bits must be an integer from 4 to 16");
    const frameRate = record.frameRate;
    if (typeof frameRate !== "number" || !Number.isFinite(frameRate) || frameRate < 1 || frameRate > 120) fail("frameRate must be a number from 1 to 120");
    return {
        format: ExpressionStreamFormat,
        version: ExpressionStreamVersion,
        modelId: record.modelId as string,
        channels: [...(channels as string[])],
        ranges: (ranges as [number, number][]).map(([min, max]) => [min, max]),
        bits: bits as number,
        frameRate: frameRate as number,
    };
}

/**
 * Bytes of one frame of a stream.
 * @param descriptor stream descriptor
 * @returns header plus packed values
 */
export function expressionFrameByteLength(descriptor: ExpressionStreamDescriptor): number {
    return ExpressionFrameHeaderBytes + Math.ceil((descriptor.channels.length * descriptor.bits) / 8);
}

/**
 * Largest reconstruction error of a channel after quantisation (half a step).
 * @param descriptor stream descriptor
 * @param channel channel index
 * @returns half the quantisation step
 */
export function quantisationError(descriptor: ExpressionStreamDescriptor, channel: number): number {
    const [min, max] = descriptor.ranges[channel];
    return (max - min) / ((1 << descriptor.bits) - 1) / 2;
}

/**
 * Quantises and packs one frame.
 * @param descriptor stream descriptor
 * @param sequence sequence number (taken modulo 2^16)
 * @param timeMs sender clock in ms (taken modulo 2^16)
 * @param values one value per channel; clamped to the channel's range
 * @returns the frame bytes
 * @throws RoomError `invalid-frame` on a wrong value count or a non-finite value
 */
export function encodeExpressionFrame(descriptor: ExpressionStreamDescriptor, sequence: number, timeMs: number, values: ArrayLike<number>): Uint8Array {
    const count = descriptor.channels.length;
    if (values.length !== count) throw new RoomError("invalid-frame", "encode", `expected ${count} values, got ${values.length}`);
    const bytes = new Uint8Array(expressionFrameByteLength(descriptor));
    bytes[0] = ExpressionFrameTag;
    const seq = sequence & 0xffff;
    const time = Math.floor(timeMs) & 0xffff;
    bytes[1] = seq & 0xff;
    bytes[2] = seq >> 8;
    bytes[3] = time & 0xff;
    bytes[4] = time >> 8;
    const levels = (1 << descriptor.bits) - 1;
    let bitOffset = ExpressionFrameHeaderBytes * 8;
    for (let i = 0; i < count; i++) {
        const value = values[i];
        if (!Number.isFinite(value)) throw new RoomError("invalid-frame", "encode", `value ${i} (${descriptor.channels[i]}) is ${value}`);
        const [min, max] = descriptor.ranges[i];
        const clamped = Math.min(max, Math.max(min, value));
        const level = Math.round(((clamped - min) / (max - min)) * levels);
        for (let bit = 0; bit < descriptor.bits; bit++, bitOffset++) {
            if ((level >> bit) & 1) bytes[bitOffset >> 3] |= 1 << (bitOffset & 7);
        }
    }
    return bytes;
}

/**
 * Unpacks one frame; never trusts the byte count.
 * @param descriptor the sender's stream descriptor
 * @param bytes frame bytes
 * @param source who sent it, for the error message
 * @param out optional destination for the values
 * @returns the frame
 * @throws RoomError `invalid-frame` on a wrong tag or length
 */
export function decodeExpressionFrame(descriptor: ExpressionStreamDescriptor, bytes: Uint8Array, source: string, out?: Float32Array): ExpressionFrame {
    const expected = expressionFrameByteLength(descriptor);
    if (bytes.length !== expected) throw new RoomError("invalid-frame", source, `frame is ${bytes.length} bytes, the stream declares ${expected}`);
    if (bytes[0] !== ExpressionFrameTag) throw new RoomError("invalid-frame", source, `frame tag is ${bytes[0]}, expected ${ExpressionFrameTag}`);
    const count = descriptor.channels.length;
    const values = out ?? new Float32Array(count);
    if (values.length !== count) throw new RoomError("invalid-frame", source, `output holds ${values.length} values, the stream has ${count}`);
    const levels = (1 << descriptor.bits) - 1;
    let bitOffset = ExpressionFrameHeaderBytes * 8;
    for (let i = 0; i < count; i++) {
        let level = 0;
        for (let bit = 0; bit < descriptor.bits; bit++, bitOffset++) {
            level |= ((bytes[bitOffset >> 3] >> (bitOffset & 7)) & 1) << bit;
        }
        const [min, max] = descriptor.ranges[i];
        values[i] = min + (level / levels) * (max - min);
    }
    return { sequence: bytes[1] | (bytes[2] << 8), time: bytes[3] | (bytes[4] << 8), values };
}
