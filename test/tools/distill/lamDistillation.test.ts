/**
 * `npm run distill -- --lam`: a LAM avatar zip (synthetic, LAM's layout) distils into a compact GEM model whose ARKit map
 * follows the exact LAM model on held-out talking frames.
 */
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ArkitBlendshapeNames } from "../../../core/animation/arkitBlendshapes.js";
import { evaluateDriver } from "../../../core/gemDrivers.js";
import { reconstructGaussians } from "../../../core/gemReconstruction.js";
import { serializeGemFile } from "../../../loaders/gem/gemContainer.js";
import { distillLamAvatar, readLamAvatarModel } from "../../../tools/distill/lamDistillation.js";

import { readIctFaceKit, readTalkingTrack } from "../../../tools/synthetic/ictFaceKitFile.js";
import { createLamAvatarParts, zipLamAvatar } from "../../../tools/synthetic/lamAvatar.js";

describe("distilling a LAM avatar zip", () => {
    it("turns 51 morph targets into a K-component GEM model with an ARKit map that follows the LAM model", { timeout: 120_000 }, async () => {
        const zip = zipLamAvatar(createLamAvatarParts(readIctFaceKit(), { vertices: 1500 }), (d) => new Uint8Array(deflateRawSync(d)));
        const exact = await readLamAvatarModel(zip, "synthetic.zip");
        expect(exact.totalComponents).toBe(51);
        const distilled = distillLamAvatar(exact, readTalkingTrack(), { components: { position: 16 } });
        const model = distilled.model;
        expect(model.getGroup("position").components).toBe(16);
        expect(model.getDriver("arkit")!.inputs).toEqual(expect.arrayContaining(["jawOpen", "eyeBlinkLeft", "mouthSmileLeft"]));
        expect(model.getDriver("flame")).toBeDefined();
        expect(serializeGemFile(model, { basisDtype: "float16" }).byteLength).toBeLessThan(serializeGemFile(exact, { basisDtype: "float16" }).byteLength / 2);
        const driver = model.getDriver("arkit")!;
        const exactDriver = exact.getDriver("arkit")!;
        let error = 0;
        let motion = 0;
        let n = 0;
        for (const t of distilled.heldOutFrames) {
            const row = distilled.expressions[t];
            const teacher = reconstructGaussians(
                exact,
                evaluateDriver(
                    exactDriver,
                    Float32Array.from(exactDriver.inputs, (name) => row[ArkitBlendshapeNames.indexOf(name)])
                )
            );
            const rest = reconstructGaussians(exact, new Float32Array(exact.totalComponents));
            const ours = reconstructGaussians(
                model,
                evaluateDriver(
                    driver,
                    Float32Array.from(driver.inputs, (name) => row[ArkitBlendshapeNames.indexOf(name)])
                )
            );
            for (let i = 0; i < teacher.positions.length; i++) {
                error += (ours.positions[i] - teacher.positions[i]) ** 2;
                motion += (rest.positions[i] - teacher.positions[i]) ** 2;
                n++;
            }
        }
        const rmse = Math.sqrt(error / n) * 1000;
        const still = Math.sqrt(motion / n) * 1000;
        console.log(`LAM distillation (K = 16): held-out position RMSE ${rmse.toFixed(3)} mm; the talking motion itself ${still.toFixed(3)} mm`);
        expect(rmse).toBeLessThan(still / 4);
    });
});
