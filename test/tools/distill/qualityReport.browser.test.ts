import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFrameRenderer, type FrameRenderer } from "../../../tools/distill/frameRenderer.js";
import { distillFlameTeacher } from "../../../tools/distill/flameDistillation.js";
import { buildQualityReport } from "../../../tools/distill/qualityReport.js";
import { psnr, ssim } from "../../../tools/distill/imageMetrics.js";
import { createTeacherHead, createTeacherTrack, TeacherExpressionNames } from "../../../tools/synthetic/teacherHead.js";
import { saveScreenshot } from "../../../tools/browser/browserSession.js";

let renderer: FrameRenderer;

describe("distillation quality report in the real browser", () => {
    beforeAll(async () => {
        renderer = await openFrameRenderer(128, 128);
    }, 300_000);

    afterAll(async () => {
        await renderer?.close();
    });

    it("renders teacher frames deterministically, and PSNR / SSIM rank the K-component models", async () => {
        const teacher = createTeacherHead({ rings: 30, segments: 40, gaussiansPerFace: 1 });
        const track = createTeacherTrack(150, 30);
        const result = distillFlameTeacher(teacher.model, teacher.rig, track, {
            heldOutFrames: 30,
            components: { position: 16, scale: 8, rotation: 8 },
            expressionLabels: TeacherExpressionNames,
        });
        const frame = result.sequence.frame(result.heldOutFrames[10]);
        const a = await renderer.render(frame);
        const b = await renderer.render(frame);
        expect(psnr(a.pixels, b.pixels)).toBe(Infinity);
        expect(ssim(a.pixels, b.pixels, 128, 128)).toBeCloseTo(1, 10);
        // The head covers a good part of the image.
        let lit = 0;
        for (let i = 0; i < a.pixels.length; i += 4) {
            lit += a.pixels[i] > 40 ? 1 : 0;
        }
        expect(lit).toBeGreaterThan(128 * 128 * 0.15);
        saveScreenshot("distillation-teacher-small", a.png);

        const report = await buildQualityReport(result.model, result.sequence, result.heldOutFrames, { components: [1, 4], track, renderer, renderCount: 2 });
        const [k1, k4, all] = report.rows;
        expect(report.rows.map((r) => r.components)).toEqual([1, 4, "all"]);
        expect(k1.rmse.positionMm).toBeGreaterThan(k4.rmse.positionMm);
        expect(k4.rmse.positionMm).toBeGreaterThan(all.rmse.positionMm);
        expect(all.psnr!).toBeGreaterThan(k1.psnr!);
        expect(all.ssim!).toBeGreaterThanOrEqual(k1.ssim!);
        expect(all.mapPsnr!).toBeGreaterThan(30);
        expect(k1.bytes.float16).toBeLessThan(all.bytes.float16);
        expect(all.bytes.uint8).toBeLessThan(all.bytes.float16);
        for (const row of report.rows) {
            for (const value of [row.psnr, row.ssim, row.mapPsnr, row.rmse.positionMm]) {
                expect(Number.isNaN(value)).toBe(false);
            }
        }
    }, 300_000);
});
