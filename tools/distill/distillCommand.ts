/**
 * The `npm run distill` command (tools/distillGem.ts): reads a Gaussian sequence (a 3DGS PLY sequence, or a FLAME model
 * with rigged Gaussians and a track), distils it into a `.gem` file and prints what it kept and how well it fits.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { parseFlameNpz } from "../../loaders/flame/flameModelFile.js";
import { fitFlameTrackToModel } from "../../core/flame/flameTrack.js";
import { flameTrackFromArrays } from "../../loaders/flame/flameTrackFile.js";
import { parseGaussianAvatarsPly } from "../../loaders/flame/gaussianAvatarsPly.js";
import { serializeGemFile, type GemArrayDtype } from "../../loaders/gem/gemContainer.js";
import { readNpz } from "../../loaders/archives/npzArchive.js";
import { hasRiggedGaussians, riggedGaussiansFromArrays } from "../../loaders/flame/riggedGaussiansNpz.js";
import type { RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { GemSemanticOrder, type GemAttributeSemantic } from "../../core/GemModel.js";
import { reconstructGaussians } from "../../core/gemReconstruction.js";
import type { GemModel } from "../../core/GemModel.js";
import { DistillationError } from "./DistillationError.js";
import { distillFlameTeacher } from "./flameDistillation.js";
import { plySequence, type GaussianSequence } from "./gaussianSequence.js";
import { distillGem, projectGaussians, type DistillationOptions, type DistillationSpectrum, type GaussianRegions } from "./gemDistillation.js";
import { attributeRmse } from "./qualityReport.js";
import { regionsByClustering, regionsFromVertexMasks } from "./regions.js";

/** Usage text. */
export const DistillUsage = `Distils an animated Gaussian avatar into a GEM (.gem) file.

  npm run distill -- --flame head.npz [--rig rig.npz|point_cloud.ply] --track track.npz --out avatar.gem [options]
  npm run distill -- --ply-dir frames/ --out avatar.gem [options]
  npm run distill -- --ply f0.ply f1.ply ... --out avatar.gem [options]
  npm run distill -- --lam avatar.zip --out avatar.gem [options]

Input
  --flame FILE        FLAME model npz (official keys); rigged Gaussians may be in the same npz (gaussians_* keys)
  --rig FILE          rigged Gaussians: our npz or GaussianAvatars' point_cloud.ply (binding_0)
  --track FILE        FLAME track npz (VHAP / GaussianAvatars keys: expr, jaw_pose, eyes_pose, ...)
  --ply-dir DIR       every *.ply in DIR, in name order, one frame each (reference 3DGS layout, same Gaussian order)
  --ply FILES...      PLY frames in the order given
  --lam FILE          a LAM avatar zip (offset.ply, skin.glb with ARKit morph targets), driven by ARKit expressions
                      (the bundled talking track, each shape alone, random combinations); writes an arkit map
Bases
  --components LIST   components per group, e.g. position=16,scale=8,rotation=12 (others use --variance)
  --variance F        keep the fewest components explaining F of a group's variance (default 0.9999)
  --max-components N  at most N per group and region (default 64)
  --clusters N        localized PCA on N k-means regions of the mean positions
  --regions FILE      localized PCA on FLAME vertex masks (npz: region name -> vertex indices), FLAME input only
  --holdout N         keep the last N frames out of fitting and report the error on them
Output
  --out FILE          the .gem file (required)
  --dtype T           basis storage: float32 | float16 (default) | uint8
  --no-map            do not fit the FLAME -> coefficient map (FLAME input)
  --ridge F           ridge penalty of the map (default 1e-6, relative)
  --name NAME         model name in the metadata`;

/** Parsed arguments. */
export interface Arguments {
    values: Map<string, string>;
    lists: Map<string, string[]>;
    flags: Set<string>;
}

export function parseArguments(argv: readonly string[]): Arguments {
    const values = new Map<string, string>();
    const lists = new Map<string, string[]>();
    const flags = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) {
            throw new DistillationError("invalid-option", "command line", arg, "an option starting with --", arg);
        }
        const [name, inline] = arg.slice(2).split("=", 2);
        if (name === "no-map" || name === "help") {
            flags.add(name);
        } else if (name === "ply") {
            const files: string[] = [];
            while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                files.push(argv[++i]);
            }
            lists.set(name, files);
        } else {
            const value = inline ?? argv[++i];
            if (value === undefined) {
                throw new DistillationError("invalid-option", "command line", `--${name}`, "a value", "none");
            }
            values.set(name, value);
        }
    }
    return { values, lists, flags };
}

export function number(args: Arguments, name: string): number | undefined {
    const raw = args.values.get(name);
    if (raw === undefined) {
        return undefined;
    }
    const value = Number(raw);
    if (!Number.isFinite(value)) {
        throw new DistillationError("invalid-option", "command line", `--${name}`, "a number", raw);
    }
    return value;
}

export function components(raw: string | undefined): Partial<Record<GemAttributeSemantic, number>> | undefined {
    if (!raw) {
        return undefined;
    }
    const out: Partial<Record<GemAttributeSemantic, number>> = {};
    for (const part of raw.split(",")) {
        const [name, count] = part.split("=");
        if (!GemSemanticOrder.includes(name as GemAttributeSemantic) || !/^\d+$/.test(count ?? "")) {
            throw new DistillationError("invalid-option", "command line", "--components", `group=count pairs over ${GemSemanticOrder.join(", ")}`, part);
        }
        out[name as GemAttributeSemantic] = Number(count);
    }
    return out;
}

const inflate = (data: Uint8Array, size: number) => new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }));

/** What the command printed and wrote. */
export interface DistillCommandResult {
    model: GemModel;
    bytes: number;
    lines: string[];
}

/**
 * Runs the command.
 * @param argv arguments (without node and the script)
 * @param onProgress progress callback
 * @returns the model, the file size and the report lines
 * @throws DistillationError or GemFormatError with what was wrong
 */
export function runDistillCommand(argv: readonly string[], onProgress?: (stage: string, done: number, total: number) => void): DistillCommandResult {
    const args = parseArguments(argv);
    const out = args.values.get("out");
    if (!out) {
        throw new DistillationError("invalid-option", "command line", "--out", "an output .gem file", "none");
    }
    const dtype = (args.values.get("dtype") ?? "float16") as GemArrayDtype;
    if (!["float32", "float16", "uint8"].includes(dtype)) {
        throw new DistillationError("invalid-option", "command line", "--dtype", "float32 | float16 | uint8", dtype);
    }
    const holdout = number(args, "holdout") ?? 0;
    const common: DistillationOptions = {
        components: components(args.values.get("components")),
        explainedVariance: number(args, "variance"),
        maxComponents: number(args, "max-components"),
        name: args.values.get("name"),
        onProgress,
    };
    const clusters = number(args, "clusters");
    let model: GemModel;
    let sequence: GaussianSequence;
    let heldOut: number[];
    let spectra: DistillationSpectrum[];
    const flamePath = args.values.get("flame");
    if (flamePath) {
        const flameBytes = readFileSync(flamePath);
        const { model: flame } = parseFlameNpz(flameBytes, basename(flamePath), {}, inflate);
        const faceCount = flame.data.faces.length / 3;
        const rigPath = args.values.get("rig");
        let rig: RiggedGaussians;
        if (rigPath) {
            const rigBytes = readFileSync(rigPath);
            rig = /\.ply$/i.test(rigPath)
                ? parseGaussianAvatarsPly(rigBytes, basename(rigPath), faceCount)
                : riggedGaussiansFromArrays(readNpz(rigBytes, basename(rigPath), inflate), basename(rigPath), faceCount);
        } else {
            const arrays = readNpz(flameBytes, basename(flamePath), inflate);
            if (!hasRiggedGaussians(arrays)) {
                throw new DistillationError("invalid-option", basename(flamePath), "--rig", "rigged Gaussians in the model npz (gaussians_* keys) or a --rig file", "neither");
            }
            rig = riggedGaussiansFromArrays(arrays, basename(flamePath), faceCount);
        }
        const trackPath = args.values.get("track");
        if (!trackPath) {
            throw new DistillationError("invalid-option", "command line", "--track", "a FLAME track npz driving the teacher", "none");
        }
        const track = fitFlameTrackToModel(
            flameTrackFromArrays(readNpz(readFileSync(trackPath), basename(trackPath), inflate), basename(trackPath)),
            flame,
            basename(trackPath),
            true
        );
        let regions: GaussianRegions | undefined;
        const regionsPath = args.values.get("regions");
        if (regionsPath) {
            const masks = new Map(
                [...readNpz(readFileSync(regionsPath), basename(regionsPath), inflate)].map(([name, array]) => [name, Array.from(array.data as ArrayLike<number>)])
            );
            regions = regionsFromVertexMasks(rig.binding, flame.data.faces, masks, flame.vertexCount);
        } else if (clusters !== undefined) {
            regions = regionsByClustering(riggedRestPositions(flame, rig), clusters);
        }
        const result = distillFlameTeacher(flame, rig, track, { ...common, regions, heldOutFrames: holdout, fitFlameMap: !args.flags.has("no-map"), ridge: number(args, "ridge") });
        ({ model, sequence, heldOutFrames: heldOut, spectra } = result);
    } else {
        const files = args.lists.get("ply") ?? [];
        const dir = args.values.get("ply-dir");
        if (dir) {
            files.push(
                ...readdirSync(dir)
                    .filter((name) => /\.ply$/i.test(name))
                    .sort()
                    .map((name) => join(dir, name))
            );
        }
        if (files.length === 0) {
            throw new DistillationError("invalid-option", "command line", "input", "--flame with --track, --ply-dir or --ply", "none");
        }
        sequence = plySequence(files.map((path) => ({ name: basename(path), read: () => readFileSync(path) })));
        const trainingFrames = Array.from({ length: Math.max(0, files.length - holdout) }, (_, i) => i);
        const regions = clusters !== undefined ? regionsByClustering(sequence.frame(0).positions, clusters) : undefined;
        const result = distillGem(sequence, { ...common, regions, trainingFrames });
        ({ model, spectra } = result);
        heldOut = Array.from({ length: holdout }, (_, i) => files.length - holdout + i);
    }
    const bytes = serializeGemFile(model, { basisDtype: dtype, generator: "tools/distillGem.ts" });
    writeFileSync(out, bytes);
    const lines = [`wrote ${out}: ${model.gaussianCount} Gaussians, ${model.totalComponents} components, ${(bytes.byteLength / 1e6).toFixed(2)} MB (${dtype} bases)`];
    for (const s of spectra) {
        const total = s.variances.reduce((a, b) => a + b, 0);
        const kept = s.variances.slice(0, s.kept).reduce((a, b) => a + b, 0);
        lines.push(
            `  ${s.semantic}${s.region === "all" ? "" : ` / ${s.region}`}: K = ${s.kept}${total > 0 ? `, ${((100 * kept) / total).toFixed(3)}% of the variance` : " (static)"}`
        );
    }
    if (model.drivers.length > 0) {
        lines.push(`  FLAME map: ${model.drivers[0].inputs.length} inputs (${model.drivers[0].inputs.join(", ")})`);
    }
    if (heldOut.length > 0) {
        let sum = 0;
        for (const t of heldOut) {
            const frame = sequence.frame(t);
            sum += attributeRmse(reconstructGaussians(model, projectGaussians(model, frame)), frame).positionMm ** 2;
        }
        lines.push(`  held-out frames: ${heldOut.length}, position RMSE ${Math.sqrt(sum / heldOut.length).toFixed(4)} mm (best coefficients)`);
    }
    return { model, bytes: bytes.byteLength, lines };
}

/** Rest-pose centres of rigged Gaussians (for clustering). */
function riggedRestPositions(flame: import("../../core/flame/FlameModel.js").FlameModel, rig: import("../../core/flame/riggedGaussians.js").RiggedGaussians): Float32Array {
    const faces = flame.data.faces;
    const v = flame.data.template;
    const out = new Float32Array(3 * rig.count);
    for (let i = 0; i < rig.count; i++) {
        const f = rig.binding[i];
        for (let c = 0; c < 3; c++) {
            out[3 * i + c] = (v[3 * faces[3 * f] + c] + v[3 * faces[3 * f + 1] + c] + v[3 * faces[3 * f + 2] + c]) / 3;
        }
    }
    return out;
}
