/**
 * numpy `.npz` archives (np.savez / np.savez_compressed): a ZIP of `.npy` files.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { parseNpyEntry, type NdArray } from "./ndArray.js";
import { ZipArchive, type InflateRaw, type ZipEntry } from "./zipArchive.js";

/**
 * The numeric arrays of an npz archive by key (entry name without `.npy`), and the entries that were left out.
 */
export class NpzArrays extends Map<string, NdArray> {
    /**
     * Entries that are not numeric arrays (numpy strings, objects, records; other files in the zip), by key, with why
     * they were left out: for example VHAP's `timestep_id` (`<U5`) or a FLAME conversion's `bs_style`.
     */
    public readonly ignored = new Map<string, string>();
    /** String arrays by key (numpy `<U…` / `|S…` entries, also listed in {@link ignored}): names, frame ids. */
    public readonly strings = new Map<string, string[]>();
}

function addEntry(arrays: NpzArrays, entry: ZipEntry, bytes: Uint8Array, fileName: string): void {
    const key = entry.name.slice(0, -4);
    const parsed = parseNpyEntry(bytes, `${fileName}:${entry.name}`);
    if ("descr" in parsed) {
        arrays.ignored.set(key, `non-numeric dtype ${parsed.descr}, shape (${parsed.shape.join(", ")})`);
        if (parsed.strings) {
            arrays.strings.set(key, parsed.strings);
        }
    } else {
        arrays.set(key, parsed);
    }
}

/**
 * Reads every numeric array of an npz archive; non-numeric entries are listed in {@link NpzArrays.ignored}.
 * @param data file bytes
 * @param fileName for errors
 * @param inflate raw-deflate decoder for np.savez_compressed archives
 * @returns arrays by key (file name without `.npy`)
 */
export function readNpz(data: Uint8Array, fileName: string, inflate: InflateRaw | null = null): NpzArrays {
    const archive = new ZipArchive(data, fileName, inflate);
    const arrays = new NpzArrays();
    for (const entry of archive.entries.values()) {
        if (entry.name.endsWith(".npy")) {
            addEntry(arrays, entry, archive.read(entry), fileName);
        } else if (!entry.name.endsWith("/")) {
            arrays.ignored.set(entry.name, "not a .npy entry");
        }
    }
    return arrays;
}

/**
 * Inflates raw deflate data with the platform's DecompressionStream (browsers, Node 20+), stopping as soon as the output
 * passes the size the archive declares (a zip bomb never inflates further than that).
 * @param data compressed bytes
 * @param expectedSize bytes the archive declares for the entry
 * @returns inflated bytes (longer than expectedSize only by the last chunk, when the stream holds more)
 */
export async function inflateRawAsync(data: Uint8Array, expectedSize = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
    const stream = new DecompressionStream("deflate-raw");
    const writer = stream.writable.getWriter();
    writer.write(data as unknown as BufferSource).catch(() => undefined);
    writer.close().catch(() => undefined);
    const reader = stream.readable.getReader();
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) {
            break;
        }
        chunks.push(value);
        length += value.byteLength;
        if (length > expectedSize) {
            await reader.cancel().catch(() => undefined);
            break;
        }
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
        out.set(chunk, at);
        at += chunk.byteLength;
    }
    return out;
}

/**
 * Reads every array of an npz archive, stored or compressed (np.savez_compressed), inflating with the platform's
 * DecompressionStream, for the browser where no synchronous inflater exists.
 * @param data file bytes
 * @param fileName for errors
 * @returns arrays by key
 */
export async function readNpzAsync(data: Uint8Array, fileName: string): Promise<NpzArrays> {
    const archive = new ZipArchive(data, fileName);
    const arrays = new NpzArrays();
    for (const entry of archive.entries.values()) {
        if (!entry.name.endsWith(".npy")) {
            if (!entry.name.endsWith("/")) {
                arrays.ignored.set(entry.name, "not a .npy entry");
            }
            continue;
        }
        addEntry(arrays, entry, await readZipEntryAsync(archive, entry, fileName), fileName);
    }
    return arrays;
}

/**
 * Reads one entry of an archive, stored or deflated, inflating with the platform's DecompressionStream (bounded by the
 * declared size) and checking size and CRC-32.
 * @param archive the archive (opened without a synchronous inflater)
 * @param entry the entry
 * @param fileName for errors
 * @returns the entry's bytes
 */
export async function readZipEntryAsync(archive: ZipArchive, entry: ZipEntry, fileName: string): Promise<Uint8Array> {
    if (entry.method !== 8) {
        return archive.read(entry);
    }
    archive.checkDeclaredSize(entry);
    let bytes: Uint8Array;
    try {
        bytes = await inflateRawAsync(archive.readRaw(entry), entry.size);
    } catch (error) {
        if (error instanceof GemFormatError) {
            throw error;
        }
        throw new GemFormatError("invalid-descriptor", fileName, `zip entry "${entry.name}"`, "valid deflate data", (error as Error).message, { cause: error });
    }
    if (bytes.byteLength !== entry.size) {
        throw new GemFormatError("size-mismatch", fileName, `zip entry "${entry.name}" inflated size`, entry.size, bytes.byteLength);
    }
    return archive.verify(entry, bytes);
}
