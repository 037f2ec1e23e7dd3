/**
 * numpy `.npz` archives (np.savez / np.savez_compressed): a ZIP of `.npy` files.
 */
import { parseNpy, type NdArray } from "./ndArray";
import { ZipArchive, type InflateRaw } from "./zipArchive";

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
