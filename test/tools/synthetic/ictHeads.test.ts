/**
 * The realistic default heads (Gaussians on ICT-FaceKit, distilled with an ARKit map): the committed files are the
 * tool's heads (same Gaussians as its teacher rig), under the size budget, three different faces, and their ARKit map
 * follows the teacher on the talking track's held-out frames.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ArkitBlendshapeNames } from "../../../core/animation/arkitBlendshapes.js";
import { evaluateDriver } from "../../../core/gemDrivers.js";
import { reconstructGaussians } from "../../../core/gemReconstruction.js";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { createIctHeadRig, IctHeadIdentities } from "../../../tools/synthetic/ictHead.js";
import { readIctFaceKit, readTalkingTrack } from "../../../tools/synthetic/ictFaceKitFile.js";
import { IctHeldOutFrom, ictTeacherSequence } from "../../../tools/synthetic/ictDefaultHeads.js";

const assets = resolve(__dirname, "../../../samples/assets");
const kit = readIctFaceKit();
const talking = readTalkingTrack();
const heldOut = talking.slice(IctHeldOutFrom);

describe("realistic default heads (ICT-FaceKit teacher, ARKit map)", () => {
    const files = IctHeadIdentities.map((head) => readFileSync(resolve(assets, `${head.name}.gem`)));
    const models = files.map((bytes, i) => parseGemFile(bytes, `${IctHeadIdentities[i].name}.gem`));

    it("stay within 5 MB each (float16 bases) and carry an arkit map over the 51 ICT shapes and a flame map", () => {
        for (const [i, model] of models.entries()) {
            expect(files[i].byteLength).toBeLessThan(5_000_000);
            const arkit = model.getDriver("arkit")!;
            expect(arkit.inputs.filter((name) => name !== "tongueOut").sort()).toEqual(ArkitBlendshapeNames.filter((name) => name !== "tongueOut").sort());
            expect(model.getDriver("flame")!.inputs).toEqual(expect.arrayContaining(["jawPose.0", "eyelids.0", "eyePose.4"]));
            expect(model.headJoints).not.toBeNull();
            expect(String(model.metadata.licence)).toMatch(/ICT-FaceKit/);
        }
    });

    it("are three different faces", () => {
        const rests = models.map((model) => reconstructGaussians(model, new Float32Array(model.totalComponents)));
        const extent = (g: (typeof rests)[number]) => {
            const min = [Infinity, Infinity, Infinity];
            const max = [-Infinity, -Infinity, -Infinity];
            for (let i = 0; i < g.count; i++) {
                for (let c = 0; c < 3; c++) {
                    min[c] = Math.min(min[c], g.positions[3 * i + c]);
                    max[c] = Math.max(max[c], g.positions[3 * i + c]);
                }
            }
            return max.map((v, c) => v - min[c]);
        };
        const meanColor = (g: (typeof rests)[number]) => [0, 1, 2].map((c) => g.colors.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / g.count);
        for (let a = 0; a < 3; a++) {
            for (let b = a + 1; b < 3; b++) {
                const shape = Math.max(...extent(rests[a]).map((v, c) => Math.abs(v - extent(rests[b])[c])));
                const colour = Math.max(...meanColor(rests[a]).map((v, c) => Math.abs(v - meanColor(rests[b])[c])));
                expect(shape + colour).toBeGreaterThan(0.004);
                expect(colour).toBeGreaterThan(0.03);
            }
        }
    });

    it("turn their pupils with the eyeLook channels while the corneal highlight stays with the light (CPU, through the ARKit map)", () => {
        for (const [i, head] of IctHeadIdentities.entries()) {
            const model = models[i];
            const parts = createIctHeadRig(kit, head).parts;
            const driver = model.getDriver("arkit")!;
            const pose = (weights: Record<string, number>) =>
                reconstructGaussians(
                    model,
                    evaluateDriver(
                        driver,
                        Float32Array.from(driver.inputs, (name) => weights[name] ?? 0)
                    )
                ).positions;
            const rest = pose({});
            const moved = pose({ eyeLookOutLeft: 1, eyeLookInRight: 1 });
            const largest = (part: string) => {
                let most = 0;
                let least = Number.POSITIVE_INFINITY;
                parts.forEach((p, g) => {
                    if (p === part) {
                        const d = Math.hypot(moved[3 * g] - rest[3 * g], moved[3 * g + 1] - rest[3 * g + 1], moved[3 * g + 2] - rest[3 * g + 2]) * 1000;
                        most = Math.max(most, d);
                        least = Math.min(least, d);
                    }
                });
                return { most, least };
            };
            expect(parts.length).toBe(model.gaussianCount);
            expect(parts.filter((p) => p === "pupil").length).toBeGreaterThan(20);
            // Both pupils move toward +x.
            parts.forEach((p, g) => {
                if (p === "pupil") {
                    expect(moved[3 * g] - rest[3 * g]).toBeGreaterThan(0.003);
                }
            });
            const pupil = largest("pupil");
            const highlight = largest("highlight");
            console.log(`${head.name}: looking +x moves the pupils ${pupil.least.toFixed(2)}-${pupil.most.toFixed(2)} mm, the highlights up to ${highlight.most.toFixed(3)} mm`);
            // 0.45 rad about a centre 11-12 mm behind the pupil moves it about 5 mm.
            expect(pupil.least).toBeGreaterThan(3.5);
            // The skin the highlight is anchored to moves a little with the lids (measured 0.44 mm).
            expect(highlight.most).toBeLessThan(0.6);
            expect(highlight.most).toBeLessThan(pupil.least / 8);
            expect(parts.filter((p) => p === "highlight").length).toBe(4);
        }
    });

    it("follow the teacher through the ARKit map on held-out talking frames (positions, mm), far better than standing still", () => {
        for (const [i, head] of IctHeadIdentities.entries()) {
            const model = models[i];
            const rig = createIctHeadRig(kit, head);
            expect(rig.rig.count).toBe(model.gaussianCount);
            const teacher = ictTeacherSequence(kit, head, rig, heldOut);
            const driver = model.getDriver("arkit")!;
            const still = reconstructGaussians(model, evaluateDriver(driver, new Float32Array(driver.inputs.length)));
            let error = 0;
            let stillError = 0;
            let n = 0;
            for (let f = 0; f < heldOut.length; f += 12) {
                const target = teacher.frame(f);
                const inputs = Float32Array.from(driver.inputs, (name) => heldOut[f][ArkitBlendshapeNames.indexOf(name)]);
                const ours = reconstructGaussians(model, evaluateDriver(driver, inputs));
                for (let k = 0; k < target.positions.length; k++) {
                    error += (ours.positions[k] - target.positions[k]) ** 2;
                    stillError += (still.positions[k] - target.positions[k]) ** 2;
                    n++;
                }
            }
            const rmse = Math.sqrt(error / n) * 1000;
            const stillRmse = Math.sqrt(stillError / n) * 1000;
            console.log(`${head.name}: held-out ARKit-map position RMSE ${rmse.toFixed(3)} mm (standing still: ${stillRmse.toFixed(3)} mm)`);
            // Measured 0.097-0.104 mm against 0.95-0.98 mm (the turning eyes are not linear in the weights).
            expect(rmse).toBeLessThan(0.15);
            expect(rmse).toBeLessThan(stillRmse / 5);
        }
    });
});
