/**
 * Converts upstream GEM files to `.gem`:
 *
 *   npx tsx tools/convertGem.ts UNION10_253.ptk -o avatar.gem [--basis float16] [--mean float32] [--components geometry=50,opacity=50]
 *       [--flame flame2023.npz --canonical canonical_flame_param.npz]
 *
 * Inputs: the `checkpoints/GAUSSIAN_PCA_256/{capture_id}.ptk` that GEM's pca_gauss.py writes with torch.save, or the
 * npz export of docs/FORMAT.md §3. The `.gem` loader also reads `.ptk` files directly. With the FLAME model the actor
 * was tracked with and VHAP's `canonical_flame_param.npz` (its `shape` and `static_offset`), the output also stores
 * the canonical root and neck joints (`metadata.flameJoints`), the pivots of the avatar's head pose.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { inflateRawSync } from "node:zlib";
import { serializeGemFile, type GemArrayDtype } from "../loaders/gem/gemContainer.js";
import { readNpz } from "../loaders/archives/npzArchive.js";
import { readTorchCheckpoint } from "../loaders/archives/torchCheckpoint.js";
import { gemModelFromNpzArrays, gemModelFromUpstreamCheckpoint, type UpstreamGemOptions } from "../loaders/gem/upstreamGem.js";
import type { FlameModel } from "../core/flame/FlameModel.js";
import { GemFormatError } from "../core/errors/GemFormatError.js";
import type { GemModel } from "../core/GemModel.js";
import { canonicalHeadJoints, headJointsMetadata } from "../core/headPose.js";
import { parseFlameNpz } from "../loaders/flame/flameModelFile.js";

/** Options of {@link convertUpstreamGem}. */
export interface ConvertOptions extends UpstreamGemOptions {
    /** Storage of the bases in the output. */
    basisDtype?: GemArrayDtype;
    /** Storage of the means in the output. */
    meanDtype?: GemArrayDtype;
    /** The FLAME model and canonical parameters the actor was tracked with: the output then stores the head-pose pivots. */
    flame?: { model: FlameModel; shape?: ArrayLike<number>; staticOffset?: ArrayLike<number>; fileName?: string };
}

const inflate = (data: Uint8Array, size: number) => new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }));

/**
 * Reads an upstream file (`.ptk` or `.npz`) into a model.
 * @param bytes file contents
 * @param fileName name (its extension picks the reader)
 * @param options component counts
 * @returns the model
 */
export function readUpstreamGem(bytes: Uint8Array, fileName: string, options: UpstreamGemOptions & Pick<ConvertOptions, "flame"> = {}): GemModel {
    const model = /\.npz$/i.test(fileName)
        ? gemModelFromNpzArrays(readNpz(bytes, fileName, inflate), { ...options, fileName })
        : gemModelFromUpstreamCheckpoint(readTorchCheckpoint(bytes, fileName, inflate), { ...options, fileName });
    if (!options.flame) {
        return model;
    }
    const { model: flame, shape, staticOffset, fileName: canonicalFile } = options.flame;
    const flameJoints = headJointsMetadata(canonicalHeadJoints(flame, shape, staticOffset, canonicalFile));
    return model.derive({ metadata: { flameJoints } }, fileName);
}

/**
 * Reads VHAP's `canonical_flame_param.npz`: the actor's identity `shape` and, when present, `static_offset`.
 * @param bytes file contents
 * @param fileName name for errors
 * @returns the arrays (flattened)
 */
export function readCanonicalFlameParameters(bytes: Uint8Array, fileName: string): { shape: Float32Array; staticOffset?: Float32Array } {
    const arrays = readNpz(bytes, fileName, inflate);
    const shape = arrays.get("shape");
    if (!shape) {
        throw new GemFormatError("invalid-descriptor", fileName, "shape", "an array of identity shape coefficients", `none (keys: ${[...arrays.keys()].join(", ")})`);
    }
    const offset = arrays.get("static_offset");
    const float = (data: ArrayLike<number>) => (data instanceof Float32Array ? data : Float32Array.from(data));
    return { shape: float(shape.data as ArrayLike<number>), staticOffset: offset ? float(offset.data as ArrayLike<number>) : undefined };
}

/**
 * Converts an upstream file to `.gem` bytes.
 * @param bytes file contents
 * @param fileName name
 * @param options storage and component counts
 * @returns the `.gem` file
 */
export function convertUpstreamGem(bytes: Uint8Array, fileName: string, options: ConvertOptions = {}): Uint8Array {
    const model = readUpstreamGem(bytes, fileName, options);
    return serializeGemFile(model, { basisDtype: options.basisDtype ?? "float16", meanDtype: options.meanDtype ?? "float32", generator: "tools/convertGem.ts" });
}

function main(argv: string[]): void {
    const flags = ["-o", "--basis", "--mean", "--components", "--flame", "--canonical"];
    const input = argv.find((a, i) => !a.startsWith("-") && !flags.includes(argv[i - 1] ?? ""));
    const value = (flag: string) => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    if (!input || argv.includes("--help")) {
        console.log(
            "usage: tsx tools/convertGem.ts <file.ptk|file.npz> -o <out.gem> [--basis float32|float16|uint8] [--mean float32|float16|uint8] [--components geometry=50,opacity=50,scales=40,rotation=40] [--flame flame.npz --canonical canonical_flame_param.npz]"
        );
        process.exit(input ? 0 : 2);
    }
    const components: ConvertOptions["components"] = {};
    for (const pair of (value("--components") ?? "").split(",").filter(Boolean)) {
        const [key, count] = pair.split("=");
        (components as Record<string, number>)[key] = Number(count);
    }
    const output = value("-o") ?? `${input.replace(/\.(ptk|npz|pth)$/i, "")}.gem`;
    const flameFile = value("--flame");
    const canonicalFile = value("--canonical");
    const canonical = canonicalFile ? readCanonicalFlameParameters(readFileSync(canonicalFile), basename(canonicalFile)) : undefined;
    const flame = flameFile
        ? {
              model: parseFlameNpz(readFileSync(flameFile), basename(flameFile), {}, inflate).model,
              shape: canonical?.shape,
              staticOffset: canonical?.staticOffset,
              fileName: canonicalFile && basename(canonicalFile),
          }
        : undefined;
    const bytes = convertUpstreamGem(readFileSync(input), basename(input), {
        basisDtype: value("--basis") as GemArrayDtype | undefined,
        meanDtype: value("--mean") as GemArrayDtype | undefined,
        components,
        flame,
    });
    writeFileSync(output, bytes);
    console.log(`wrote ${output} (${bytes.byteLength} bytes)`);
}

if (process.argv[1] && /convertGem\.ts$/.test(process.argv[1])) {
    main(process.argv.slice(2));
}
