/**
 * A contact sheet of the realistic default heads: `npm run head-sheet` (`-- --before=<git revision>`).
 * Each head front, three-quarter and profile, neutral and three expressions (a smile, surprise, a look aside with a
 * wink), rendered in headless Chromium through Babylon's splat pipeline from the committed `.gem` files through their
 * ARKit maps. With `--before`, each head's row from that revision's files is drawn above the current one.
 * `--source=teacher` renders the heads' teacher Gaussians instead (no distillation: for working on the heads).
 *
 * Options: --size=200 (tile pixels), --distance=0.36 (camera, metres), --views=0,0.6,1.45 (yaws), --expressions=0,1,2,3, --heads=a,b,
 * --focus=x,y,z (a point of the head brought to the middle).
 * Writes docs/images/heads-before-after.png (or `--out=`).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ArkitBlendshapeNames } from "../core/animation/arkitBlendshapes.js";
import { posedRiggedGaussians } from "../core/flame/riggedGaussians.js";
import { evaluateDriver } from "../core/gemDrivers.js";
import { reconstructGaussians, type GemGaussians } from "../core/gemReconstruction.js";
import { parseGemFile } from "../loaders/gem/gemContainer.js";
import { repoRoot } from "./browser/browserSession.js";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { createIctHeadRig, ictExpressionWeights, ictVertices, IctHeadIdentities } from "./synthetic/ictHead.js";
import { readIctFaceKit } from "./synthetic/ictFaceKitFile.js";
import { encodePng, tileImages } from "./writers/pngWriter.js";

const argument = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const before = argument("before", "");
const source = argument("source", "files");
const size = Number(argument("size", "200"));
const out = resolve(repoRoot, argument("out", "docs/images/heads-before-after.png"));
const heads = argument("heads", IctHeadIdentities.map((h) => h.name).join(",")).split(",");

/** The sheet's expressions as ARKit weights. */
export const SheetExpressions: { name: string; weights: Record<string, number> }[] = [
    { name: "neutral", weights: {} },
    { name: "smile", weights: { mouthSmileLeft: 0.85, mouthSmileRight: 0.85, jawOpen: 0.2, cheekSquintLeft: 0.4, cheekSquintRight: 0.4 } },
    { name: "surprise", weights: { jawOpen: 0.5, browInnerUp: 0.8, browOuterUpLeft: 0.8, browOuterUpRight: 0.8, eyeWideLeft: 0.7, eyeWideRight: 0.7 } },
    { name: "look aside, wink", weights: { eyeLookOutLeft: 1, eyeLookInRight: 1, eyeBlinkRight: 1, mouthPucker: 0.5 } },
];
const expressionIndices = argument("expressions", "0,1,2,3").split(",").map(Number);
const views = argument("views", "0,0.6,1.45").split(",").map(Number);
const distance = Number(argument("distance", "0.36"));
/** A point of the head brought to the middle of the picture (x,y,z metres, the head's frame). */
const focus = argument("focus", "0,0,0").split(",").map(Number);

const arkitRow = (weights: Record<string, number>) => Float32Array.from(ArkitBlendshapeNames, (name) => weights[name] ?? 0);

function fileFrames(bytes: Uint8Array, name: string): (weights: Float32Array) => GemGaussians {
    const model = parseGemFile(bytes, name);
    const driver = model.getDriver("arkit")!;
    return (weights) =>
        reconstructGaussians(
            model,
            evaluateDriver(
                driver,
                Float32Array.from(driver.inputs, (input) => weights[ArkitBlendshapeNames.indexOf(input)] ?? 0)
            )
        );
}

const kit = source === "teacher" ? readIctFaceKit() : null;
const rows: { label: string; frame: (weights: Float32Array) => GemGaussians }[] = [];
for (const name of heads) {
    const head = IctHeadIdentities.find((h) => h.name === name);
    if (!head) {
        throw new Error(`--heads: each one of ${IctHeadIdentities.map((h) => h.name).join(", ")}, not ${name}`);
    }
    if (before) {
        const bytes = execFileSync("git", ["show", `${before}:samples/assets/${name}.gem`], { cwd: repoRoot, maxBuffer: 64 << 20 });
        rows.push({ label: `${name} @ ${before}`, frame: fileFrames(new Uint8Array(bytes), `${name}.gem`) });
    }
    if (kit) {
        const rig = createIctHeadRig(kit, head);
        // --parts=iris,pupil draws only those parts (for working on one).
        const only = argument("parts", "");
        if (only) {
            rig.parts.forEach((part, i) => {
                if (!only.split(",").includes(part)) {
                    rig.rig.opacityLogits[i] = -30;
                }
            });
        }
        rows.push({ label: `${name} teacher`, frame: (weights) => posedRiggedGaussians(rig.rig, ictVertices(kit, head.identity, ictExpressionWeights(kit, weights)), kit.faces) });
    } else {
        rows.push({ label: name, frame: fileFrames(new Uint8Array(readFileSync(resolve(repoRoot, `samples/assets/${name}.gem`))), `${name}.gem`) });
    }
}

const renderer = await openFrameRenderer(size, size, distance);
const tiles: Uint8Array[] = [];
try {
    for (const row of rows) {
        for (const expression of expressionIndices.map((i) => SheetExpressions[i])) {
            const gaussians = row.frame(arkitRow(expression.weights));
            for (let i = 0; i < gaussians.count; i++) {
                for (let c = 0; c < 3; c++) {
                    gaussians.positions[3 * i + c] -= focus[c];
                }
            }
            for (const yaw of views) {
                tiles.push((await renderer.render(gaussians, yaw, 1, 0.05)).pixels);
            }
        }
        console.log(`rendered ${row.label}`);
    }
} finally {
    await renderer.close();
}
const grid = tileImages(tiles, size, size, expressionIndices.length * views.length);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, encodePng(grid.pixels, grid.width, grid.height));
console.log(
    `wrote ${out}: rows ${rows.map((r) => r.label).join(" | ")}; columns: ${expressionIndices
        .map((i) => SheetExpressions[i])
        .map((e) => e.name)
        .join(", ")} × yaw ${views.join(", ")}`
);
