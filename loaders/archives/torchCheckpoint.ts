/**
 * Reads PyTorch checkpoints (`torch.save`: a ZIP archive holding `data.pkl` and one file per tensor storage) without
 * Python. The unpickler understands only what such files contain (dicts, lists, tuples, strings, numbers, numpy
 * arrays, tensors); any other global is refused by name, so no code is ever run from the file.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { GemError } from "../../core/errors/GemError.js";
import { fortranToC, MaxNdElements, ndArrayFromBytes, NdDtypeSize, parseNumpyDescr, type NdArray, type NdDtype } from "./ndArray.js";
import { ZipArchive, type InflateRaw } from "./zipArchive.js";

/** A value read from a pickle. Dicts become Maps (keys can be numbers), tuples and lists arrays. */
export type PickleValue = null | boolean | number | bigint | string | Uint8Array | NdArray | PickleValue[] | Map<PickleValue, PickleValue> | PickleObject;

/** An object we recognise but do not turn into data (dtypes, storage types, OrderedDict hooks). */
export class PickleObject {
    /**
     * @param kind what it stands for, for example `numpy.dtype` or `torch.FloatStorage`
     * @param state extra data
     */
    constructor(
        public readonly kind: string,
        public state: unknown = null
    ) {}
}

const storageDtypes: Record<string, NdDtype> = {
    FloatStorage: "float32",
    DoubleStorage: "float64",
    HalfStorage: "float16",
    LongStorage: "int64",
    IntStorage: "int32",
    ShortStorage: "int16",
    CharStorage: "int8",
    ByteStorage: "uint8",
    BoolStorage: "bool",
};

const MARK = Symbol("mark");
type StackItem = PickleValue | typeof MARK | ((...args: PickleValue[]) => PickleValue);

/** Limits against hostile files. */
const maxMemo = 1 << 20;
const maxStack = 1 << 20;

/**
 * Unpickles protocol 0–5 data restricted to the globals PyTorch and numpy checkpoints use.
 * @param bytes the pickle
 * @param fileName for errors
 * @param loadStorage resolves a persistent storage id (`('storage', type, key, location, numel)`)
 * @returns the root value
 */
export function unpickle(bytes: Uint8Array, fileName: string, loadStorage: (dtype: NdDtype, key: string, numel: number) => NdArray): PickleValue {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const decoder = new TextDecoder();
    const latin1 = new TextDecoder("latin1");
    let at = 0;
    const stack: StackItem[] = [];
    const memo = new Map<number, StackItem>();
    const marks: number[] = [];
    const fail = (what: string, found: string | number): never => {
        throw new GemFormatError("invalid-descriptor", fileName, `pickle at byte ${at}`, what, found);
    };
    const need = (n: number) => {
        if (at + n > bytes.byteLength) {
            throw new GemFormatError("truncated", fileName, `pickle at byte ${at}`, `${n} more bytes`, `${bytes.byteLength - at}`);
        }
    };
    /** Checks that `n` bytes remain and advances past them; returns where they start. */
    const skip = (n: number): number => {
        need(n);
        at += n;
        return at - n;
    };
    const u8 = () => bytes[skip(1)];
    const u16 = () => view.getUint16(skip(2), true);
    const u32 = () => view.getUint32(skip(4), true);
    const i32 = () => view.getInt32(skip(4), true);
    const u64 = () => {
        need(8);
        const value = Number(view.getBigUint64(at, true));
        at += 8;
        return value;
    };
    const take = (n: number) => {
        need(n);
        at += n;
        return bytes.subarray(at - n, at);
    };
    const line = () => {
        const end = bytes.indexOf(0x0a, at);
        if (end < 0) {
            fail("a newline-terminated name", "end of data");
        }
        const text = latin1.decode(bytes.subarray(at, end));
        at = end + 1;
        return text;
    };
    const push = (value: StackItem) => {
        if (stack.length >= maxStack) {
            fail(`at most ${maxStack} stack items`, stack.length);
        }
        stack.push(value);
    };
    const pop = (): StackItem => (stack.length ? stack.pop()! : fail("a value on the stack", "empty stack"));
    const popMark = (): StackItem[] => {
        const start = marks.pop();
        if (start === undefined) {
            fail("a MARK", "none");
        }
        return stack.splice(start!);
    };
    const top = (): StackItem => (stack.length ? stack[stack.length - 1] : fail("a value on the stack", "empty stack"));
    const memoize = (index: number) => {
        if (memo.size >= maxMemo && !memo.has(index)) {
            fail(`at most ${maxMemo} memo entries`, memo.size);
        }
        memo.set(index, top());
    };

    const findGlobal = (module: string, name: string): StackItem => {
        const full = `${module}.${name}`;
        if (full === "_codecs.encode") {
            return (text: PickleValue) => {
                const s = text as string;
                const out = new Uint8Array(s.length);
                for (let i = 0; i < s.length; i++) {
                    out[i] = s.charCodeAt(i) & 0xff;
                }
                return out;
            };
        }
        if (/^numpy\.(core|_core)\.multiarray\._reconstruct$/.test(full)) {
            return () => new PickleObject("numpy.ndarray", null);
        }
        if (full === "numpy.ndarray") {
            return new PickleObject("numpy.ndarray-class");
        }
        if (full === "numpy.dtype") {
            return (descr: PickleValue) => new PickleObject("numpy.dtype", { descr: String(descr), endian: "<" });
        }
        if (/^numpy\.(core|_core)\.multiarray\.scalar$/.test(full)) {
            return (dtype: PickleValue, raw: PickleValue) => {
                const d = dtype as PickleObject;
                const { descr, endian } = d.state as { descr: string; endian: string };
                const parsed = parseNumpyDescr(endian + descr.replace(/^[<>|=]/, ""), fileName, "numpy scalar");
                return ndArrayFromBytes(raw as Uint8Array, parsed.dtype, [], parsed.bigEndian).data[0];
            };
        }
        if (full === "collections.OrderedDict") {
            return () => new Map();
        }
        if (full === "torch._utils._rebuild_tensor_v2" || full === "torch._utils._rebuild_tensor") {
            return (storage: PickleValue, offset: PickleValue, size: PickleValue, stride: PickleValue) =>
                rebuildTensor(storage as NdArray, Number(offset), size as number[], stride as number[]);
        }
        if (full === "torch._utils._rebuild_parameter") {
            return (tensor: PickleValue) => tensor;
        }
        if (module === "torch" && name in storageDtypes) {
            return new PickleObject(`torch.${name}`, storageDtypes[name]);
        }
        return fail("a global used by numpy/PyTorch checkpoints", full);
    };

    const rebuildTensor = (storage: NdArray, offset: number, size: number[], stride: number[]): NdArray => {
        if (!Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length || !size.every((n) => Number.isInteger(n) && n >= 0)) {
            fail("a tensor size and stride of non-negative integers", `size ${String(size)} stride ${String(stride)}`);
        }
        if (!Number.isInteger(offset) || offset < 0) {
            fail("a non-negative storage offset", offset);
        }
        if (!storage || !("data" in storage)) {
            fail("a tensor storage", typeof storage);
        }
        const count = size.reduce((a, b) => a * b, 1);
        const contiguous = size.every((_, i) => stride[i] === size.slice(i + 1).reduce((a, b) => a * b, 1));
        if (!contiguous) {
            throw new GemFormatError("unsupported", fileName, "tensor stride", "contiguous tensors", `size (${size.join(",")}) stride (${stride.join(",")})`);
        }
        if (offset + count > storage.data.length) {
            throw new GemFormatError("truncated", fileName, "tensor", `${count} elements from offset ${offset}`, `storage of ${storage.data.length}`);
        }
        return { dtype: storage.dtype, shape: size.map(Number), data: storage.data.subarray(offset, offset + count) as NdArray["data"] };
    };

    const build = (target: StackItem, state: PickleValue) => {
        if (target instanceof PickleObject && target.kind === "numpy.dtype") {
            const endian = (state as PickleValue[])[1];
            (target.state as { endian: string }).endian = typeof endian === "string" ? endian : "<";
            return target;
        }
        if (target instanceof PickleObject && target.kind === "numpy.ndarray") {
            const [, shape, dtype, fortran, raw] = state as [number, number[], PickleObject, boolean, Uint8Array | string];
            const { descr, endian } = dtype.state as { descr: string; endian: string };
            const parsed = parseNumpyDescr((endian === "|" ? "" : endian) + descr.replace(/^[<>|=]/, ""), fileName, "numpy array");
            const data = typeof raw === "string" ? (findGlobal("_codecs", "encode") as (s: PickleValue) => Uint8Array)(raw) : raw;
            const count = shape.reduce((a, b) => a * Number(b), 1);
            if (data.byteLength !== count * NdDtypeSize[parsed.dtype]) {
                throw new GemFormatError(
                    "size-mismatch",
                    fileName,
                    "numpy array data",
                    `${count * NdDtypeSize[parsed.dtype]} bytes for shape (${shape.join(", ")})`,
                    data.byteLength
                );
            }
            const dims = shape.map(Number);
            if (!fortran) {
                return ndArrayFromBytes(data, parsed.dtype, dims, parsed.bigEndian);
            }
            // Fortran order (for example a transposed matrix): read with reversed dims, then reorder to C order.
            const columnMajor = ndArrayFromBytes(data, parsed.dtype, [...dims].reverse(), parsed.bigEndian);
            return { ...columnMajor, shape: dims, data: fortranToC(columnMajor.data, dims) };
        }
        if (target instanceof Map && state instanceof Map) {
            state.forEach((v, k) => target.set(k, v));
            return target;
        }
        return fail("a buildable numpy object", String((target as PickleObject)?.kind ?? typeof target));
    };

    try {
        for (;;) {
            const op = u8();
            switch (op) {
                case 0x80: // PROTO
                    u8();
                    break;
                case 0x95: // FRAME
                    take(8);
                    break;
                case 0x2e: // STOP
                    return pop() as PickleValue;
                case 0x28: // MARK
                    marks.push(stack.length);
                    break;
                case 0x7d: // EMPTY_DICT
                    push(new Map());
                    break;
                case 0x5d: // EMPTY_LIST
                    push([]);
                    break;
                case 0x29: // EMPTY_TUPLE
                    push([]);
                    break;
                case 0x4e: // NONE
                    push(null);
                    break;
                case 0x88: // NEWTRUE
                    push(true);
                    break;
                case 0x89: // NEWFALSE
                    push(false);
                    break;
                case 0x4b: // BININT1
                    push(u8());
                    break;
                case 0x4d: // BININT2
                    push(u16());
                    break;
                case 0x4a: // BININT
                    push(i32());
                    break;
                case 0x8a: {
                    // LONG1
                    const n = u8();
                    const raw = take(n);
                    let value = 0n;
                    for (let i = n - 1; i >= 0; i--) {
                        value = (value << 8n) | BigInt(raw[i]);
                    }
                    if (n > 0 && raw[n - 1] & 0x80) {
                        value -= 1n << BigInt(8 * n);
                    }
                    push(value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);
                    break;
                }
                case 0x47: // BINFLOAT (big-endian)
                    need(8);
                    push(view.getFloat64(at, false));
                    at += 8;
                    break;
                case 0x58: // BINUNICODE
                    push(decoder.decode(take(u32())));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(decoder.decode(take(u8())));
                    break;
                case 0x8d: // BINUNICODE8
                    push(decoder.decode(take(u64())));
                    break;
                case 0x55: // SHORT_BINSTRING
                    push(latin1.decode(take(u8())));
                    break;
                case 0x54: // BINSTRING
                    push(latin1.decode(take(u32())));
                    break;
                case 0x43: // SHORT_BINBYTES
                    push(take(u8()).slice());
                    break;
                case 0x42: // BINBYTES
                    push(take(u32()).slice());
                    break;
                case 0x8e: // BINBYTES8
                    push(take(u64()).slice());
                    break;
                case 0x71: // BINPUT
                    memoize(u8());
                    break;
                case 0x72: // LONG_BINPUT
                    memoize(u32());
                    break;
                case 0x94: // MEMOIZE
                    memoize(memo.size);
                    break;
                case 0x68: // BINGET
                case 0x6a: {
                    // LONG_BINGET
                    const index = op === 0x68 ? u8() : u32();
                    if (!memo.has(index)) {
                        fail("a memoised value", `missing memo ${index}`);
                    }
                    push(memo.get(index)!);
                    break;
                }
                case 0x63: {
                    // GLOBAL
                    const module = line();
                    push(findGlobal(module, line()));
                    break;
                }
                case 0x93: {
                    // STACK_GLOBAL
                    const name = pop() as string;
                    push(findGlobal(pop() as string, name));
                    break;
                }
                case 0x85: // TUPLE1
                    push([pop() as PickleValue]);
                    break;
                case 0x86: {
                    // TUPLE2
                    const b = pop();
                    push([pop() as PickleValue, b as PickleValue]);
                    break;
                }
                case 0x87: {
                    // TUPLE3
                    const c = pop();
                    const b = pop();
                    push([pop() as PickleValue, b as PickleValue, c as PickleValue]);
                    break;
                }
                case 0x74: // TUPLE
                    push(popMark() as PickleValue[]);
                    break;
                case 0x6c: // LIST
                    push(popMark() as PickleValue[]);
                    break;
                case 0x61: {
                    // APPEND
                    const value = pop();
                    (top() as PickleValue[]).push(value as PickleValue);
                    break;
                }
                case 0x65: {
                    // APPENDS
                    const values = popMark();
                    (top() as PickleValue[]).push(...(values as PickleValue[]));
                    break;
                }
                case 0x73: {
                    // SETITEM
                    const value = pop();
                    const key = pop();
                    (top() as Map<PickleValue, PickleValue>).set(key as PickleValue, value as PickleValue);
                    break;
                }
                case 0x75: {
                    // SETITEMS
                    const items = popMark();
                    const target = top();
                    if (!(target instanceof Map)) {
                        fail("a dict for SETITEMS", typeof target);
                    }
                    for (let i = 0; i + 1 < items.length; i += 2) {
                        (target as Map<PickleValue, PickleValue>).set(items[i] as PickleValue, items[i + 1] as PickleValue);
                    }
                    break;
                }
                case 0x52: {
                    // REDUCE
                    const args = pop() as PickleValue[];
                    const callable = pop();
                    if (typeof callable !== "function") {
                        fail("a callable for REDUCE", String((callable as PickleObject)?.kind ?? typeof callable));
                    }
                    push((callable as (...a: PickleValue[]) => PickleValue)(...args));
                    break;
                }
                case 0x81: {
                    // NEWOBJ
                    const args = pop() as PickleValue[];
                    const cls = pop();
                    push(typeof cls === "function" ? (cls as (...a: PickleValue[]) => PickleValue)(...args) : fail("a constructible class", String(cls)));
                    break;
                }
                case 0x62: {
                    // BUILD
                    const state = pop();
                    const target = pop();
                    push(build(target, state as PickleValue));
                    break;
                }
                case 0x51: {
                    // BINPERSID
                    const id = pop() as PickleValue[];
                    if (!Array.isArray(id) || id[0] !== "storage" || !(id[1] instanceof PickleObject)) {
                        fail("a ('storage', type, key, location, numel) persistent id", Array.isArray(id) ? `a ${id.length}-tuple` : typeof id);
                    }
                    const numel = Number(id[4]);
                    if (!Number.isInteger(numel) || numel < 0 || numel > MaxNdElements) {
                        fail(`a storage size in 0..${MaxNdElements}`, String(id[4]));
                    }
                    push(loadStorage((id[1] as PickleObject).state as NdDtype, String(id[2]), numel));
                    break;
                }
                default:
                    fail("a pickle opcode used by checkpoints", `0x${op.toString(16)}`);
            }
        }
    } catch (error) {
        if (error instanceof GemError) {
            throw error;
        }
        // A structurally wrong pickle (an opcode applied to the wrong kind of value): the VM's own type error, at its byte.
        throw new GemFormatError(
            "invalid-descriptor",
            fileName,
            `pickle at byte ${at}`,
            "a well-formed checkpoint pickle",
            `${(error as Error).name}: ${(error as Error).message}`,
            {
                cause: error,
            }
        );
    }
}

/**
 * Reads a `torch.save` checkpoint.
 * @param data file bytes
 * @param fileName for errors
 * @param inflate decoder for compressed entries (torch writes stored entries; optional)
 * @returns the unpickled root object
 */
export function readTorchCheckpoint(data: Uint8Array, fileName: string, inflate: InflateRaw | null = null): PickleValue {
    if (!ZipArchive.IsZip(data)) {
        throw new GemFormatError("bad-magic", fileName, "checkpoint", "a torch.save ZIP archive (PK\\x03\\x04)", Array.from(data.subarray(0, 4), (b) => b.toString(16)).join(" "));
    }
    const archive = new ZipArchive(data, fileName, inflate);
    const pickle = archive.find("data.pkl");
    if (!pickle) {
        throw new GemFormatError("invalid-descriptor", fileName, "data.pkl", "a pickle entry in the archive", "none");
    }
    const prefix = pickle.name.slice(0, pickle.name.length - "data.pkl".length);
    const storages = new Map<string, NdArray>();
    return unpickle(archive.read(pickle), fileName, (dtype, key, numel) => {
        let storage = storages.get(key);
        if (!storage) {
            const bytes = archive.readNamed(`${prefix}data/${key}`);
            if (bytes.byteLength < numel * NdDtypeSize[dtype]) {
                throw new GemFormatError("truncated", fileName, `storage ${key}`, `${numel} × ${dtype}`, `${bytes.byteLength} bytes`);
            }
            storage = ndArrayFromBytes(bytes, dtype, [numel]);
            storages.set(key, storage);
        }
        return storage;
    });
}
