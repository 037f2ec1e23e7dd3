/**
 * N-dimensional arrays as numpy and PyTorch store them, and the `.npy` format.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { fromHalfArray } from "../../core/halfFloat.js";

/** Element types read from research files. */
export type NdDtype = "float16" | "float32" | "float64" | "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "int64" | "uint64" | "bool";

/** A dense, C-ordered array. int64 values are stored in a Float64Array (exact below 2^53). */
export interface NdArray {
    /** Element type as stored in the file. */
    dtype: NdDtype;
    /** Shape. */
    shape: number[];
    /** Values, C order. */
    data: Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | Uint16Array | Uint32Array;
}

/** Bytes per element of each dtype. */
export const NdDtypeSize: Readonly<Record<NdDtype, number>> = {
    float16: 2,
    float32: 4,
    float64: 8,
    int8: 1,
    uint8: 1,
    int16: 2,
    uint16: 2,
    int32: 4,
    uint32: 4,
    int64: 8,
    uint64: 8,
    bool: 1,
};

const numpyCodes: Record<string, NdDtype> = {
    f2: "float16",
    f4: "float32",
    f8: "float64",
    i1: "int8",
    u1: "uint8",
    b1: "bool",
    i2: "int16",
    u2: "uint16",
    i4: "int32",
    u4: "uint32",
    i8: "int64",
    u8: "uint64",
};

/**
 * Maps a numpy type string (`<f4`, `|u1`, `f8`...) to a dtype.
 * @param descr numpy descr
 * @param fileName for errors
 * @param field for errors
 * @returns dtype and whether the data is big-endian
 */
export function parseNumpyDescr(descr: string, fileName: string, field: string): { dtype: NdDtype; bigEndian: boolean } {
    const match = /^([<>|=]?)([fiub][1248])$/.exec(descr);
    const dtype = match ? numpyCodes[match[2]] : undefined;
    if (!match || !dtype) {
        throw new GemFormatError("unsupported", fileName, `${field}.dtype`, "a numeric numpy dtype (f2, f4, f8, i1-i8, u1-u8, b1)", descr);
    }
    return { dtype, bigEndian: match[1] === ">" };
}

/**
 * Copies little- or big-endian bytes into a typed array of the dtype (float16 is decoded to float32, int64 to float64).
 * @param bytes element bytes (count × element size)
 * @param dtype element type
 * @param shape array shape
 * @param bigEndian byte order
 * @returns the array
 */
export function ndArrayFromBytes(bytes: Uint8Array, dtype: NdDtype, shape: number[], bigEndian = false): NdArray {
    const size = NdDtypeSize[dtype];
    const count = shape.reduce((a, b) => a * b, 1);
    const copy = new Uint8Array(count * size);
    copy.set(bytes.subarray(0, count * size));
    if (bigEndian && size > 1) {
        for (let i = 0; i < copy.length; i += size) {
            copy.subarray(i, i + size).reverse();
        }
    }
    let data: NdArray["data"];
    switch (dtype) {
        case "float16":
            data = fromHalfArray(new Uint16Array(copy.buffer));
            break;
        case "float32":
            data = new Float32Array(copy.buffer);
            break;
        case "float64":
            data = new Float64Array(copy.buffer);
            break;
        case "int8":
            data = new Int8Array(copy.buffer);
            break;
        case "uint8":
        case "bool":
            data = copy;
            break;
        case "int16":
            data = new Int16Array(copy.buffer);
            break;
        case "uint16":
            data = new Uint16Array(copy.buffer);
            break;
        case "int32":
            data = new Int32Array(copy.buffer);
            break;
        case "uint32":
            data = new Uint32Array(copy.buffer);
            break;
        case "int64":
        case "uint64": {
            const view = new DataView(copy.buffer);
            const out = new Float64Array(count);
            for (let i = 0; i < count; i++) {
                out[i] = Number(dtype === "int64" ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true));
            }
            data = out;
            break;
        }
    }
    return { dtype, shape, data };
}

/**
 * Reorders column-major values to row-major.
 * @param values Fortran-ordered values
 * @param shape the array's shape
 * @returns C-ordered values of the same type
 */
export function fortranToC<T extends NdArray["data"]>(values: T, shape: number[]): T {
    const out = new (values.constructor as { new (n: number): T })(values.length);
    const index = new Array<number>(shape.length).fill(0);
    for (let c = 0; c < values.length; c++) {
        let f = 0;
        let stride = 1;
        for (let d = 0; d < shape.length; d++) {
            f += index[d] * stride;
            stride *= shape[d];
        }
        out[c] = values[f];
        for (let d = shape.length - 1; d >= 0; d--) {
            if (++index[d] < shape[d]) {
                break;
            }
            index[d] = 0;
        }
    }
    return out;
}

/** Largest element count accepted in one array (2^31 - 1: beyond what any typed array or texture here can hold). */
export const MaxNdElements = 0x7fffffff;

/** A `.npy` entry whose dtype is not numeric (strings, objects, structured records): kept out of the arrays. */
export interface NpyNonNumeric {
    /** The numpy descr, for example `<U5` or `|O`. */
    descr: string;
    /** Its shape. */
    shape: number[];
    /** The values of a fixed-width string array (`<U…` UTF-32, `|S…` bytes), C order; absent for other dtypes. */
    strings?: string[];
}

/**
 * Parses a `.npy` file (format versions 1 to 3, C or Fortran order; Fortran data are reordered to C order).
 * @param bytes file contents
 * @param fileName for errors
 * @returns the array
 */
export function parseNpy(bytes: Uint8Array, fileName: string): NdArray {
    const parsed = parseNpyEntry(bytes, fileName);
    if ("descr" in parsed) {
        throw new GemFormatError("unsupported", fileName, "npy.dtype", "a numeric numpy dtype (f2, f4, f8, i1-i8, u1-u8, b1)", parsed.descr);
    }
    return parsed;
}

/**
 * Parses a `.npy` file, or describes it when its dtype is not numeric (numpy strings `<U…`/`|S…`, objects `|O`,
 * records), which an npz of research code often holds beside its arrays (VHAP's `timestep_id`, FLAME's `bs_style`).
 * @param bytes file contents
 * @param fileName for errors
 * @returns the array, or the descr and shape of a non-numeric entry
 */
export function parseNpyEntry(bytes: Uint8Array, fileName: string): NdArray | NpyNonNumeric {
    const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
    if (bytes.byteLength < 12 || magic.some((b, i) => bytes[i] !== b)) {
        throw new GemFormatError("bad-magic", fileName, "npy magic", "\\x93NUMPY", Array.from(bytes.subarray(0, 6), (b) => b.toString(16)).join(" "));
    }
    const major = bytes[6];
    if (major < 1 || major > 3) {
        throw new GemFormatError("bad-version", fileName, "npy version", "1, 2 or 3", major);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    const headerStart = major === 1 ? 10 : 12;
    if (headerStart + headerLength > bytes.byteLength) {
        throw new GemFormatError("truncated", fileName, "npy header", `${headerLength} bytes`, `${bytes.byteLength - headerStart} bytes`);
    }
    const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, headerStart + headerLength));
    const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
    const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
    const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
    if (!descr || !fortran || shapeText === undefined) {
        throw new GemFormatError("invalid-descriptor", fileName, "npy header", "descr, fortran_order and shape", header.trim().slice(0, 200));
    }
    const shape = shapeText
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .map((s) => {
            if (!/^\d{1,10}L?$/.test(s)) {
                throw new GemFormatError("invalid-descriptor", fileName, "npy shape", "non-negative decimal integers", `(${shapeText})`);
            }
            return Number(s.replace(/L$/, ""));
        });
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > MaxNdElements) {
        throw new GemFormatError("oversized", fileName, "npy shape", `at most ${MaxNdElements} elements`, `(${shape.join(", ")})`);
    }
    if (!/^[<>|=]?[fiub][1248]$/.test(descr)) {
        // Fixed-width strings are decoded; objects and records are described, not decoded (an object array is a
        // pickle, never run).
        const text = /^([<>|=]?)([US])(\d{1,6})$/.exec(descr);
        if (text) {
            const width = Number(text[3]);
            const unit = text[2] === "U" ? 4 : 1;
            const dataStart = headerStart + headerLength;
            if (bytes.byteLength - dataStart !== count * width * unit) {
                throw new GemFormatError(
                    "size-mismatch",
                    fileName,
                    "npy data",
                    `${count * width * unit} bytes for shape (${shape.join(", ")}) ${descr}`,
                    `${bytes.byteLength - dataStart} bytes`
                );
            }
            const strings: string[] = [];
            for (let i = 0; i < count; i++) {
                let value = "";
                for (let c = 0; c < width; c++) {
                    const at = dataStart + (i * width + c) * unit;
                    const code = unit === 4 ? view.getUint32(at, text[1] !== ">") : bytes[at];
                    if (code === 0) {
                        break;
                    }
                    value += code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
                }
                strings.push(value);
            }
            return { descr, shape, strings };
        }
        return { descr, shape };
    }
    const { dtype, bigEndian } = parseNumpyDescr(descr, fileName, "npy");
    const dataStart = headerStart + headerLength;
    const expected = count * NdDtypeSize[dtype];
    if (bytes.byteLength - dataStart !== expected) {
        throw new GemFormatError(
            bytes.byteLength - dataStart < expected ? "truncated" : "size-mismatch",
            fileName,
            "npy data",
            `${expected} bytes for shape (${shape.join(", ")}) ${descr}`,
            `${bytes.byteLength - dataStart} bytes`
        );
    }
    if (fortran === "True" && shape.length > 1) {
        // Column-major: read with the dimensions reversed, then reorder to C order.
        const columnMajor = ndArrayFromBytes(bytes.subarray(dataStart), dtype, [...shape].reverse(), bigEndian);
        return { dtype, shape, data: fortranToC(columnMajor.data, shape) };
    }
    return ndArrayFromBytes(bytes.subarray(dataStart), dtype, shape, bigEndian);
}

/** What a key must hold: floating-point values, integer indices, or any numbers. */
export type NdKind = "float" | "integer" | "numeric";

/**
 * Checks that an array's dtype is of the kind a key must hold, so a same-size dtype swap (float32 bytes declared as
 * int32, say) is refused instead of read as rotations of 10^9 radians.
 * @param array the array
 * @param kind what the key holds
 * @param fileName for errors
 * @param key for errors
 * @returns the array
 */
export function requireKind(array: NdArray, kind: NdKind, fileName: string, key: string): NdArray {
    const isFloat = array.dtype === "float16" || array.dtype === "float32" || array.dtype === "float64";
    if ((kind === "float" && !isFloat) || (kind === "integer" && (isFloat || array.dtype === "bool"))) {
        throw new GemFormatError(
            "unsupported",
            fileName,
            `${key}.dtype`,
            kind === "float" ? "a floating-point dtype (f2, f4, f8)" : "an integer dtype (i1-i8, u1-u8)",
            array.dtype
        );
    }
    return array;
}
