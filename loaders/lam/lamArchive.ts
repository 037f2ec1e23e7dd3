/**
 * The zip LAM (Large Avatar Model) exports for an avatar: `<id>/offset.ply`, `<id>/skin.glb`, `<id>/animation.glb`,
 * `<id>/vertex_order.json` (docs/FORMAT.md §8). Engine-free: the parts are returned as bytes and checked values.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { parseBoundedJson } from "../../core/errors/boundedJson.js";
import { readZipEntryAsync } from "../archives/npzArchive.js";
import { ZipArchive, type ZipEntry } from "../archives/zipArchive.js";

/** The parts of a LAM avatar zip. */
export interface LamArchive {
    /** Folder of the parts inside the zip (`""` when at the top). */
    folder: string;
    /** `offset.ply`: the Gaussians. */
    offsetPly: Uint8Array;
    /** `skin.glb`: the mesh (one vertex per Gaussian), ARKit morph targets and skeleton. */
    skinGlb: Uint8Array;
    /** `animation.glb`: body clips, when present. */
    animationGlb: Uint8Array | null;
    /**
     * `vertex_order.json`: the FLAME mesh's vertex ids sorted by height, written by LAM's exporter before the glb export.
     * LAM's renderer pairs ply row i with skin vertex i; this list pairs them again when an export reordered the vertices
     * (`pairLamVertices`).
     */
    vertexOrder: Int32Array | null;
    /** Entries not used, with why. */
    ignored: Map<string, string>;
}

/** Largest `vertex_order.json` read (LAM's is about 0.2 MB for 20k vertices). */
const maxVertexOrderBytes = 64 * 1024 * 1024;
/** Largest other part inflated (LAM's `skin.glb` is about 13 MB for 20k vertices and 51 targets). */
const maxPartBytes = 128 * 1024 * 1024;

/**
 * Opens a LAM avatar zip.
 * @param bytes the zip
 * @param fileName for errors
 * @returns the parts
 * @throws GemFormatError for a zip without offset.ply and skin.glb side by side, damaged entries or a malformed vertex order
 */
export async function readLamArchive(bytes: Uint8Array, fileName: string): Promise<LamArchive> {
    const archive = new ZipArchive(bytes, fileName);
    const plys = [...archive.entries.values()].filter((e) => e.name === "offset.ply" || e.name.endsWith("/offset.ply"));
    const folderOf = (entry: ZipEntry) => entry.name.slice(0, entry.name.length - "offset.ply".length);
    const ply = plys.find((e) => archive.entries.has(`${folderOf(e)}skin.glb`));
    if (!ply) {
        throw new GemFormatError(
            "invalid-descriptor",
            fileName,
            "offset.ply, skin.glb",
            "a LAM avatar zip (<id>/offset.ply beside <id>/skin.glb)",
            `entries ${[...archive.entries.keys()].slice(0, 8).join(", ")}`
        );
    }
    const folder = folderOf(ply);
    const parts = ["offset.ply", "skin.glb", "animation.glb", "vertex_order.json"];
    // Every part is refused on its declared size before any is inflated.
    for (const name of parts) {
        const entry = archive.entries.get(`${folder}${name}`);
        // (Stored parts are views of the zip's own bytes: only what would be inflated, and the list JSON.parse reads, is capped.)
        if (entry && (entry.method === 8 || name === "vertex_order.json")) {
            archive.checkDeclaredSize(entry, name === "vertex_order.json" ? maxVertexOrderBytes : maxPartBytes);
        }
    }
    const read = (name: string) => {
        const entry = archive.entries.get(`${folder}${name}`);
        return entry ? readZipEntryAsync(archive, entry, fileName) : Promise.resolve(null);
    };
    const [offsetPly, skinGlb, animationGlb, orderBytes] = await Promise.all([read("offset.ply"), read("skin.glb"), read("animation.glb"), read("vertex_order.json")]);
    const ignored = new Map<string, string>();
    for (const name of archive.entries.keys()) {
        if (!name.startsWith(folder) || !["offset.ply", "skin.glb", "animation.glb", "vertex_order.json"].includes(name.slice(folder.length))) {
            if (!name.endsWith("/")) {
                ignored.set(name, "not part of a LAM avatar");
            }
        }
    }
    let vertexOrder: Int32Array | null = null;
    if (orderBytes) {
        if (orderBytes.byteLength > maxVertexOrderBytes) {
            throw new GemFormatError("oversized", fileName, "vertex_order.json", `at most ${maxVertexOrderBytes} bytes`, orderBytes.byteLength);
        }
        let text: string;
        try {
            text = new TextDecoder("utf-8", { fatal: true }).decode(orderBytes);
        } catch (error) {
            throw new GemFormatError("invalid-descriptor", fileName, "vertex_order.json", "UTF-8 JSON", (error as Error).message, { cause: error });
        }
        // A flat array: anything nested deeper is refused on the text, before JSON.parse builds it.
        const json = parseBoundedJson(text, fileName, "vertex_order.json", { maxDepth: 2 });
        if (!Array.isArray(json) || !json.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 31)) {
            throw new GemFormatError(
                "invalid-descriptor",
                fileName,
                "vertex_order.json",
                "an array of vertex indices",
                Array.isArray(json) ? "other values in the array" : typeof json
            );
        }
        vertexOrder = Int32Array.from(json as number[]);
    }
    return { folder, offsetPly: offsetPly!, skinGlb: skinGlb!, animationGlb, vertexOrder, ignored };
}
