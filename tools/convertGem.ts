/**
 * Converts upstream GEM files to `.gem`:
 *
 *   npx tsx tools/convertGem.ts UNION10_253.ptk -o avatar.gem [--basis float16] [--mean float32] [--components geometry=50,opacity=50]
 *
 * Inputs: the `checkpoints/GAUSSIAN_PCA_256/{capture_id}.ptk` that GEM's pca_gauss.py writes with torch.save, or the
 * npz export of docs/FORMAT.md §3. The `.gem` loader also reads `.ptk` files directly.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { inflateRawSync } from "node:zlib";
import { serializeGemFile, type GemArrayDtype } from "../loaders/gemContainer";
import { readNpz } from "../loaders/npzArchive";
import { readTorchCheckpoint } from "../loaders/torchCheckpoint";
import { gemModelFromNpzArrays, gemModelFromUpstreamCheckpoint, type UpstreamGemOptions } from "../loaders/upstreamGem";
import type { GemModel } from "../plugin/GemModel";

/** Options of {@link convertUpstreamGem}. */
export interface ConvertOptions extends UpstreamGemOptions {
    /** Storage of the bases in the output. */
    basisDtype?: GemArrayDtype;
    /** Storage of the means in the output. */
    meanDtype?: GemArrayDtype;
}

const inflate = (data: Uint8Array) => new Uint8Array(inflateRawSync(data));

/**
 * Reads an upstream file (`.ptk` or `.npz`) into a model.
 * @param bytes file contents
 * @param fileName name (its extension picks the reader)
 * @param options component counts
 * @returns the model
 */
export function readUpstreamGem(bytes: Uint8Array, fileName: string, options: UpstreamGemOptions = {}): GemModel {
    if (/\.npz$/i.test(fileName)) {
        return gemModelFromNpzArrays(readNpz(bytes, fileName, inflate), { ...options, fileName });
    }
    return gemModelFromUpstreamCheckpoint(readTorchCheckpoint(bytes, fileName, inflate), { ...options, fileName });
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
    const input = argv.find((a, i) => !a.startsWith("-") && !["-o", "--basis", "--mean", "--components"].includes(argv[i - 1] ?? ""));
    const value = (flag: string) => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    if (!input || argv.includes("--help")) {
        console.log("usage: tsx tools/convertGem.ts <file.ptk|file.npz> -o <out.gem> [--basis float32|float16|uint8] [--mean float32|float16|uint8] [--components geometry=50,opacity=50,scales=40,rotation=40]");
        process.exit(input ? 0 : 2);
    }
    const components: ConvertOptions["components"] = {};
    for (const pair of (value("--components") ?? "").split(",").filter(Boolean)) {
        const [key, count] = pair.split("=");
        (components as Record<string, number>)[key] = Number(count);
    }
    const output = value("-o") ?? input.replace(/\.(ptk|npz|pth)$/i, "") + ".gem";
    const bytes = convertUpstreamGem(readFileSync(input), basename(input), { basisDtype: value("--basis") as GemArrayDtype | undefined, meanDtype: value("--mean") as GemArrayDtype | undefined, components });
    writeFileSync(output, bytes);
    console.log(`wrote ${output} (${bytes.byteLength} bytes)`);
}

if (process.argv[1] && /convertGem\.ts$/.test(process.argv[1])) {
    main(process.argv.slice(2));
}
