/**
 * Distillation of a LAM avatar zip (`npm run distill -- --lam avatar.zip --out avatar.gem`): the avatar, read exactly as
 * the scene loader reads it, is posed by ARKit expressions and distilled like the default heads, so its 51 morph
 * targets (tens of MB of deltas at 20k Gaussians) become a K-component GEM model with an `arkit` map.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { registerBuiltInLoaders } from "@babylonjs/loaders/dynamic.js";
import { Scene } from "@babylonjs/core/scene.js";
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { evaluateDriver } from "../../core/gemDrivers.js";
import { reconstructGaussians } from "../../core/gemReconstruction.js";
import type { GemModel } from "../../core/GemModel.js";
import { serializeGemFile, type GemArrayDtype } from "../../loaders/gem/gemContainer.js";
import { readLamArchive } from "../../loaders/lam/lamArchive.js";
import { lamGemModel, parseLamOffsetPly } from "../../loaders/lam/lamGaussians.js";
import { readLamSkinAsync } from "../../loaders/lam/LamFileLoader.js";
import { IctHeldOutFrom } from "../synthetic/ictDefaultHeads.js";
import { readTalkingTrack } from "../synthetic/ictFaceKitFile.js";
import { arkitTrainingExpressions, distillArkitTeacher, type ArkitDistillationResult } from "./arkitDistillation.js";
import { components, number, parseArguments } from "./distillCommand.js";
import { DistillationError } from "./DistillationError.js";
import type { GaussianSequence } from "./gaussianSequence.js";

/**
 * Reads a LAM zip into its exact GEM model (morph deltas as the basis), in Node (Babylon's NullEngine for the glTF).
 * @param bytes the zip
 * @param fileName for errors
 * @returns the model
 */
export async function readLamAvatarModel(bytes: Uint8Array, fileName: string): Promise<GemModel> {
    registerBuiltInLoaders();
    const engine = new NullEngine();
    const scene = new Scene(engine);
    try {
        const archive = await readLamArchive(bytes, fileName);
        const gaussians = parseLamOffsetPly(archive.offsetPly, `${fileName}/offset.ply`);
        return lamGemModel(gaussians, await readLamSkinAsync(scene, archive.skinGlb, fileName, gaussians.count), fileName, archive.vertexOrder);
    } finally {
        scene.dispose();
        engine.dispose();
    }
}

/**
 * A LAM model posed by rows of ARKit weights.
 * @param model the exact model
 * @param rows 52 weights each
 * @returns the sequence
 */
export function lamTeacherSequence(model: GemModel, rows: readonly Float32Array[]): GaussianSequence {
    const driver = model.getDriver("arkit")!;
    const columns = driver.inputs.map((name) => ArkitBlendshapeNames.indexOf(name));
    const inputs = new Float32Array(driver.inputs.length);
    return {
        name: `LAM avatar ${String(model.metadata.name ?? "")}`,
        frameCount: rows.length,
        frame(t: number) {
            columns.forEach((c, i) => (inputs[i] = c >= 0 ? rows[t][c] : 0));
            return reconstructGaussians(model, evaluateDriver(driver, inputs));
        },
    };
}

/**
 * Distils a LAM model.
 * @param model the exact model
 * @param talking the talking track (rows of 52 ARKit weights)
 * @param options components per group, name, progress
 * @returns the distillation
 */
export function distillLamAvatar(
    model: GemModel,
    talking: readonly Float32Array[],
    options: { components?: Partial<Record<"position" | "scale" | "rotation", number>>; name?: string; onProgress?: (stage: string, done: number, total: number) => void } = {}
): ArkitDistillationResult {
    if (!model.getDriver("arkit")) {
        throw new DistillationError("invalid-input", String(model.metadata.file ?? "LAM avatar"), "morph targets", "ARKit-named morph targets in skin.glb", "none");
    }
    const training = arkitTrainingExpressions(talking.slice(0, IctHeldOutFrom));
    return distillArkitTeacher((rows) => lamTeacherSequence(model, rows), training, talking.slice(IctHeldOutFrom), {
        components: options.components ?? { position: 24 },
        name: options.name ?? String(model.metadata.name ?? "LAM avatar"),
        metadata: { source: `distilled from ${String(model.metadata.file ?? "a LAM avatar zip")}`, licence: model.metadata.licence },
        onProgress: options.onProgress,
    });
}

/**
 * The `--lam` form of the distill command.
 * @param argv arguments
 * @param onProgress progress
 * @returns report lines
 */
export async function runLamDistillCommand(argv: readonly string[], onProgress?: (stage: string, done: number, total: number) => void): Promise<string[]> {
    const args = parseArguments(argv);
    const input = args.values.get("lam");
    const out = args.values.get("out");
    if (!input || !out) {
        throw new DistillationError("invalid-option", "command line", "--lam / --out", "a LAM zip and an output .gem file", `${input ?? "none"} / ${out ?? "none"}`);
    }
    const dtype = (args.values.get("dtype") ?? "float16") as GemArrayDtype;
    const model = await readLamAvatarModel(new Uint8Array(readFileSync(input)), basename(input));
    const requested = components(args.values.get("components")) ?? { position: number(args, "max-components") ?? 24 };
    const distilled = distillLamAvatar(model, readTalkingTrack(), { components: requested, name: args.values.get("name"), onProgress });
    const bytes = serializeGemFile(distilled.model, { basisDtype: dtype, generator: "tools/distillGem.ts" });
    writeFileSync(out, bytes);
    let sum = 0;
    let n = 0;
    const driver = distilled.model.getDriver("arkit")!;
    for (const t of distilled.heldOutFrames) {
        const teacher = distilled.sequence.frame(t);
        const inputs = Float32Array.from(driver.inputs, (name) => distilled.expressions[t][ArkitBlendshapeNames.indexOf(name)]);
        const ours = reconstructGaussians(distilled.model, evaluateDriver(driver, inputs));
        for (let i = 0; i < teacher.positions.length; i++) {
            sum += (ours.positions[i] - teacher.positions[i]) ** 2;
            n++;
        }
    }
    return [
        `wrote ${out}: ${distilled.model.gaussianCount} Gaussians, ${distilled.model.totalComponents} components, ${(bytes.byteLength / 1e6).toFixed(2)} MB (${dtype} bases); the LAM model had ${model.totalComponents} morph targets`,
        `  arkit map: ${driver.inputs.length} inputs; held-out talking frames: ${distilled.heldOutFrames.length}, position RMSE ${(Math.sqrt(sum / Math.max(n, 1)) * 1000).toFixed(4)} mm`,
    ];
}
