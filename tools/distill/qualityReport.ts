/**
 * Quality versus number of components: reconstruction error of a distilled model against its teacher on held-out
 * frames (per-attribute RMSE; PSNR and SSIM of renders in the real browser when a renderer is given), through the best
 * K-component coefficients (projection) and through the FLAME map, with the file size per storage type.
 */
import { serializeGemFile, type GemArrayDtype } from "../../loaders/gem/gemContainer.js";
import { trackFrameParameters, type FlameTrack } from "../../core/flame/flameTrack.js";
import { evaluateDriver, flameDriverInputs } from "../../core/gemDrivers.js";
import { reconstructGaussians, type GemGaussians } from "../../core/gemReconstruction.js";
import type { GemLinearDriver, GemModel } from "../../core/GemModel.js";
import type { FrameRenderer, RenderedImage } from "./frameRenderer.js";
import type { GaussianSequence } from "./gaussianSequence.js";
import { projectGaussians, truncateComponents } from "./gemDistillation.js";
import { psnr, ssim } from "./imageMetrics.js";

/** Per-attribute root-mean-square error. */
export interface AttributeRmse {
    /** Centres, millimetres. */
    positionMm: number;
    /** Scales, millimetres. */
    scaleMm: number;
    /** Unit quaternions (sign-aligned), dimensionless. */
    rotation: number;
    /** Opacity. */
    opacity: number;
    /** RGB in [0, 1]. */
    color: number;
}

/** One row of the table. */
export interface QualityRow {
    /** Components per group (cap), or the full model. */
    components: number | "all";
    /** Components actually kept, per group. */
    kept: Record<string, number>;
    /** Total coefficient count. */
    totalComponents: number;
    /** Held-out RMSE through projection (the best the K-component model can do). */
    rmse: AttributeRmse;
    /** Held-out RMSE through the FLAME map, when the model has one. */
    mapRmse?: AttributeRmse;
    /** Mean PSNR (dB) / SSIM of renders against the teacher's, projection. */
    psnr?: number;
    ssim?: number;
    /** The same through the FLAME map. */
    mapPsnr?: number;
    mapSsim?: number;
    /** `.gem` size in bytes per basis storage (means float32). */
    bytes: Record<GemArrayDtype, number>;
}

/** The report. */
export interface QualityReport {
    gaussians: number;
    heldOutFrames: number[];
    renderedFrames: number[];
    renderer?: string;
    rows: QualityRow[];
    /** Images of the rendered frames: teacher, then per row projection (and map) images. */
    images: { label: string; frame: number; image: RenderedImage }[];
}

/**
 * Per-attribute RMSE between two frames (rotations compared up to sign).
 * @param a reconstruction
 * @param b reference
 * @returns the errors
 */
export function attributeRmse(a: GemGaussians, b: GemGaussians): AttributeRmse {
    const rms = (x: Float32Array, y: Float32Array) => {
        let sum = 0;
        for (let i = 0; i < x.length; i++) {
            sum += (x[i] - y[i]) ** 2;
        }
        return Math.sqrt(sum / x.length);
    };
    let rotation = 0;
    for (let i = 0; i < a.count; i++) {
        let dot = 0;
        for (let c = 0; c < 4; c++) {
            dot += a.rotations[4 * i + c] * b.rotations[4 * i + c];
        }
        const sign = dot < 0 ? -1 : 1;
        for (let c = 0; c < 4; c++) {
            rotation += (sign * a.rotations[4 * i + c] - b.rotations[4 * i + c]) ** 2;
        }
    }
    return {
        positionMm: 1000 * rms(a.positions, b.positions),
        scaleMm: 1000 * rms(a.scales, b.scales),
        rotation: Math.sqrt(rotation / a.rotations.length),
        opacity: rms(a.opacities, b.opacities),
        color: rms(a.colors, b.colors),
    };
}

function meanRmse(list: AttributeRmse[]): AttributeRmse {
    const keys = Object.keys(list[0]) as (keyof AttributeRmse)[];
    // Root of the mean of squares over frames.
    return Object.fromEntries(keys.map((k) => [k, Math.sqrt(list.reduce((s, r) => s + r[k] ** 2, 0) / list.length)])) as unknown as AttributeRmse;
}

/** Options of {@link buildQualityReport}. */
export interface QualityReportOptions {
    /** Component caps to evaluate (the full model is always added). */
    components: number[];
    /** The FLAME track that drove the teacher, to evaluate the model's `flame` map. */
    track?: FlameTrack;
    /** Another driver map to evaluate (an ARKit teacher's `arkit` map): its name and its inputs at a sequence frame. */
    map?: { driver: string; inputs: (frame: number, driver: GemLinearDriver) => ArrayLike<number> };
    /** Renderer for PSNR / SSIM (omitted: RMSE and sizes only). */
    renderer?: FrameRenderer;
    /** How many held-out frames to render (spread over the held-out range). */
    renderCount?: number;
    /** Camera yaw per rendered frame (cycled). */
    yaws?: number[];
    /** Progress callback. */
    onProgress?: (stage: string, done: number, total: number) => void;
}

/**
 * Builds the report.
 * @param model the distilled model (with its `flame` driver when evaluating the map)
 * @param sequence the teacher sequence
 * @param heldOutFrames frames not used for fitting
 * @param options caps, track, renderer
 * @returns the report
 */
export async function buildQualityReport(model: GemModel, sequence: GaussianSequence, heldOutFrames: number[], options: QualityReportOptions): Promise<QualityReport> {
    const progress = options.onProgress ?? (() => {});
    const teacher = heldOutFrames.map((t) => sequence.frame(t));
    const renderCount = options.renderer ? Math.min(options.renderCount ?? 4, heldOutFrames.length) : 0;
    const renderIndices = Array.from({ length: renderCount }, (_, i) => Math.floor(((i + 0.5) * heldOutFrames.length) / renderCount));
    const yaws = options.yaws ?? [0, 0.5];
    const images: QualityReport["images"] = [];
    const teacherImages: RenderedImage[] = [];
    for (const [n, index] of renderIndices.entries()) {
        const image = await options.renderer!.render(teacher[index], yaws[n % yaws.length]);
        teacherImages.push(image);
        images.push({ label: "teacher", frame: heldOutFrames[index], image });
    }
    const caps: (number | "all")[] = [...options.components.filter((k) => k < maxComponents(model)), "all"];
    const rows: QualityRow[] = [];
    for (const [rowIndex, cap] of caps.entries()) {
        const truncated = cap === "all" ? model : truncateComponents(model, cap);
        const driver = truncated.getDriver(options.map?.driver ?? "flame");
        const projected = teacher.map((frame) => reconstructGaussians(truncated, projectGaussians(truncated, frame)));
        const inputsAt = (t: number, d: GemLinearDriver) => (options.map ? options.map.inputs(t, d) : flameDriverInputs(d, trackFrameParameters(options.track!, t, true)));
        const mapped = driver && (options.track || options.map) ? heldOutFrames.map((t) => reconstructGaussians(truncated, evaluateDriver(driver, inputsAt(t, driver)))) : null;
        const row: QualityRow = {
            components: cap,
            kept: Object.fromEntries(truncated.groups.map((g) => [g.name, g.components])),
            totalComponents: truncated.totalComponents,
            rmse: meanRmse(projected.map((p, i) => attributeRmse(p, teacher[i]))),
            mapRmse: mapped ? meanRmse(mapped.map((p, i) => attributeRmse(p, teacher[i]))) : undefined,
            bytes: {
                float32: serializeGemFile(truncated, { basisDtype: "float32" }).byteLength,
                float16: serializeGemFile(truncated, { basisDtype: "float16" }).byteLength,
                uint8: serializeGemFile(truncated, { basisDtype: "uint8" }).byteLength,
            },
        };
        if (options.renderer && renderCount > 0) {
            const scores = { psnr: [] as number[], ssim: [] as number[], mapPsnr: [] as number[], mapSsim: [] as number[] };
            for (const [n, index] of renderIndices.entries()) {
                const reference = teacherImages[n];
                const image = await options.renderer.render(projected[index], yaws[n % yaws.length]);
                scores.psnr.push(psnr(image.pixels, reference.pixels));
                scores.ssim.push(ssim(image.pixels, reference.pixels, image.width, image.height));
                images.push({ label: `K ${cap}`, frame: heldOutFrames[index], image });
                if (mapped) {
                    const mapImage = await options.renderer.render(mapped[index], yaws[n % yaws.length]);
                    scores.mapPsnr.push(psnr(mapImage.pixels, reference.pixels));
                    scores.mapSsim.push(ssim(mapImage.pixels, reference.pixels, image.width, image.height));
                    images.push({ label: `K ${cap} ${options.map ? options.map.driver.toUpperCase() : "FLAME"} map`, frame: heldOutFrames[index], image: mapImage });
                }
            }
            const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined);
            row.psnr = mean(scores.psnr);
            row.ssim = mean(scores.ssim);
            row.mapPsnr = mean(scores.mapPsnr);
            row.mapSsim = mean(scores.mapSsim);
        }
        rows.push(row);
        progress("quality vs K", rowIndex + 1, caps.length);
    }
    return { gaussians: model.gaussianCount, heldOutFrames, renderedFrames: renderIndices.map((i) => heldOutFrames[i]), renderer: options.renderer?.renderer, rows, images };
}

function maxComponents(model: GemModel): number {
    return Math.max(...model.groups.map((g) => g.components));
}

/**
 * The report as a Markdown table.
 * @param report the report
 * @returns Markdown
 */
export function formatQualityTable(report: QualityReport, mapLabel = "FLAME map"): string {
    const f = (x: number | undefined, digits: number) => (x === undefined ? "–" : Number.isFinite(x) ? x.toFixed(digits) : "∞");
    const mb = (b: number) => (b / 1e6).toFixed(2);
    const lines = [
        `| K (per group) | coefficients | position RMSE mm | scale RMSE mm | rotation RMSE | PSNR dB | SSIM | ${mapLabel}: position mm | map PSNR dB | map SSIM | MB float32 | MB float16 | MB uint8 |`,
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ];
    for (const row of report.rows) {
        lines.push(
            `| ${row.components} | ${row.totalComponents} | ${f(row.rmse.positionMm, 3)} | ${f(row.rmse.scaleMm, 4)} | ${f(row.rmse.rotation, 4)} | ${f(row.psnr, 2)} | ${f(row.ssim, 4)} | ${f(row.mapRmse?.positionMm, 3)} | ${f(row.mapPsnr, 2)} | ${f(row.mapSsim, 4)} | ${mb(row.bytes.float32)} | ${mb(row.bytes.float16)} | ${mb(row.bytes.uint8)} |`
        );
    }
    return lines.join("\n");
}
