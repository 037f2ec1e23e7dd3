/**
 * Quality versus number of components for the realistic default heads: `npm run head-report` (`-- --head=head-b`).
 * Distils the ICT-FaceKit teacher with generous bases, truncates to each K, measures held-out RMSE per attribute and
 * PSNR / SSIM of real-browser renders against the teacher's (best coefficients, and through the ARKit map), and file
 * sizes per storage. Writes the table into docs/DISTILLATION.md, the picture to docs/images/default-head-quality.png
 * and the JSON to docs/bench/default-head-quality.json (and docs/bench/head-quality-<head>.json, whose K = 20 rows make the
 * per-head table between the heads-summary markers).
 *
 * Options: --head=default-head, --ks=4,8,12,16,20,24,32 (caps), --max=40 (position components distilled; scale and
 * rotation get half, or --scale= and --rotation=), --frames=4 (held-out frames rendered), --size=256. The shipped heads:
 * --max=20 --scale=5 --rotation=6.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ArkitBlendshapeNames } from "./../core/animation/arkitBlendshapes.js";
import { repoRoot } from "./browser/browserSession.js";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { createProgressBar } from "./distill/progressBar.js";
import { buildQualityReport, formatQualityTable } from "./distill/qualityReport.js";
import { buildIctHead } from "./synthetic/ictDefaultHeads.js";
import { IctHeadIdentities } from "./synthetic/ictHead.js";
import { readIctFaceKit, readTalkingTrack } from "./synthetic/ictFaceKitFile.js";
import { encodePng, tileImages } from "./writers/pngWriter.js";

const argument = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const headName = argument("head", "default-head");
const ks = argument("ks", "4,8,12,16,20,24,32").split(",").map(Number);
const max = Number(argument("max", "40"));
const renderCount = Number(argument("frames", "4"));
const size = Number(argument("size", "256"));
const head = IctHeadIdentities.find((h) => h.name === headName);
if (!head) {
    throw new Error(`--head: one of ${IctHeadIdentities.map((h) => h.name).join(", ")}, not ${headName}`);
}

const progress = createProgressBar();
const started = performance.now();
const scaleComponents = Number(argument("scale", String(max / 2)));
const rotationComponents = Number(argument("rotation", String(max / 2)));
const build = buildIctHead(readIctFaceKit(), head, readTalkingTrack(), {
    components: { position: max, scale: scaleComponents, rotation: rotationComponents },
    onProgress: progress,
});
const distillSeconds = (performance.now() - started) / 1000;
const renderer = await openFrameRenderer(size, size, 0.62);
let report: Awaited<ReturnType<typeof buildQualityReport>>;
try {
    report = await buildQualityReport(build.model, build.sequence, build.heldOutFrames, {
        components: ks,
        map: { driver: "arkit", inputs: (t, driver) => driver.inputs.map((name) => build.expressions[t][ArkitBlendshapeNames.indexOf(name)]) },
        renderer,
        renderCount,
        yaws: [0, 0.55],
        onProgress: progress,
    });
} finally {
    await renderer.close();
}
const table = formatQualityTable(report, "ARKit map");
console.log(table);

// A K equal to the full model appears once, as "K all".
const columns = ["teacher", ...ks.filter((k) => [8, 20].includes(k)).map((k) => `K ${k}`), "K all", "K all ARKIT map"].filter((label) =>
    report.images.some((i) => i.label === label)
);
const tiles = report.renderedFrames.flatMap((frame) => columns.map((label) => report.images.find((i) => i.frame === frame && i.label === label)!.image.pixels));
const grid = tileImages(tiles, size, size, columns.length);
mkdirSync(resolve(repoRoot, "docs/images"), { recursive: true });
// The default head's run makes the picture and the table in docs; every head's run makes its JSON and the summary.
const isDefault = head.name === IctHeadIdentities[0].name;
writeFileSync(resolve(repoRoot, isDefault ? "docs/images/default-head-quality.png" : `test-output/${head.name}-quality.png`), encodePng(grid.pixels, grid.width, grid.height));
const json = {
    date: new Date().toISOString(),
    node: process.version,
    head: head.name,
    renderer: report.renderer,
    distillSeconds,
    trainingFrames: build.result.trainingFrames.length,
    heldOutFrames: report.heldOutFrames.length,
    renderedFrames: report.renderedFrames,
    gaussians: report.gaussians,
    rows: report.rows,
};
mkdirSync(resolve(repoRoot, "docs/bench"), { recursive: true });
if (isDefault) {
    writeFileSync(resolve(repoRoot, "docs/bench/default-head-quality.json"), JSON.stringify(json, null, 1));
}
writeFileSync(resolve(repoRoot, `docs/bench/head-quality-${head.name}.json`), JSON.stringify(json, null, 1));
// The shipped heads (K = 20 position components) from every head's latest run (run with the shipped components).
const shipped = 20;
const summaryLines = [
    "| head | Gaussians | K (position) | `.gem` float16 MB | held-out PSNR dB | SSIM | through the ARKit map: PSNR dB | SSIM | run |",
    "| ---- | --------- | ------------ | ----------------- | ---------------- | ---- | ------------------------------ | ---- | --- |",
];
for (const other of IctHeadIdentities) {
    const path = resolve(repoRoot, `docs/bench/head-quality-${other.name}.json`);
    if (!existsSync(path)) {
        continue;
    }
    const run = JSON.parse(readFileSync(path, "utf8")) as typeof json;
    const row = run.rows.find((r) => r.components === shipped || (r.components === "all" && r.kept.geometry === shipped));
    if (row) {
        const f = (v: number | undefined, d: number) => (v === undefined ? "" : v.toFixed(d));
        summaryLines.push(
            `| ${other.name} | ${run.gaussians} | ${shipped} | ${(row.bytes.float16 / 1e6).toFixed(2)} | ${f(row.psnr, 2)} | ${f(row.ssim, 4)} | ${f(row.mapPsnr, 2)} | ${f(row.mapSsim, 4)} | ${run.date.slice(0, 10)} |`
        );
    }
}
const summaryStart = "<!-- heads-summary:start -->";
const summaryEnd = "<!-- heads-summary:end -->";
const current = readFileSync(resolve(repoRoot, "docs/DISTILLATION.md"), "utf8");
if (current.includes(summaryStart) && current.includes(summaryEnd)) {
    writeFileSync(
        resolve(repoRoot, "docs/DISTILLATION.md"),
        `${current.slice(0, current.indexOf(summaryStart) + summaryStart.length)}\n${summaryLines.join("\n")}\n${current.slice(current.indexOf(summaryEnd))}`
    );
}
const docPath = resolve(repoRoot, "docs/DISTILLATION.md");
const doc = readFileSync(docPath, "utf8");
const start = "<!-- heads-table:start -->";
const end = "<!-- heads-table:end -->";
const header = `Reference run ${json.date.slice(0, 10)} (${head.name}): ${report.gaussians} Gaussians, ${json.trainingFrames} training expressions and ${json.heldOutFrames} held-out frames of the talking track, ${report.renderedFrames.length} held-out frames rendered at ${size}×${size} (yaw 0 and 0.55 rad) in headless Chromium, ${report.renderer}. Distillation took ${distillSeconds.toFixed(1)} s (Node ${process.version}).`;
if (isDefault && doc.includes(start) && doc.includes(end)) {
    writeFileSync(docPath, `${doc.slice(0, doc.indexOf(start) + start.length)}\n${header}\n\n${table}\n${doc.slice(doc.indexOf(end))}`);
    console.log("wrote docs/DISTILLATION.md (default heads table)");
} else {
    console.log(`docs/DISTILLATION.md has no ${start} … ${end} markers: table printed only`);
}
console.log("wrote docs/images/default-head-quality.png, docs/bench/default-head-quality.json");
