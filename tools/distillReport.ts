/**
 * Quality versus number of components for the default avatar's distillation: `npm run distill-report`.
 * Distils the teacher with generous bases, truncates to each K, measures held-out RMSE per attribute and PSNR / SSIM
 * of real-browser renders against the teacher's, and file sizes per storage. Writes the table into
 * docs/DISTILLATION.md, the picture to docs/images/distillation-quality.png and the JSON to bench/results/.
 *
 * Options: --ks=2,4,8,16,24,32 (component caps), --max=48 (components distilled), --frames=4 (held-out frames rendered),
 * --size=256 (render size).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot } from "./browser/browserSession.js";
import { buildDefaultAvatar } from "./synthetic/defaultAvatar.js";
import { openFrameRenderer } from "./distill/frameRenderer.js";
import { createProgressBar } from "./distill/progressBar.js";
import { buildQualityReport, formatQualityTable } from "./distill/qualityReport.js";
import { encodePng, tileImages } from "./writers/pngWriter.js";

const argument = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const ks = argument("ks", "2,4,8,16,24,32").split(",").map(Number);
const max = Number(argument("max", "48"));
const renderCount = Number(argument("frames", "4"));
const size = Number(argument("size", "256"));

const progress = createProgressBar();
const started = performance.now();
const { result, track } = buildDefaultAvatar(progress, { position: max, scale: max, rotation: max });
const distillSeconds = (performance.now() - started) / 1000;
const renderer = await openFrameRenderer(size, size);
let report: Awaited<ReturnType<typeof buildQualityReport>>;
try {
    report = await buildQualityReport(result.model, result.sequence, result.heldOutFrames, { components: ks, track, renderer, renderCount, yaws: [0, 0.55], onProgress: progress });
} finally {
    await renderer.close();
}
const table = formatQualityTable(report);
console.log(table);

// Picture: one row per rendered frame: teacher, a few K, the full model and its FLAME map.
const columns = ["teacher", ...ks.filter((k) => [4, 16].includes(k)).map((k) => `K ${k}`), "K all", "K all FLAME map"];
const tiles = report.renderedFrames.flatMap((frame) => columns.map((label) => report.images.find((i) => i.frame === frame && i.label === label)!.image.pixels));
const grid = tileImages(tiles, size, size, columns.length);
mkdirSync(resolve(repoRoot, "docs/images"), { recursive: true });
writeFileSync(resolve(repoRoot, "docs/images/distillation-quality.png"), encodePng(grid.pixels, grid.width, grid.height));

const spectra = result.spectra.map((s) => ({ group: s.semantic, region: s.region, kept: s.kept, variances: Array.from(s.variances.slice(0, 64)) }));
const json = {
    date: new Date().toISOString(),
    node: process.version,
    renderer: report.renderer,
    distillSeconds,
    trainingFrames: result.trainingFrames.length,
    heldOutFrames: report.heldOutFrames.length,
    renderedFrames: report.renderedFrames,
    gaussians: report.gaussians,
    rows: report.rows,
    spectra,
};
mkdirSync(resolve(repoRoot, "bench/results"), { recursive: true });
const jsonPath = resolve(repoRoot, `bench/results/distillation-${json.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(jsonPath, JSON.stringify(json, null, 1));
writeFileSync(resolve(repoRoot, "docs/bench/distillation-reference.json"), JSON.stringify(json, null, 1));

const docPath = resolve(repoRoot, "docs/DISTILLATION.md");
const doc = readFileSync(docPath, "utf8");
const start = "<!-- quality-table:start -->";
const end = "<!-- quality-table:end -->";
const header = `Reference run ${json.date.slice(0, 10)}: ${report.gaussians} Gaussians, ${json.trainingFrames} training and ${json.heldOutFrames} held-out frames, ${report.renderedFrames.length} held-out frames rendered at ${size}×${size} (yaw 0 and 0.55 rad) in headless Chromium, ${report.renderer}. Distillation took ${distillSeconds.toFixed(1)} s (Node ${process.version}).`;
writeFileSync(docPath, `${doc.slice(0, doc.indexOf(start) + start.length)}\n${header}\n\n${table}\n${doc.slice(doc.indexOf(end))}`);
console.log(`wrote docs/DISTILLATION.md, docs/images/distillation-quality.png, ${jsonPath}`);
