import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { reconstructGaussians } from "../../core/gemReconstruction.js";
import { createPerformanceModel, gaussianImportance, selectGaussians, truncateCoefficients, type PerformanceModelSummary } from "../../core/performanceModel.js";

const model = parseGemFile(readFileSync(resolve(__dirname, "../../samples/assets/cartoon-head.gem")), "cartoon-head.gem");

function random(seed: number): () => number {
    let state = seed;
    return () => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return state / 4294967296 - 0.5;
    };
}

describe("performance model (headset mode)", () => {
    it("reconstructs what the full model gives with the dropped components at zero, on the kept Gaussians, to half precision", () => {
        const maxComponents = 4;
        const budget = Math.floor(model.gaussianCount * 0.6);
        const reduced = createPerformanceModel(model, { maxComponents, splatBudget: budget });
        const kept = selectGaussians(model, budget);
        expect(reduced.gaussianCount).toBe(budget);
        const next = random(11);
        for (let trial = 0; trial < 5; trial++) {
            const full = Float32Array.from({ length: model.totalComponents }, () => 3 * next());
            model.groups.forEach((group, index) =>
                full.fill(0, model.coefficientOffsets[index] + Math.min(group.components, maxComponents), model.coefficientOffsets[index] + group.components)
            );
            const expected = reconstructGaussians(model, full);
            const actual = reconstructGaussians(reduced, truncateCoefficients(model, reduced, full));
            for (const attribute of ["positions", "opacities", "scales", "rotations", "colors"] as const) {
                const channels = expected[attribute].length / model.gaussianCount;
                let worst = 0;
                let magnitude = 0;
                for (let i = 0; i < kept.length; i++) {
                    for (let c = 0; c < channels; c++) {
                        const e = expected[attribute][kept[i] * channels + c];
                        const a = actual[attribute][i * channels + c];
                        worst = Math.max(worst, Math.abs(a - e));
                        magnitude = Math.max(magnitude, Math.abs(e));
                    }
                }
                expect(Number.isNaN(worst)).toBe(false);
                // float16 keeps 11 significant bits: 2^-11 of each basis term, a few terms summed.
                expect(worst / Math.max(magnitude, 1e-6)).toBeLessThan(3e-3);
            }
        }
    });

    it("halves precision, truncates K and keeps the most visible splats; the bytes read per frame shrink to match", () => {
        const reduced = createPerformanceModel(model, { maxComponents: 8, splatBudget: 5000 });
        const summary = reduced.metadata.performanceMode as PerformanceModelSummary;
        expect(summary.gaussians).toEqual([model.gaussianCount, 5000]);
        let expectedBytes = 0;
        for (const group of reduced.groups) {
            expect(group.components).toBe(Math.min(8, model.findGroup(group.name)!.components));
            if (group.basis) {
                expect(group.basis.dtype).toBe("float16");
                expectedBytes += group.components * 5000 * group.channels * 2;
            }
        }
        expect(summary.basisBytes[1]).toBe(expectedBytes);
        expect(summary.basisBytes[1]).toBeLessThan(summary.basisBytes[0] / 2);
        // The kept splats are the most visible: their mean importance beats the dropped ones'.
        const kept = new Set(selectGaussians(model, 5000));
        const importance = gaussianImportance(model);
        let keptLeast = Infinity;
        let droppedMost = -Infinity;
        for (let g = 0; g < model.gaussianCount; g++) {
            if (kept.has(g)) keptLeast = Math.min(keptLeast, importance[g]);
            else droppedMost = Math.max(droppedMost, importance[g]);
        }
        expect(keptLeast).toBeGreaterThanOrEqual(droppedMost);
        // The FLAME driver keeps the rows of the kept components, so tracks and room streams drive both models alike.
        const fullDriver = model.getDriver("flame")!;
        const driver = reduced.getDriver("flame")!;
        expect(driver.inputs).toEqual(fullDriver.inputs);
        const row = reduced.coefficientOffsets[1];
        const fullRow = model.coefficientOffsets[1];
        expect(Array.from(driver.matrix.subarray(row * driver.inputs.length, (row + 1) * driver.inputs.length))).toEqual(
            Array.from(fullDriver.matrix.subarray(fullRow * driver.inputs.length, (fullRow + 1) * driver.inputs.length))
        );
        // A performance model is an ordinary model: it serialises and parses back.
        const again = parseGemFile(serializeGemFile(reduced), "reduced.gem");
        expect(again.gaussianCount).toBe(5000);
        expect(again.totalComponents).toBe(reduced.totalComponents);
    });

    it("refuses nonsense options", () => {
        expect(() => createPerformanceModel(model, { splatBudget: 0 })).toThrow(GemFormatError);
        expect(() => createPerformanceModel(model, { maxComponents: -1 })).toThrow(GemFormatError);
    });
});
