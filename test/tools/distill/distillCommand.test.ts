import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { runDistillCommand } from "../../../tools/distill/distillCommand.js";
import { DistillationError } from "../../../tools/distill/DistillationError.js";
import { writeGaussianAvatarsPly, writeGaussianPly } from "../../../tools/writers/gaussianPlyWriter.js";
import { riggedGaussianArrays, writeNpz } from "../../../tools/writers/npzWriter.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";
import { createTestFlameTrackNpz } from "../../../tools/synthetic/testFlameTrack.js";
import { createTestRig } from "../../../tools/synthetic/testRig.js";
import { arraySequence } from "../../../tools/distill/gaussianSequence.js";
import { createRandomModel, randomCoefficients, createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { reconstructGaussians } from "../../../core/gemReconstruction.js";

const dir = mkdtempSync(join(tmpdir(), "gem-distill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run distill", () => {
    const flameBytes = createTestFlameNpz();
    const flame = parseFlameNpz(flameBytes, "test-flame.npz").model;
    const rig = createTestRig(flame, 2);
    writeFileSync(join(dir, "head.npz"), flameBytes);
    writeFileSync(join(dir, "rig.npz"), writeNpz(riggedGaussianArrays(rig)));
    writeFileSync(join(dir, "point_cloud.ply"), writeGaussianAvatarsPly(rig));
    writeFileSync(join(dir, "track.npz"), createTestFlameTrackNpz(120));

    it("distils a FLAME teacher (model + rig npz + track) into a .gem with a FLAME map and a held-out report", () => {
        const out = join(dir, "teacher.gem");
        const { lines, model } = runDistillCommand([
            "--flame",
            join(dir, "head.npz"),
            "--rig",
            join(dir, "rig.npz"),
            "--track",
            join(dir, "track.npz"),
            "--out",
            out,
            "--components",
            "position=12,scale=4,rotation=6",
            "--holdout",
            "20",
        ]);
        const back = parseGemFile(readFileSync(out), "teacher.gem");
        expect(back.gaussianCount).toBe(rig.count);
        expect(back.getGroup("position").components).toBe(12);
        expect(back.getDriver("flame")!.inputs).toContain("jawPose.0");
        expect(model.totalComponents).toBe(back.totalComponents);
        expect(lines.join("\n")).toMatch(/held-out frames: 20, position RMSE [0-9.]+ mm/);
    });

    it("takes GaussianAvatars' PLY as the rig, and localized PCA by clusters", () => {
        const out = join(dir, "local.gem");
        runDistillCommand([
            "--flame",
            join(dir, "head.npz"),
            "--rig",
            join(dir, "point_cloud.ply"),
            "--track",
            join(dir, "track.npz"),
            "--out",
            out,
            "--clusters",
            "4",
            "--components",
            "position=3",
            "--dtype",
            "uint8",
            "--no-map",
        ]);
        const back = parseGemFile(readFileSync(out), "local.gem");
        expect(back.getGroup("position").components).toBe(12);
        expect(back.getGroup("position").basis!.dtype).toBe("uint8");
        expect(back.drivers).toHaveLength(0);
        expect(back.getGroup("position").componentNames!.map((n) => n.split(".")[0])).toEqual(expect.arrayContaining(["cluster0", "cluster3"]));
    });

    it("distils a 3DGS PLY sequence from a directory", () => {
        const truth = createRandomModel({ gaussianCount: 300, seed: 4, components: { position: 3, scale: 2 } });
        const random = createRandom(2);
        const frames = Array.from({ length: 16 }, () => reconstructGaussians(truth, randomCoefficients(truth.totalComponents, random)));
        mkdirSync(join(dir, "frames"));
        frames.forEach((frame, i) => writeFileSync(join(dir, "frames", `frame${String(i).padStart(3, "0")}.ply`), writeGaussianPly(frame)));
        const out = join(dir, "ply.gem");
        const { lines } = runDistillCommand(["--ply-dir", join(dir, "frames"), "--out", out, "--variance", "0.99999"]);
        const back = parseGemFile(readFileSync(out), "ply.gem");
        expect(back.getGroup("position").components).toBe(3);
        expect(lines[0]).toMatch(/300 Gaussians/);
        expect(arraySequence("x", frames).frameCount).toBe(16);
    });

    it("explains what is wrong with the input", () => {
        const fail = (argv: string[]) => {
            try {
                runDistillCommand(argv);
            } catch (error) {
                return error as Error;
            }
            throw new Error("no error");
        };
        expect(fail(["--ply-dir", join(dir, "frames")]).message).toMatch(/--out/);
        expect(fail(["--flame", join(dir, "head.npz"), "--track", join(dir, "track.npz"), "--out", join(dir, "x.gem")])).toBeInstanceOf(DistillationError);
        expect(fail(["--ply", join(dir, "frames", "frame000.ply"), "--out", join(dir, "x.gem")]).message).toMatch(/at least 2 frames/);
        writeFileSync(
            join(dir, "small.ply"),
            writeGaussianPly({
                count: 1,
                positions: new Float32Array(3),
                scales: new Float32Array(3).fill(0.01),
                rotations: new Float32Array([1, 0, 0, 0]),
                opacities: new Float32Array(1),
                colors: new Float32Array(3),
            })
        );
        const mismatch = fail(["--ply", join(dir, "frames", "frame000.ply"), join(dir, "small.ply"), "--out", join(dir, "x.gem")]) as DistillationError;
        expect(mismatch.code).toBe("gaussian-count-mismatch");
        expect(fail(["--ply-dir", join(dir, "frames"), "--out", join(dir, "x.gem"), "--components", "nose=3"]).message).toMatch(/group=count/);
    });
});
