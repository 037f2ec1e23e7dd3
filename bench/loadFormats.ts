/**
 * Load cost in Node: parsing a `.gem` file (float32, float16, uint8 bases) against parsing the same avatar as 3DGS
 * PLY, one frame and a sequence of frames (what a user ships without GEM), with the bytes each needs on the wire.
 */
import { parseGaussianPly } from "../loaders/ply/gaussianPly.js";
import { parseGemFile, serializeGemFile, type GemArrayDtype } from "../loaders/gem/gemContainer.js";
import { reconstructGaussians } from "../core/gemReconstruction.js";
import type { GemModel } from "../core/GemModel.js";
import { writeGaussianPly } from "../tools/writers/gaussianPlyWriter.js";
import { timeMedian } from "./statistics.js";

/** One row: a storage, its bytes and parse time, against the PLY baseline. */
export interface LoadRow {
    format: string;
    bytes: number;
    parseMs: number;
    /** Bytes relative to the PLY sequence of the same frame count. */
    bytesVsPlySequence: number;
}

/**
 * Measures the load rows for a model.
 * @param model the avatar
 * @param sequenceFrames frames of the PLY-sequence baseline
 * @param repeats timed runs
 * @returns rows: gem float32 / float16 / uint8, PLY frame, PLY sequence
 */
export function measureLoadFormats(model: GemModel, sequenceFrames: number, repeats: number): LoadRow[] {
    const ply = writeGaussianPly(reconstructGaussians(model, new Float32Array(model.totalComponents)));
    const plyMs = timeMedian(() => parseGaussianPly(ply, "frame.ply"), repeats, 1);
    const sequenceBytes = ply.byteLength * sequenceFrames;
    const rows: LoadRow[] = (["float32", "float16", "uint8"] as GemArrayDtype[]).map((dtype) => {
        const bytes = serializeGemFile(model, { basisDtype: dtype });
        return {
            format: `.gem ${dtype}`,
            bytes: bytes.byteLength,
            parseMs: timeMedian(() => parseGemFile(bytes), repeats, 1),
            bytesVsPlySequence: bytes.byteLength / sequenceBytes,
        };
    });
    rows.push({ format: "PLY, 1 frame", bytes: ply.byteLength, parseMs: plyMs, bytesVsPlySequence: ply.byteLength / sequenceBytes });
    // Every frame of a sequence is its own file of the same size and parse cost.
    rows.push({ format: `PLY, ${sequenceFrames} frames`, bytes: sequenceBytes, parseMs: plyMs * sequenceFrames, bytesVsPlySequence: 1 });
    return rows;
}
