/**
 * The `.gem` web container: a 24-byte header, a JSON descriptor, then 16-byte-aligned little-endian arrays.
 * Pure code (no engine), shared by the scene loader, the tools and the tests. Specified in docs/FORMAT.md.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import {
    GemModel,
    GemSemanticChannels,
    GemSemanticOrder,
    type GemActivation,
    type GemAttributeGroup,
    type GemAttributeSemantic,
    type GemBasisStorage,
    type GemCoefficientUnits,
    type GemLinearDriver,
} from "../../core/GemModel.js";
import { fromHalfArray, toHalfArray } from "../../core/halfFloat.js";
import { requireFinite } from "../../core/errors/requireFinite.js";
import { jsonTextDepth } from "../../core/errors/boundedJson.js";

/** First eight bytes of every `.gem` file (PNG-style: catches text-mode and truncation damage). */
export const GemMagic = new Uint8Array([0x89, 0x47, 0x45, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Container version this code reads and writes. */
export const GemContainerVersion = 1;
/** Size of the fixed header in bytes. */
export const GemHeaderByteLength = 24;
/** Alignment of the binary section and of every array in it. */
export const GemAlignment = 16;

/** Limits enforced before any allocation; a file beyond them is rejected as `oversized`. */
export const GemLimits = {
    /** Largest descriptor accepted. */
    maxDescriptorBytes: 4 * 1024 * 1024,
    /** Most Gaussians per model (float indices in Babylon's splat shaders are exact to 2^24). */
    maxGaussians: 1 << 24,
    /** Most components per group. */
    maxComponents: 4096,
    /** Most inputs of a driver map. */
    maxDriverInputs: 4096,
    /** Largest binary section (2 GiB). */
    maxBinaryBytes: 2 ** 31,
    /** Deepest nesting of the JSON descriptor (metadata included). */
    maxDescriptorDepth: 64,
};

/** Storage type of an array in a `.gem` file. */
export type GemArrayDtype = "float32" | "float16" | "uint8";

/** Location of one array inside the binary section. */
export interface GemArrayRef {
    /** Element type. */
    dtype: GemArrayDtype;
    /** Byte offset from the start of the binary section (multiple of 16). */
    offset: number;
    /** Byte length (element count × element size). */
    byteLength: number;
    /** For uint8 arrays: float32 array of `scale[n]` then `offset[n]` (n = components for bases, channels for means). */
    quantization?: GemArrayRef;
}

/** One group in the JSON descriptor. */
export interface GemGroupDescriptor {
    name: string;
    semantic: GemAttributeSemantic;
    channels: number;
    components: number;
    activation: GemActivation;
    componentNames?: string[];
    mean: GemArrayRef;
    eigenvalues?: GemArrayRef;
    basis?: GemArrayRef;
}

/** One linear driver map in the JSON descriptor. */
export interface GemDriverDescriptor {
    name: string;
    inputs: string[];
    labels?: string[];
    /** float32, totalComponents × inputs.length, row-major. */
    matrix: GemArrayRef;
    /** float32, totalComponents. */
    bias: GemArrayRef;
}

/** The JSON descriptor of a `.gem` file. */
export interface GemDescriptor {
    generator?: string;
    gaussianCount: number;
    coefficientUnits: GemCoefficientUnits;
    coordinateSystem?: { handedness: "right" | "left"; up: "y" | "z"; unit: "m" };
    metadata?: Record<string, unknown>;
    groups: GemGroupDescriptor[];
    /** Optional linear driver maps (absent in files without them). */
    drivers?: GemDriverDescriptor[];
}

/** Export options: storage types for means and bases. */
export interface GemWriteOptions {
    /** Storage of the bases (default float32). uint8 quantises each component with its own scale and offset. */
    basisDtype?: GemArrayDtype;
    /** Storage of the means (default float32). uint8 quantises each channel with its own scale and offset. */
    meanDtype?: GemArrayDtype;
    /** Written into the descriptor's `generator` field. */
    generator?: string;
}

const dtypeSize: Record<GemArrayDtype, number> = { float32: 4, float16: 2, uint8: 1 };
const activations: readonly GemActivation[] = ["none", "exp", "sigmoid", "normalize"];

function align(n: number): number {
    return Math.ceil(n / GemAlignment) * GemAlignment;
}

/** A mean or quantisation array decoded to float32, whatever its storage. */
function decodeFloats(bytes: Uint8Array, ref: GemArrayRef, count: number, quant: Float32Array | null, channels: number): Float32Array {
    if (ref.dtype === "float32") {
        return copyTyped(bytes, Float32Array, count);
    }
    if (ref.dtype === "float16") {
        return fromHalfArray(copyTyped(bytes, Uint16Array, count));
    }
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
        const c = i % channels;
        out[i] = quant![channels + c] + (quant![c] * bytes[i]) / 255;
    }
    return out;
}

function copyTyped<T extends Float32Array | Uint16Array>(bytes: Uint8Array, type: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, count: number): T {
    const copy = new Uint8Array(count * type.BYTES_PER_ELEMENT);
    copy.set(bytes.subarray(0, copy.byteLength));
    return new type(copy.buffer);
}

/**
 * Parses a `.gem` file. Every count and size is checked against the buffer before anything is allocated.
 * @param data file contents
 * @param fileName name used in errors
 * @returns the model
 * @throws GemFormatError on any malformed input
 */
export function parseGemFile(data: ArrayBuffer | ArrayBufferView, fileName = "avatar.gem"): GemModel {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength < GemHeaderByteLength) {
        throw new GemFormatError("truncated", fileName, "header", `${GemHeaderByteLength} bytes`, `${bytes.byteLength} bytes`);
    }
    for (let i = 0; i < GemMagic.length; i++) {
        if (bytes[i] !== GemMagic[i]) {
            throw new GemFormatError(
                "bad-magic",
                fileName,
                "header.magic",
                "89 47 45 4d 0d 0a 1a 0a",
                Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ")
            );
        }
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = view.getUint32(8, true);
    if (version !== GemContainerVersion) {
        throw new GemFormatError("bad-version", fileName, "header.version", GemContainerVersion, version);
    }
    const descriptorLength = view.getUint32(12, true);
    const binaryLength = view.getUint32(16, true);
    const flags = view.getUint32(20, true);
    if (flags !== 0) {
        throw new GemFormatError("unsupported", fileName, "header.flags", 0, flags);
    }
    if (descriptorLength > GemLimits.maxDescriptorBytes) {
        throw new GemFormatError("oversized", fileName, "header.descriptorByteLength", `at most ${GemLimits.maxDescriptorBytes}`, descriptorLength);
    }
    if (binaryLength > GemLimits.maxBinaryBytes) {
        throw new GemFormatError("oversized", fileName, "header.binaryByteLength", `at most ${GemLimits.maxBinaryBytes}`, binaryLength);
    }
    const binaryStart = align(GemHeaderByteLength + descriptorLength);
    const expectedSize = binaryStart + binaryLength;
    if (bytes.byteLength < expectedSize) {
        throw new GemFormatError("truncated", fileName, "file size", `${expectedSize} bytes (header + descriptor + binary)`, `${bytes.byteLength} bytes`);
    }
    if (bytes.byteLength > expectedSize) {
        throw new GemFormatError("size-mismatch", fileName, "file size", `${expectedSize} bytes`, `${bytes.byteLength} bytes (trailing data)`);
    }
    let text: string;
    try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(GemHeaderByteLength, GemHeaderByteLength + descriptorLength));
    } catch (e) {
        throw new GemFormatError("invalid-descriptor", fileName, "descriptor", "UTF-8 JSON", (e as Error).message, { cause: e });
    }
    // Nesting is bounded on the text, before JSON.parse builds anything.
    if (jsonTextDepth(text, GemLimits.maxDescriptorDepth) > GemLimits.maxDescriptorDepth) {
        throw new GemFormatError(
            "invalid-descriptor",
            fileName,
            "descriptor nesting",
            `at most ${GemLimits.maxDescriptorDepth} levels`,
            `more than ${GemLimits.maxDescriptorDepth}`
        );
    }
    let descriptor: GemDescriptor;
    try {
        descriptor = JSON.parse(text);
    } catch (e) {
        throw new GemFormatError("invalid-descriptor", fileName, "descriptor", "UTF-8 JSON", (e as Error).message, { cause: e });
    }
    const binary = bytes.subarray(binaryStart, expectedSize);
    return modelFromDescriptor(descriptor, binary, fileName);
}

/**
 * A short description of a descriptor value for an error message: at most 80 characters and 4 levels, so a hostile,
 * deeply nested or huge value never overflows the stack or floods the message.
 * @param value the value
 * @returns text
 */
export function describeJson(value: unknown): string {
    const describe = (v: unknown, depth: number): string => {
        if (Array.isArray(v)) {
            return depth >= 4
                ? "[…]"
                : `[${v
                      .slice(0, 4)
                      .map((x) => describe(x, depth + 1))
                      .join(",")}${v.length > 4 ? ",…" : ""}]`;
        }
        if (typeof v === "object" && v !== null) {
            const keys = Object.keys(v);
            return depth >= 4
                ? "{…}"
                : `{${keys
                      .slice(0, 4)
                      .map((k) => `${JSON.stringify(k.slice(0, 20))}:${describe((v as Record<string, unknown>)[k], depth + 1)}`)
                      .join(",")}${keys.length > 4 ? ",…" : ""}}`;
        }
        return typeof v === "string" ? JSON.stringify(v.slice(0, 40)) : String(v);
    };
    const text = describe(value, 0);
    return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function expectObject(value: unknown, fileName: string, field: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new GemFormatError("invalid-descriptor", fileName, field, "an object", describeJson(value));
    }
    return value as Record<string, unknown>;
}

function expectCount(value: unknown, fileName: string, field: string, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
        throw new GemFormatError("invalid-descriptor", fileName, field, `an integer >= ${min}`, describeJson(value));
    }
    if (value > max) {
        throw new GemFormatError("oversized", fileName, field, `at most ${max}`, value);
    }
    return value;
}

/** Checks an array reference against the expected element count and the binary section; returns its bytes. */
function checkArray(
    refValue: unknown,
    binary: Uint8Array,
    count: number,
    allowed: readonly GemArrayDtype[],
    fileName: string,
    field: string
): { ref: GemArrayRef; bytes: Uint8Array } {
    const ref = expectObject(refValue, fileName, field) as unknown as GemArrayRef;
    if (!allowed.includes(ref.dtype)) {
        throw new GemFormatError("invalid-descriptor", fileName, `${field}.dtype`, allowed.join(" | "), String(ref.dtype));
    }
    const offset = expectCount(ref.offset, fileName, `${field}.offset`, 0, Number.MAX_SAFE_INTEGER);
    const byteLength = expectCount(ref.byteLength, fileName, `${field}.byteLength`, 0, Number.MAX_SAFE_INTEGER);
    if (offset % GemAlignment !== 0) {
        throw new GemFormatError("invalid-descriptor", fileName, `${field}.offset`, `a multiple of ${GemAlignment}`, offset);
    }
    const expected = count * dtypeSize[ref.dtype];
    if (byteLength !== expected) {
        throw new GemFormatError("size-mismatch", fileName, `${field}.byteLength`, `${expected} (${count} × ${ref.dtype})`, byteLength);
    }
    if (offset + byteLength > binary.byteLength) {
        throw new GemFormatError(
            "truncated",
            fileName,
            `${field}`,
            `bytes ${offset}..${offset + byteLength} inside the ${binary.byteLength}-byte binary section`,
            `end at ${offset + byteLength}`
        );
    }
    return { ref, bytes: binary.subarray(offset, offset + byteLength) };
}

function checkFiniteHalf(values: Uint16Array, fileName: string, field: string): void {
    for (let i = 0; i < values.length; i++) {
        if ((values[i] & 0x7c00) === 0x7c00) {
            throw new GemFormatError("non-finite", fileName, `${field}[${i}]`, "a finite float16", values[i] & 0x3ff ? "NaN" : "Infinity");
        }
    }
}

function readQuantization(ref: GemArrayRef, binary: Uint8Array, n: number, fileName: string, field: string): Float32Array {
    if (!ref.quantization) {
        throw new GemFormatError("invalid-descriptor", fileName, `${field}.quantization`, "scale and offset for uint8 data", "none");
    }
    const q = checkArray(ref.quantization, binary, 2 * n, ["float32"], fileName, `${field}.quantization`);
    const values = copyTyped(q.bytes, Float32Array, 2 * n);
    requireFinite(values, fileName, `${field}.quantization`);
    return values;
}

function modelFromDescriptor(descriptorValue: unknown, binary: Uint8Array, fileName: string): GemModel {
    const descriptor = expectObject(descriptorValue, fileName, "descriptor") as unknown as GemDescriptor;
    const g = expectCount(descriptor.gaussianCount, fileName, "gaussianCount", 1, GemLimits.maxGaussians);
    const units = descriptor.coefficientUnits ?? "stddev";
    if (units !== "stddev" && units !== "raw") {
        throw new GemFormatError("invalid-descriptor", fileName, "coefficientUnits", '"stddev" | "raw"', String(units));
    }
    if (!Array.isArray(descriptor.groups)) {
        throw new GemFormatError("invalid-descriptor", fileName, "groups", "an array", typeof descriptor.groups);
    }
    if (descriptor.groups.length !== GemSemanticOrder.length) {
        throw new GemFormatError("invalid-descriptor", fileName, "groups.length", GemSemanticOrder.length, descriptor.groups.length);
    }
    const groups: GemAttributeGroup[] = descriptor.groups.map((groupValue, index) => {
        const field = `groups[${index}]`;
        const group = expectObject(groupValue, fileName, field) as unknown as GemGroupDescriptor;
        if (typeof group.name !== "string") {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.name`, "a string", String(group.name));
        }
        if (!GemSemanticOrder.includes(group.semantic)) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.semantic`, GemSemanticOrder.join(" | "), String(group.semantic));
        }
        const channels = GemSemanticChannels[group.semantic];
        if (group.channels !== channels) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.channels`, channels, String(group.channels));
        }
        if (!activations.includes(group.activation)) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.activation`, activations.join(" | "), String(group.activation));
        }
        const k = expectCount(group.components, fileName, `${field}.components`, 0, GemLimits.maxComponents);
        const n = g * channels;
        const meanArray = checkArray(group.mean, binary, n, ["float32", "float16", "uint8"], fileName, `${field}.mean`);
        const meanQuant = meanArray.ref.dtype === "uint8" ? readQuantization(meanArray.ref, binary, channels, fileName, `${field}.mean`) : null;
        if (meanArray.ref.dtype === "float16") {
            checkFiniteHalf(copyTyped(meanArray.bytes, Uint16Array, n), fileName, `${field}.mean`);
        }
        const mean = decodeFloats(meanArray.bytes, meanArray.ref, n, meanQuant, channels);
        requireFinite(mean, fileName, `${field}.mean`);
        let eigenvalues = new Float32Array(0);
        let basis: GemBasisStorage | null = null;
        if (k > 0) {
            const ev = checkArray(group.eigenvalues, binary, k, ["float32"], fileName, `${field}.eigenvalues`);
            // Basis sizes are checked before either array is copied out of the file.
            const basisArray = checkArray(group.basis, binary, k * n, ["float32", "float16", "uint8"], fileName, `${field}.basis`);
            eigenvalues = copyTyped(ev.bytes, Float32Array, k);
            requireFinite(eigenvalues, fileName, `${field}.eigenvalues`);
            for (let i = 0; i < k; i++) {
                if (eigenvalues[i] < 0) {
                    throw new GemFormatError("invalid-descriptor", fileName, `${field}.eigenvalues[${i}]`, "a variance >= 0", eigenvalues[i]);
                }
            }
            if (basisArray.ref.dtype === "float32") {
                const values = copyTyped(basisArray.bytes, Float32Array, k * n);
                requireFinite(values, fileName, `${field}.basis`);
                basis = { dtype: "float32", data: values };
            } else if (basisArray.ref.dtype === "float16") {
                const values = copyTyped(basisArray.bytes, Uint16Array, k * n);
                checkFiniteHalf(values, fileName, `${field}.basis`);
                basis = { dtype: "float16", data: values };
            } else {
                const quant = readQuantization(basisArray.ref, binary, k, fileName, `${field}.basis`);
                basis = { dtype: "uint8", data: basisArray.bytes.slice(), scale: quant.slice(0, k), offset: quant.slice(k) };
            }
        } else if (group.basis) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.basis`, "absent when components = 0", "present");
        }
        if (
            group.componentNames !== undefined &&
            (!Array.isArray(group.componentNames) || group.componentNames.length !== k || group.componentNames.some((s) => typeof s !== "string"))
        ) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.componentNames`, `${k} strings`, describeJson(group.componentNames));
        }
        return {
            name: group.name,
            semantic: group.semantic,
            channels,
            components: k,
            activation: group.activation,
            mean,
            basis,
            eigenvalues,
            componentNames: group.componentNames,
        };
    });
    const total = groups.reduce((sum, group) => sum + group.components, 0);
    let drivers: GemLinearDriver[] = [];
    if (descriptor.drivers !== undefined) {
        if (!Array.isArray(descriptor.drivers)) {
            throw new GemFormatError("invalid-descriptor", fileName, "drivers", "an array", typeof descriptor.drivers);
        }
        drivers = descriptor.drivers.map((driverValue, index) => {
            const field = `drivers[${index}]`;
            const driver = expectObject(driverValue, fileName, field) as unknown as GemDriverDescriptor;
            if (!Array.isArray(driver.inputs)) {
                throw new GemFormatError("invalid-descriptor", fileName, `${field}.inputs`, "an array of names", typeof driver.inputs);
            }
            const p = expectCount(driver.inputs.length, fileName, `${field}.inputs.length`, 1, GemLimits.maxDriverInputs);
            const matrix = checkArray(driver.matrix, binary, total * p, ["float32"], fileName, `${field}.matrix`);
            const bias = checkArray(driver.bias, binary, total, ["float32"], fileName, `${field}.bias`);
            return {
                name: driver.name,
                inputs: driver.inputs,
                labels: driver.labels,
                matrix: copyTyped(matrix.bytes, Float32Array, total * p),
                bias: copyTyped(bias.bytes, Float32Array, total),
            };
        });
    }
    return new GemModel({
        gaussianCount: g,
        groups,
        coefficientUnits: units,
        metadata: descriptor.metadata && typeof descriptor.metadata === "object" ? descriptor.metadata : {},
        drivers,
        fileName,
    });
}

/** Computes min-max quantisation of `count` runs of `n` values each (one scale/offset per run). */
function quantizeRuns(values: Float32Array, runs: number, n: number, strideOf: (run: number, i: number) => number): { bytes: Uint8Array; quant: Float32Array } {
    const bytes = new Uint8Array(values.length);
    const quant = new Float32Array(2 * runs);
    for (let r = 0; r < runs; r++) {
        let min = Infinity;
        let max = -Infinity;
        for (let i = 0; i < n; i++) {
            const v = values[strideOf(r, i)];
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        const range = max - min;
        quant[r] = range;
        quant[runs + r] = min;
        for (let i = 0; i < n; i++) {
            const index = strideOf(r, i);
            bytes[index] = range > 0 ? Math.round(((values[index] - min) / range) * 255) : 0;
        }
    }
    return { bytes, quant };
}

/**
 * Serialises a model as a `.gem` file.
 * @param model the model
 * @param options storage types
 * @returns the file bytes
 */
export function serializeGemFile(model: GemModel, options: GemWriteOptions = {}): Uint8Array {
    const basisDtype = options.basisDtype ?? "float32";
    const meanDtype = options.meanDtype ?? "float32";
    const chunks: { offset: number; bytes: Uint8Array }[] = [];
    let cursor = 0;
    const push = (bytes: Uint8Array, dtype: GemArrayDtype, quantization?: GemArrayRef): GemArrayRef => {
        const ref: GemArrayRef = { dtype, offset: cursor, byteLength: bytes.byteLength };
        if (quantization) {
            ref.quantization = quantization;
        }
        chunks.push({ offset: cursor, bytes });
        cursor = align(cursor + bytes.byteLength);
        return ref;
    };
    const asBytes = (a: Float32Array | Uint16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const encode = (values: Float32Array, dtype: GemArrayDtype, runs: number, n: number, strideOf: (run: number, i: number) => number): GemArrayRef => {
        if (dtype === "float32") {
            return push(asBytes(values), "float32");
        }
        if (dtype === "float16") {
            return push(asBytes(toHalfArray(values)), "float16");
        }
        const { bytes, quant } = quantizeRuns(values, runs, n, strideOf);
        const quantRef = push(asBytes(quant), "float32");
        return push(bytes, "uint8", quantRef);
    };
    const groups: GemGroupDescriptor[] = model.groups.map((group) => {
        const n = group.mean.length;
        const c = group.channels;
        const descriptor: GemGroupDescriptor = {
            name: group.name,
            semantic: group.semantic,
            channels: c,
            components: group.components,
            activation: group.activation,
            mean: encode(group.mean, meanDtype, c, n / c, (run, i) => i * c + run),
        };
        if (group.componentNames) {
            descriptor.componentNames = group.componentNames;
        }
        if (group.components > 0 && group.basis) {
            descriptor.eigenvalues = push(asBytes(group.eigenvalues.slice()), "float32");
            const basis = group.basis;
            if (basis.dtype === basisDtype) {
                // Same storage: write as stored, so a float16 or uint8 model survives a round trip bit for bit.
                if (basis.dtype === "uint8") {
                    const quant = new Float32Array(2 * group.components);
                    quant.set(basis.scale);
                    quant.set(basis.offset, group.components);
                    descriptor.basis = push(basis.data, "uint8", push(asBytes(quant), "float32"));
                } else {
                    descriptor.basis = push(asBytes(basis.data), basis.dtype);
                }
            } else {
                descriptor.basis = encode(GemModel.DequantizeBasis(group), basisDtype, group.components, n, (run, i) => run * n + i);
            }
        }
        return descriptor;
    });
    const descriptor: GemDescriptor = {
        generator: options.generator ?? "babylon-gem-avatars",
        gaussianCount: model.gaussianCount,
        coefficientUnits: model.coefficientUnits,
        coordinateSystem: { handedness: "right", up: "y", unit: "m" },
        metadata: model.metadata,
        groups,
    };
    if (model.drivers.length > 0) {
        descriptor.drivers = model.drivers.map((driver) => {
            const entry: GemDriverDescriptor = {
                name: driver.name,
                inputs: driver.inputs,
                matrix: push(asBytes(driver.matrix.slice()), "float32"),
                bias: push(asBytes(driver.bias.slice()), "float32"),
            };
            if (driver.labels) {
                entry.labels = driver.labels;
            }
            return entry;
        });
    }
    const json = new TextEncoder().encode(JSON.stringify(descriptor));
    const binaryStart = align(GemHeaderByteLength + json.byteLength);
    const binaryLength = cursor;
    const out = new Uint8Array(binaryStart + binaryLength);
    out.set(GemMagic, 0);
    const view = new DataView(out.buffer);
    view.setUint32(8, GemContainerVersion, true);
    view.setUint32(12, json.byteLength, true);
    view.setUint32(16, binaryLength, true);
    view.setUint32(20, 0, true);
    out.set(json, GemHeaderByteLength);
    out.fill(0x20, GemHeaderByteLength + json.byteLength, binaryStart);
    for (const chunk of chunks) {
        out.set(chunk.bytes, binaryStart + chunk.offset);
    }
    return out;
}
