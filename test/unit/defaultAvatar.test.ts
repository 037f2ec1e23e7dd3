import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGemFile, serializeGemFile } from "../../loaders/gemContainer";
import { reconstructGaussians } from "../../plugin/gemReconstruction";
import { createDefaultAvatarModel, DefaultAvatarPositionComponents } from "../../tools/defaultAvatar";

describe("embedded default avatar", () => {
    const committed = readFileSync(resolve(__dirname, "../../samples/assets/default-head.gem"));

    it("is what tools/makeDefaultAvatar.ts generates, byte for byte, and stays under 5 MB", () => {
        const generated = serializeGemFile(createDefaultAvatarModel(), { basisDtype: "float16", meanDtype: "float32", generator: "tools/makeDefaultAvatar.ts" });
        expect(Buffer.from(generated).equals(committed)).toBe(true);
        expect(committed.byteLength).toBeLessThan(5 * 1024 * 1024);
    });

    it("has named, meaningful modes that move the right parts", () => {
        const model = parseGemFile(committed, "default-head.gem");
        expect(model.getGroup("position").componentNames).toEqual(DefaultAvatarPositionComponents);
        const rest = reconstructGaussians(model, new Float32Array(model.totalComponents));
        const jaw = new Float32Array(model.totalComponents);
        jaw[0] = 1;
        const open = reconstructGaussians(model, jaw);
        // Jaw open moves Gaussians below the mouth down; nothing above the eyes moves.
        let movedDown = 0;
        let movedAbove = 0;
        for (let i = 0; i < model.gaussianCount; i++) {
            const dy = open.positions[3 * i + 1] - rest.positions[3 * i + 1];
            if (rest.positions[3 * i + 1] < -0.06 && dy < -0.002) {
                movedDown++;
            }
            if (rest.positions[3 * i + 1] > 0.03 && Math.abs(dy) > 1e-6) {
                movedAbove++;
            }
        }
        expect(movedDown).toBeGreaterThan(100);
        expect(movedAbove).toBe(0);
    });
});
