/**
 * numpy `.npz` archives (np.savez / np.savez_compressed): a ZIP of `.npy` files.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { parseNpy, type NdArray } from "./ndArray.js";
import { ZipArchive, type InflateRaw } from "./zipArchive.js";

/**
 * Reads every array of an npz archive.
 * @param data file bytes
 * @param fileName for errors
 * @param inflate raw-deflate decoder for np.savez_compressed archives
 * @returns arrays by key (file name without `.npy`)
 */
export function readNpz(data: Uint8Array, fileName: string, inflate: InflateRaw | null = null): Map<string, NdArray> {
    const archive = new ZipArchive(data, fileName, inflate);
    const arrays = new Map<string, NdArray>();
    for (const entry of archive.entries.values()) {
        if (entry.name.endsWith(".npy")) {
            arrays.set(entry.name.slice(0, -4), parseNpy(archive.read(entry), `${fileName}:${entry.name}`));
        }
    }
    return arrays;
}

/**
 * Inflates raw deflate data with the platform's DecompressionStream (browsers, Node 20+).
 * @param data compressed bytes
 * @returns inflated bytes
 */
export async function inflateRawAsync(data: Uint8Array): Promise<Uint8Array> {
    const stream = new DecompressionStream("deflate-raw");
    const writer = stream.writable.getWriter();
    void writer.write(data as unknown as BufferSource);
    void writer.close();
    return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

/**
 * Reads every array of an npz archive, stored or compressed (np.savez_compressed), inflating with the platform's
 * DecompressionStream, for the browser where no synchronous inflater exists.
 * @param data file bytes
 * @param fileName for errors
 * @returns arrays by key
 */
export async function readNpzAsync(data: Uint8Array, fileName: string): Promise<Map<string, NdArray>> {
    const archive = new ZipArchive(data, fileName);
    const arrays = new Map<string, NdArray>();
    for (const entry of archive.entries.values()) {
        if (!entry.name.endsWith(".npy")) {
            continue;
        }
        let bytes: Uint8Array;
        if (entry.method === 8) {
            try {
                bytes = await inflateRawAsync(archive.readRaw(entry));
            } catch (error) {
                throw new GemFormatError("invalid-descriptor", fileName, `zip entry "${entry.name}"`, "valid deflate data", (error as Error).message, { cause: error });
            }
            if (bytes.byteLength !== entry.size) {
                throw new GemFormatError("size-mismatch", fileName, `zip entry "${entry.name}" inflated size`, entry.size, bytes.byteLength);
            }
            archive.verify(entry, bytes);
        } else {
            bytes = archive.read(entry);
        }
        arrays.set(entry.name.slice(0, -4), parseNpy(bytes, `${fileName}:${entry.name}`));
    }
    return arrays;
}
