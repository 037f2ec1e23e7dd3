/**
 * Mutation fuzzing of the parsers: seeded mutants of clean files, each parsed and classified. A parser may answer a
 * mutant in two ways only: a `GemFormatError` (typed, naming file and field), or an output that passes the same
 * validation as a clean file's (finite values everywhere an avatar reads them). Anything else is a finding.
 */
import { GemError } from "../../core/errors/GemError.js";
import { ZipArchive } from "../../loaders/archives/zipArchive.js";
import { writeZip } from "../../tools/writers/npzWriter.js";
import { lcgRandom } from "./lcgRandom.js";
import { zipDeclaring } from "./zipBombs.js";

/** One parser under test. */
export interface FuzzTarget {
    /** Name in the report. */
    name: string;
    /** The clean file. */
    seed: Uint8Array;
    /** Parses bytes (throws or rejects on refusal). */
    parse: (bytes: Uint8Array) => unknown;
    /** Throws when a parsed output would hand an avatar a non-finite or malformed value. */
    validate: (output: unknown) => void;
    /** Distinct error codes a run must see, evidence the mutants reach past the first check (default 3). */
    minCodes?: number;
    /** Names of the typed errors this parser may throw (default `GemFormatError`). */
    typedErrors?: string[];
    /** Inflater for the zip-level rebuild of deflated archives. */
    inflate?: (data: Uint8Array, size: number) => Uint8Array;
    /**
     * Longest a mutant may take before it counts as a hang (default 20 s: a thousand times a clean parse, so a busy
     * machine never reaches it; a parser that loops or inflates gigabytes does).
     */
    maxMutantMs?: number;
    /** Mutants of this target (default the run's count). */
    mutants?: number;
}

/** Options of {@link fuzzParser}. */
export interface FuzzOptions {
    /**
     * Raw deflate data of many zeros: zip targets gain an "entry: size bomb" operator that puts it in place of an entry,
     * declaring a huge size (the peak memory of the run is reported).
     */
    bomb?: Uint8Array;
}

/** How a mutant ended. */
export type FuzzOutcome = "loaded" | "typed" | "generic" | "invalid-output" | "hang";

/** The tally of a run. */
export interface FuzzReport {
    target: string;
    mutants: number;
    loaded: number;
    typed: number;
    /** Typed errors by code. */
    codes: Record<string, number>;
    /**
     * Typed errors that wrap a runtime error (a zlib error for bad deflate data, the unpickler's own type error for a
     * structurally wrong pickle): typed for the caller, counted apart so the table shows how many specific checks caught.
     */
    wrapped: number;
    /** Mutants by operator. */
    operators: Record<string, number>;
    generic: number;
    invalidOutput: number;
    /** The first few findings, for the failure message. */
    findings: string[];
    /** Slowest mutant, ms. */
    slowestMs: number;
    /** Mutants past `maxMutantMs`. */
    hangs: number;
    /** How much the process's peak memory grew during the run, MiB. */
    peakGrowthMiB: number;
}

type Random = () => number;

const int = (random: Random, n: number) => Math.floor(random() * n);

/** Byte-level mutation operators. */
const byteOperators: Record<string, (bytes: Uint8Array, random: Random) => Uint8Array> = {
    truncate: (b, r) => b.slice(0, int(r, b.length)),
    "bit flips": (b, r) => {
        const out = b.slice();
        for (let i = 0, n = 1 + int(r, 8); i < n; i++) {
            out[int(r, out.length)] ^= 1 << int(r, 8);
        }
        return out;
    },
    "random bytes": (b, r) => {
        const out = b.slice();
        const at = int(r, out.length);
        for (let i = 0, n = 1 + int(r, 16); i < n && at + i < out.length; i++) {
            out[at + i] = int(r, 256);
        }
        return out;
    },
    "huge count": (b, r) => {
        if (b.length < 4) {
            return byteOperators["random bytes"](b, r);
        }
        const out = b.slice();
        const at = int(r, Math.max(1, out.length - 4)) & ~3;
        const values = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0xfffffffe];
        new DataView(out.buffer).setUint32(Math.min(at, out.length - 4), values[int(r, values.length)], true);
        return out;
    },
    "NaN/Inf": (b, r) => {
        if (b.length < 4) {
            return byteOperators["random bytes"](b, r);
        }
        const out = b.slice();
        const view = new DataView(out.buffer);
        const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e38, -3e38];
        for (let i = 0, n = 1 + int(r, 4); i < n; i++) {
            const at = int(r, Math.max(1, out.length - 4)) & ~3;
            view.setFloat32(Math.min(at, out.length - 4), values[int(r, values.length)], true);
        }
        return out;
    },
    "text edit": (b, r) => {
        // Headers are text (npy dicts, PLY headers, the .gem JSON, pickle names): swap a dtype or a digit.
        const out = b.slice();
        const limit = Math.min(out.length, 4096);
        const swaps: [string, string][] = [
            ["<f4", "<i4"],
            ["<f4", "<f8"],
            ["<f4", "|O8"],
            ["<f4", "<U1"],
            ["<i4", "<f4"],
            ["<i8", "<f8"],
            ["False", "True "],
            ["float", "int  "],
            ['"float32"', '"uint8"  '],
            ['"float16"', '"float32"'],
        ];
        const text = new TextDecoder("latin1").decode(out.subarray(0, limit));
        const [from, to] = swaps[int(r, swaps.length)];
        const at = text.indexOf(from, int(r, Math.max(1, text.length)));
        const hit = at >= 0 ? at : text.indexOf(from);
        if (hit >= 0) {
            out.set(new TextEncoder().encode(to), hit);
            return out;
        }
        // No such text: change a digit instead.
        const digits = [...text].flatMap((ch, i) => (ch >= "0" && ch <= "9" ? [i] : []));
        if (digits.length > 0) {
            out[digits[int(r, digits.length)]] = 0x30 + int(r, 10);
        }
        return out;
    },
    "deep nesting": (b, r) => {
        // Replace a run of bytes by deeply nested JSON arrays / pickle marks.
        const depth = 1000 + int(r, 100000);
        const nest = new TextEncoder().encode(`${"[".repeat(depth)}${"]".repeat(depth)}`);
        const at = int(r, b.length);
        const out = new Uint8Array(b.length + nest.length);
        out.set(b.subarray(0, at));
        out.set(nest, at);
        out.set(b.subarray(at), at + nest.length);
        return out;
    },
};

/** Zip-level damage of the directory and headers (signatures, methods, sizes, CRCs, offsets). */
function zipDamage(bytes: Uint8Array, random: Random): Uint8Array {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    const records: number[] = [];
    for (let i = 0; i + 4 <= out.length; i++) {
        const signature = view.getUint32(i, true);
        if (signature === 0x02014b50 || signature === 0x04034b50 || signature === 0x06054b50) {
            records.push(i);
        }
    }
    if (records.length === 0) {
        return byteOperators["bit flips"](bytes, random);
    }
    const at = records[int(random, records.length)];
    const signature = view.getUint32(at, true);
    const fields =
        signature === 0x02014b50
            ? [10, 16, 20, 24, 28, 30, 42] // method, crc, compressed, size, name length, extra length, local offset
            : signature === 0x04034b50
              ? [8, 14, 18, 22, 26, 28]
              : [8, 10, 12, 16]; // disk entries, total entries, directory size, directory offset
    const field = fields[int(random, fields.length)];
    const values = [0, 1, 8, 99, 0xffff, 0xffffffff, int(random, 0x10000), int(random, out.length)];
    const value = values[int(random, values.length)];
    if (at + field + 4 <= out.length && (field === 16 || field === 20 || field === 24 || field === 42 || field === 14 || field === 18 || field === 22 || field === 12)) {
        view.setUint32(at + field, value >>> 0, true);
    } else if (at + field + 2 <= out.length) {
        view.setUint16(at + field, value & 0xffff, true);
    }
    return out;
}

/**
 * Mutates one entry of a zip and rebuilds a valid archive around it (fresh CRC and sizes), so the damage reaches the
 * entry's own parser instead of stopping at the checksum.
 */
function entryMutation(bytes: Uint8Array, random: Random, inflate: ((data: Uint8Array, size: number) => Uint8Array) | undefined, operator: string): Uint8Array {
    const archive = new ZipArchive(bytes, "seed.zip", inflate ?? null);
    const files: Record<string, Uint8Array> = {};
    for (const entry of archive.entries.values()) {
        files[entry.name] = archive.read(entry).slice();
    }
    const names = Object.keys(files).filter((name) => files[name].length > 0);
    const name = names[int(random, names.length)];
    files[name] = byteOperators[operator](files[name], random);
    return writeZip(files);
}

/**
 * Replaces one entry of a zip by a deflate stream of zeros declaring a huge size (a declared-size bomb).
 */
function sizeBomb(bytes: Uint8Array, random: Random, inflate: ((data: Uint8Array, size: number) => Uint8Array) | undefined, bomb: Uint8Array): Uint8Array {
    const archive = new ZipArchive(bytes, "seed.zip", inflate ?? null);
    const entries = [...archive.entries.values()];
    const target = int(random, entries.length);
    const declared = [0xfffffffe, 0x7fffffff, 0x10000001][int(random, 3)];
    return zipDeclaring(entries.map((entry, i) => (i === target ? { name: entry.name, data: bomb, declared } : { name: entry.name, data: archive.read(entry).slice() })));
}

/** Resolves after `ms` with "hang" (the timer is cleared when the parse settles first). */
function hangAfter(ms: number, settled: Promise<unknown>): Promise<"hang"> {
    return new Promise((resolve) => {
        const timer = setTimeout(() => resolve("hang"), ms);
        settled.finally(() => clearTimeout(timer)).catch(() => undefined);
    });
}

/**
 * Runs a target's mutants (a parser may be synchronous or return a promise).
 * @param target the parser and its clean file
 * @param count mutants to run
 * @param seed random seed
 * @param options a bomb for zip targets
 * @returns the tally
 */
export async function fuzzParser(target: FuzzTarget, count: number, seed: number, options: FuzzOptions = {}): Promise<FuzzReport> {
    const random = lcgRandom(seed);
    const report: FuzzReport = {
        target: target.name,
        mutants: 0,
        loaded: 0,
        typed: 0,
        codes: {},
        wrapped: 0,
        operators: {},
        generic: 0,
        invalidOutput: 0,
        findings: [],
        slowestMs: 0,
        hangs: 0,
        peakGrowthMiB: 0,
    };
    const maxMutantMs = target.maxMutantMs ?? 20_000;
    const peakBefore = process.resourceUsage().maxRSS / 1024;
    // The clean file must load and validate, or the run proves nothing.
    target.validate(await target.parse(target.seed));
    const isZip = ZipArchive.IsZip(target.seed);
    const operators = [
        ...Object.keys(byteOperators),
        ...(isZip ? ["zip damage", "entry: bit flips", "entry: NaN/Inf", "entry: text edit", "entry: truncate", "entry: huge count"] : []),
        ...(isZip && options.bomb ? ["entry: size bomb"] : []),
    ];
    for (let i = 0; i < count; i++) {
        const operator = operators[i % operators.length];
        const mutant =
            operator === "zip damage"
                ? zipDamage(target.seed, random)
                : operator === "entry: size bomb"
                  ? sizeBomb(target.seed, random, target.inflate, options.bomb!)
                  : operator.startsWith("entry: ")
                    ? entryMutation(target.seed, random, target.inflate, operator.slice(7))
                    : byteOperators[operator](target.seed, random);
        report.mutants++;
        report.operators[operator] = (report.operators[operator] ?? 0) + 1;
        const start = performance.now();
        let outcome: FuzzOutcome;
        let detail = "";
        try {
            let output = target.parse(mutant);
            if (output instanceof Promise) {
                const settled = output;
                const first = await Promise.race([settled, hangAfter(maxMutantMs, settled)]);
                if (first === "hang") {
                    throw new MutantHang(maxMutantMs);
                }
                output = first;
            }
            if (performance.now() - start > maxMutantMs) {
                throw new MutantHang(maxMutantMs);
            }
            try {
                target.validate(output);
                outcome = "loaded";
            } catch (error) {
                outcome = "invalid-output";
                detail = (error as Error).message;
            }
        } catch (error) {
            if (error instanceof MutantHang) {
                outcome = "hang";
                detail = error.message;
            } else if (error instanceof GemError && (target.typedErrors ?? ["GemFormatError"]).includes(error.name)) {
                outcome = "typed";
                report.codes[error.code] = (report.codes[error.code] ?? 0) + 1;
                if (error.cause !== undefined && !(error.cause instanceof GemError)) {
                    report.wrapped++;
                }
            } else {
                outcome = "generic";
                detail = `${(error as Error)?.name}: ${(error as Error)?.message}`;
            }
        }
        report.slowestMs = Math.max(report.slowestMs, performance.now() - start);
        if (outcome === "loaded") {
            report.loaded++;
        } else if (outcome === "typed") {
            report.typed++;
        } else {
            if (outcome === "generic") {
                report.generic++;
            } else if (outcome === "hang") {
                report.hangs++;
            } else {
                report.invalidOutput++;
            }
            if (report.findings.length < 5) {
                report.findings.push(`${target.name} mutant ${i} (${operator}): ${outcome}: ${detail.slice(0, 300)}`);
            }
        }
    }
    report.peakGrowthMiB = process.resourceUsage().maxRSS / 1024 - peakBefore;
    return report;
}

/** A mutant that ran past the target's time limit. */
class MutantHang extends Error {
    constructor(ms: number) {
        super(`still running after ${ms} ms`);
        this.name = "MutantHang";
    }
}

/**
 * Throws when any value of a (possibly nested) output is a non-finite number: walks typed arrays, arrays and objects.
 * @param value the output
 * @param path where, for the message
 */
export function requireAllFinite(value: unknown, path = "output"): void {
    const stack: [unknown, string][] = [[value, path]];
    const seen = new Set<unknown>();
    while (stack.length > 0) {
        const [v, where] = stack.pop()!;
        if (typeof v === "number") {
            if (!Number.isFinite(v)) {
                throw new Error(`${where} is ${v}`);
            }
        } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
            const array = v as unknown as ArrayLike<number>;
            if (array instanceof Float32Array || array instanceof Float64Array) {
                for (let i = 0; i < array.length; i++) {
                    if (!Number.isFinite(array[i])) {
                        throw new Error(`${where}[${i}] is ${array[i]}`);
                    }
                }
            }
        } else if (typeof v === "object" && v !== null && !seen.has(v)) {
            seen.add(v);
            for (const [key, child] of v instanceof Map ? v.entries() : Object.entries(v)) {
                stack.push([child, `${where}.${String(key)}`]);
            }
        }
    }
}
