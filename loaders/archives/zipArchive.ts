/**
 * Minimal ZIP reader for the archives research code writes (`torch.save` files, numpy `.npz`): central directory,
 * stored and deflated entries. Every offset and size is checked against the buffer before it is used, and every entry's
 * contents against its CRC-32.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { crc32 } from "./crc32.js";

/** One entry of the central directory. */
export interface ZipEntry {
    /** Path inside the archive. */
    name: string;
    /** 0 = stored, 8 = deflate. */
    method: number;
    /** Bytes in the archive. */
    compressedSize: number;
    /** Bytes once inflated. */
    size: number;
    /** Offset of the local header. */
    localHeaderOffset: number;
    /** CRC-32 of the uncompressed contents, from the central directory. */
    crc32: number;
}

/** Inflates raw deflate data (Node: `zlib.inflateRawSync`); needed only for compressed entries. */
export type InflateRaw = (data: Uint8Array, expectedSize: number) => Uint8Array;

/**
 * Largest entry read by default (256 MiB): a FLAME 2023 model's `shapedirs` in float64 is 48 MB, a LAM `skin.glb` a few
 * MB. Larger entries need the `maxEntryBytes` argument.
 */
export const DefaultMaxZipEntryBytes = 256 * 1024 * 1024;

/** Most bytes deflate can produce per compressed byte (a stream of maximal-length back-references). */
const MaxDeflateRatio = 1032;

/**
 * A parsed ZIP archive over an in-memory buffer.
 */
export class ZipArchive {
    /** Entries by name. */
    public readonly entries: ReadonlyMap<string, ZipEntry>;
    private readonly _bytes: Uint8Array;
    private readonly _view: DataView;
    private readonly _fileName: string;
    private readonly _inflate: InflateRaw | null;
    /** Largest entry {@link read} and {@link checkDeclaredSize} accept. */
    public readonly maxEntryBytes: number;

    /**
     * Reads the central directory.
     * @param data archive bytes
     * @param fileName name for errors
     * @param inflate raw-deflate decoder for compressed entries (optional)
     * @param maxEntryBytes largest entry read (default {@link DefaultMaxZipEntryBytes})
     */
    constructor(data: Uint8Array, fileName: string, inflate: InflateRaw | null = null, maxEntryBytes = DefaultMaxZipEntryBytes) {
        this._bytes = data;
        this._view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        this._fileName = fileName;
        this._inflate = inflate;
        this.maxEntryBytes = maxEntryBytes;
        this.entries = this._readDirectory();
    }

    /**
     * Whether bytes start like a ZIP archive.
     * @param data bytes
     * @returns true for a local-file-header signature
     */
    public static IsZip(data: Uint8Array): boolean {
        return data.byteLength >= 4 && data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04;
    }

    /**
     * Finds the entry whose name ends with a suffix (torch prefixes entries with the archive's own folder name).
     * @param suffix for example `data.pkl`
     * @returns the entry, or undefined
     */
    public find(suffix: string): ZipEntry | undefined {
        for (const entry of this.entries.values()) {
            if (entry.name === suffix || entry.name.endsWith(`/${suffix}`)) {
                return entry;
            }
        }
        return undefined;
    }

    /**
     * Returns an entry's bytes as stored in the archive (compressed for deflate entries).
     * @param entry the entry
     * @returns a view into the buffer
     */
    public readRaw(entry: ZipEntry): Uint8Array {
        const at = entry.localHeaderOffset;
        if (at + 30 > this._bytes.byteLength || this._view.getUint32(at, true) !== 0x04034b50) {
            throw new GemFormatError("truncated", this._fileName, `zip entry "${entry.name}" local header`, `a header at byte ${at}`, "none");
        }
        const start = at + 30 + this._view.getUint16(at + 26, true) + this._view.getUint16(at + 28, true);
        if (start + entry.compressedSize > this._bytes.byteLength) {
            throw new GemFormatError(
                "truncated",
                this._fileName,
                `zip entry "${entry.name}"`,
                `${entry.compressedSize} bytes from byte ${start}`,
                `${this._bytes.byteLength - start} bytes`
            );
        }
        return this._bytes.subarray(start, start + entry.compressedSize);
    }

    /**
     * Returns an entry's contents (a view into the buffer when stored).
     * @param entry the entry
     * @returns its bytes
     */
    public read(entry: ZipEntry): Uint8Array {
        // Stored entries are views of bytes already in memory: only what would be inflated is capped.
        if (entry.method === 8) {
            this.checkDeclaredSize(entry);
        }
        const raw = this.readRaw(entry);
        if (entry.method === 0) {
            if (entry.size !== entry.compressedSize) {
                throw new GemFormatError("size-mismatch", this._fileName, `zip entry "${entry.name}" size`, entry.compressedSize, entry.size);
            }
            return this.verify(entry, raw);
        }
        if (entry.method === 8) {
            if (!this._inflate) {
                throw new GemFormatError("unsupported", this._fileName, `zip entry "${entry.name}" compression`, "stored entries (no inflater given)", "deflate");
            }
            let out: Uint8Array;
            try {
                out = this._inflate(raw, entry.size);
            } catch (error) {
                throw new GemFormatError("invalid-descriptor", this._fileName, `zip entry "${entry.name}" deflate data`, "a valid raw deflate stream", (error as Error).message, {
                    cause: error,
                });
            }
            if (out.byteLength !== entry.size) {
                throw new GemFormatError("size-mismatch", this._fileName, `zip entry "${entry.name}" inflated size`, entry.size, out.byteLength);
            }
            return this.verify(entry, out);
        }
        throw new GemFormatError("unsupported", this._fileName, `zip entry "${entry.name}" compression`, "0 (stored) or 8 (deflate)", entry.method);
    }

    /**
     * Refuses an entry on the size its directory record declares, before anything is inflated or allocated: larger than
     * `maxEntryBytes`, or larger than deflate can make of its compressed bytes (a declared-size bomb).
     * @param entry the entry
     * @param maxBytes largest size accepted (default this archive's `maxEntryBytes`)
     * @throws GemFormatError `oversized`
     */
    public checkDeclaredSize(entry: ZipEntry, maxBytes = this.maxEntryBytes): void {
        if (entry.size > maxBytes) {
            throw new GemFormatError("oversized", this._fileName, `zip entry "${entry.name}" size`, `at most ${maxBytes} bytes`, `${entry.size} bytes declared`);
        }
        if (entry.method === 8 && entry.size > entry.compressedSize * MaxDeflateRatio + 1024) {
            throw new GemFormatError(
                "oversized",
                this._fileName,
                `zip entry "${entry.name}" size`,
                `at most ${MaxDeflateRatio} × its ${entry.compressedSize} compressed bytes (deflate's limit)`,
                `${entry.size} bytes declared`
            );
        }
    }

    /**
     * Checks an entry's contents against the CRC-32 the archive stores for it.
     * @param entry the entry
     * @param contents its uncompressed bytes
     * @returns the contents
     */
    public verify(entry: ZipEntry, contents: Uint8Array): Uint8Array {
        const found = crc32(contents);
        if (found !== entry.crc32) {
            const hex = (value: number) => `0x${value.toString(16).padStart(8, "0")}`;
            throw new GemFormatError("bad-checksum", this._fileName, `zip entry "${entry.name}" crc32`, hex(entry.crc32), hex(found));
        }
        return contents;
    }

    /**
     * Reads an entry by exact name.
     * @param name entry name
     * @returns its bytes
     */
    public readNamed(name: string): Uint8Array {
        const entry = this.entries.get(name);
        if (!entry) {
            throw new GemFormatError("invalid-descriptor", this._fileName, `zip entry "${name}"`, "present", "missing");
        }
        return this.read(entry);
    }

    private _readDirectory(): Map<string, ZipEntry> {
        const bytes = this._bytes;
        const view = this._view;
        if (bytes.byteLength < 22) {
            throw new GemFormatError("truncated", this._fileName, "zip end of central directory", "at least 22 bytes", `${bytes.byteLength} bytes`);
        }
        let end = -1;
        for (let i = bytes.byteLength - 22; i >= Math.max(0, bytes.byteLength - 22 - 0xffff); i--) {
            if (view.getUint32(i, true) === 0x06054b50) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            throw new GemFormatError("truncated", this._fileName, "zip end of central directory", "the 0x06054b50 signature", "none (truncated or not a zip)");
        }
        const count = view.getUint16(end + 10, true);
        const directorySize = view.getUint32(end + 12, true);
        const directoryOffset = view.getUint32(end + 16, true);
        if (count === 0xffff || directoryOffset === 0xffffffff) {
            throw new GemFormatError("unsupported", this._fileName, "zip", "a classic (non-zip64) archive under 4 GiB", "zip64");
        }
        if (directoryOffset + directorySize > end) {
            throw new GemFormatError(
                "truncated",
                this._fileName,
                "zip central directory",
                `bytes ${directoryOffset}..${directoryOffset + directorySize}`,
                `end of directory at ${end}`
            );
        }
        const entries = new Map<string, ZipEntry>();
        let at = directoryOffset;
        const decoder = new TextDecoder();
        for (let i = 0; i < count; i++) {
            if (at + 46 > end || view.getUint32(at, true) !== 0x02014b50) {
                throw new GemFormatError("invalid-descriptor", this._fileName, `zip central directory entry ${i}`, "a 0x02014b50 record", `byte ${at}`);
            }
            const nameLength = view.getUint16(at + 28, true);
            const extraLength = view.getUint16(at + 30, true);
            const commentLength = view.getUint16(at + 32, true);
            if (at + 46 + nameLength > end) {
                throw new GemFormatError("truncated", this._fileName, `zip central directory entry ${i} name`, `${nameLength} bytes`, "past the directory");
            }
            const entry: ZipEntry = {
                name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
                method: view.getUint16(at + 10, true),
                compressedSize: view.getUint32(at + 20, true),
                size: view.getUint32(at + 24, true),
                localHeaderOffset: view.getUint32(at + 42, true),
                crc32: view.getUint32(at + 16, true),
            };
            if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
                throw new GemFormatError("unsupported", this._fileName, `zip entry "${entry.name}"`, "sizes under 4 GiB", "zip64");
            }
            entries.set(entry.name, entry);
            at += 46 + nameLength + extraLength + commentLength;
        }
        return entries;
    }
}
