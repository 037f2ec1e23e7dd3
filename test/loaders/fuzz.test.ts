/**
 * Mutation fuzzing over every parser (fixed seed, ≥ 10,000 mutants per run): each mutant must end as a typed
 * `GemFormatError` or as a load whose output passes the validation a clean file passes. The table is printed and
 * written to test-output/fuzz/report.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Scene } from "@babylonjs/core/scene.js";
import { registerBuiltInLoaders } from "@babylonjs/loaders/dynamic.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GemModel } from "../../core/GemModel.js";
import { reconstructGaussians } from "../../core/gemReconstruction.js";
import { flameForward } from "../../core/flame/flameForward.js";
import type { FlameModel } from "../../core/flame/FlameModel.js";
import { posedRiggedGaussians, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import type { FlameTrack } from "../../core/flame/flameTrack.js";
import type { GemGaussians } from "../../core/gemReconstruction.js";
import { readNpz } from "../../loaders/archives/npzArchive.js";
import { readTorchCheckpoint } from "../../loaders/archives/torchCheckpoint.js";
import { parseFlameNpz } from "../../loaders/flame/flameModelFile.js";
import { flameTrackFromArrays } from "../../loaders/flame/flameTrackFile.js";
import { parseGaussianAvatarsPly } from "../../loaders/flame/gaussianAvatarsPly.js";
import { riggedGaussiansFromArrays } from "../../loaders/flame/riggedGaussiansNpz.js";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { gemModelFromNpzArrays, gemModelFromUpstreamCheckpoint } from "../../loaders/gem/upstreamGem.js";
import { parseGaussianPly } from "../../loaders/ply/gaussianPly.js";
import { writeGaussianAvatarsPly, writeGaussianPly } from "../../tools/writers/gaussianPlyWriter.js";
import { riggedGaussianArrays, writeNpz } from "../../tools/writers/npzWriter.js";
import { createRandomModel } from "../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz } from "../../tools/synthetic/testFlameModel.js";
import { createTestFlameTrackNpz } from "../../tools/synthetic/testFlameTrack.js";
import { createTestRig } from "../../tools/synthetic/testRig.js";
import { lcgRandom } from "../support/lcgRandom.js";
import { lamGemModel, parseLamOffsetPly } from "../../loaders/lam/lamGaussians.js";
import { readLamArchive } from "../../loaders/lam/lamArchive.js";
import { readLamSkinAsync } from "../../loaders/lam/LamFileLoader.js";
import { ExpressionClip } from "../../plugin/animation/ExpressionClip.js";
import { parseLiveLinkFaceCsv } from "../../plugin/animation/liveLinkFaceCsv.js";
import { writeLiveLinkFaceCsv } from "../../tools/writers/liveLinkFaceCsvWriter.js";
import { parseLamExpressionTrack } from "../../plugin/animation/lamExpressionTrack.js";
import { readIctFaceKit } from "../../tools/synthetic/ictFaceKitFile.js";
import { createLamAvatarParts, zipLamAvatar } from "../../tools/synthetic/lamAvatar.js";
import { fuzzParser, requireAllFinite, type FuzzReport, type FuzzTarget } from "../support/parserFuzz.js";
import { deflatedZeros } from "../support/zipBombs.js";

const inflate = (data: Uint8Array, size: number) => new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }));
const deflate = (data: Uint8Array) => new Uint8Array(deflateRawSync(data));
const fixtures = resolve(__dirname, "../fixtures");
const random = lcgRandom(99);
const values = (n: number, scale: number) => Array.from({ length: n }, () => (random() * 2 - 1) * scale);

/** An avatar reads reconstructed Gaussians: at the mean and at random coefficients within ±3σ, all must be finite. */
function validateGem(output: unknown): void {
    const model = output as GemModel;
    expect(model).toBeInstanceOf(GemModel);
    requireAllFinite(reconstructGaussians(model, new Float32Array(model.totalComponents)), "mean Gaussians");
    requireAllFinite(reconstructGaussians(model, Float32Array.from(values(model.totalComponents, 3))), "Gaussians at ±3σ");
    for (const driver of model.drivers) {
        requireAllFinite(driver, `driver ${driver.name}`);
    }
}

function validateFlame(output: unknown): void {
    const { model } = output as { model: FlameModel };
    requireAllFinite(model.data, "FLAME model");
    const pose = (n: number) => values(n, 0.3);
    requireAllFinite(
        flameForward(model, {
            shape: values(model.shapeCount, 2),
            expression: values(model.expressionCount, 2),
            globalPose: pose(3),
            neckPose: pose(3),
            jawPose: pose(3),
            eyePose: pose(6),
            translation: pose(3),
        }).vertices,
        "posed FLAME vertices"
    );
}

const { model: flame } = parseFlameNpz(createTestFlameNpz({ rings: 10, segments: 12, shapeCount: 6, expressionCount: 5 }), "small-flame.npz");
const rig = createTestRig(flame, 1);
const faceCount = flame.data.faces.length / 3;

function validateRig(output: unknown): void {
    const posed = posedRiggedGaussians(output as RiggedGaussians, flameForward(flame, {}).vertices, flame.data.faces);
    requireAllFinite(posed, "posed rigged Gaussians");
}

const gemModel = createRandomModel({ gaussianCount: 24, components: { position: 4, opacity: 2, scale: 3, rotation: 3 }, seed: 4 });
const gemWithDriver = gemModel.derive({
    drivers: [
        {
            name: "arkit",
            inputs: ["jawOpen", "mouthSmileLeft"],
            matrix: Float32Array.from(values(gemModel.totalComponents * 2, 1)),
            bias: new Float32Array(gemModel.totalComponents),
        },
    ],
    metadata: { note: "fuzz seed", nested: { a: [1, 2, { b: "c" }] } },
});

const lamParts = createLamAvatarParts(readIctFaceKit(), { vertices: 300 });
// The LAM zip path reads skin.glb through Babylon's glTF loader, as an app does.
registerBuiltInLoaders();
const lamScene = new Scene(new NullEngine());

/** A LAM zip to its GEM model, the loader's whole path short of the mesh. */
async function parseLamZip(bytes: Uint8Array): Promise<GemModel> {
    const archive = await readLamArchive(bytes, "fuzz.zip");
    const gaussians = parseLamOffsetPly(archive.offsetPly, "fuzz.zip/offset.ply");
    const skin = await readLamSkinAsync(lamScene, archive.skinGlb, "fuzz.zip", gaussians.count);
    return lamGemModel(gaussians, skin, "fuzz.zip", archive.vertexOrder);
}

/** Every key of a clip is finite. */
function validateClip(clip: ExpressionClip): void {
    for (const channel of clip.channels) {
        requireAllFinite(clip.getKeys(channel)!.frames, `${channel} frames`);
        requireAllFinite(clip.getKeys(channel)!.values, channel);
    }
}

const plyGaussians: GemGaussians = {
    count: 12,
    positions: Float32Array.from(values(36, 0.1)),
    scales: Float32Array.from(values(36, 0.004).map((v) => Math.abs(v) + 0.001)),
    rotations: Float32Array.from({ length: 48 }, (_, i) => (i % 4 === 0 ? 1 : 0.1)),
    opacities: Float32Array.from(values(12, 0.4).map((v) => v + 0.5)),
    colors: Float32Array.from(values(36, 0.4).map((v) => v + 0.5)),
};

const targets: FuzzTarget[] = [
    { name: ".gem container", seed: serializeGemFile(gemWithDriver, { basisDtype: "float16" }), parse: (b) => parseGemFile(b, "fuzz.gem"), validate: validateGem },
    {
        name: ".gem container (uint8 bases)",
        seed: serializeGemFile(gemModel, { basisDtype: "uint8" }),
        parse: (b) => parseGemFile(b, "fuzz.gem"),
        validate: validateGem,
    },
    {
        name: "GEM .ptk (global)",
        seed: new Uint8Array(readFileSync(resolve(fixtures, "upstream-gem-tiny.ptk"))),
        parse: (b) => gemModelFromUpstreamCheckpoint(readTorchCheckpoint(b, "fuzz.ptk", inflate), { fileName: "fuzz.ptk" }),
        validate: validateGem,
        inflate,
    },
    {
        name: "GEM _parts.ptk",
        seed: new Uint8Array(readFileSync(resolve(fixtures, "upstream-gem-tiny_parts.ptk"))),
        parse: (b) => gemModelFromUpstreamCheckpoint(readTorchCheckpoint(b, "fuzz_parts.ptk", inflate), { fileName: "fuzz_parts.ptk" }),
        validate: validateGem,
        inflate,
    },
    {
        name: "GEM npz export (deflated)",
        seed: new Uint8Array(readFileSync(resolve(fixtures, "upstream-gem-tiny.npz"))),
        parse: (b) => gemModelFromNpzArrays(readNpz(b, "fuzz.npz", inflate), { fileName: "fuzz.npz" }),
        validate: validateGem,
        inflate,
    },
    {
        name: "FLAME model npz",
        seed: createTestFlameNpz({ rings: 8, segments: 10, shapeCount: 4, expressionCount: 3 }),
        parse: (b) => parseFlameNpz(b, "fuzz-flame.npz", {}, inflate),
        validate: validateFlame,
        inflate,
    },
    {
        name: "FLAME track npz (VHAP)",
        seed: createTestFlameTrackNpz(3, 5, 6),
        parse: (b) => flameTrackFromArrays(readNpz(b, "fuzz-track.npz", inflate), "fuzz-track.npz"),
        validate: (t) => requireAllFinite(t as FlameTrack, "track"),
        inflate,
    },
    {
        name: "FLAME track npz (compressed)",
        seed: (() => {
            const archive = readNpz(createTestFlameTrackNpz(3, 5, 6), "t.npz");
            return writeNpz(Object.fromEntries([...archive].map(([key, a]) => [key, { descr: "<f4", shape: a.shape, data: Float32Array.from(a.data) }])), deflate);
        })(),
        parse: (b) => flameTrackFromArrays(readNpz(b, "fuzz-track.npz", inflate), "fuzz-track.npz"),
        validate: (t) => requireAllFinite(t as FlameTrack, "track"),
        inflate,
    },
    {
        name: "rigged Gaussians npz",
        seed: writeNpz(riggedGaussianArrays(rig)),
        parse: (b) => riggedGaussiansFromArrays(readNpz(b, "fuzz-rig.npz", inflate), "fuzz-rig.npz", faceCount),
        validate: validateRig,
        inflate,
    },
    { name: "3DGS PLY", seed: writeGaussianPly(plyGaussians), parse: (b) => parseGaussianPly(b, "fuzz.ply"), validate: (g) => requireAllFinite(g, "Gaussians") },
    {
        name: "LAM offset.ply",
        seed: lamParts.offsetPly,
        parse: (b) => parseLamOffsetPly(b, "offset.ply"),
        validate: (g) => requireAllFinite(g, "LAM Gaussians"),
    },
    {
        name: "LAM track JSON",
        seed: new TextEncoder().encode(
            JSON.stringify({
                names: ["jawOpen", "eyeBlinkLeft", "mouthSmileLeft"],
                frames: [0, 1, 2, 3].map((f) => ({ weights: [0.1 * f, 0.2, 0.3], time: f / 30, rotation: [] })),
            })
        ),
        parse: (b) => parseLamExpressionTrack(new TextDecoder().decode(b), { fileName: "track.json" }),
        validate: (t) => {
            const { clip } = t as ReturnType<typeof parseLamExpressionTrack>;
            for (const channel of clip.channels) {
                requireAllFinite(clip.getKeys(channel)!.values, channel);
            }
        },
        typedErrors: ["GemFormatError", "AnimationChannelError"],
        // Damaged text mostly stops at JSON.parse or the layout check: one error code.
        minCodes: 1,
    },
    {
        name: "LAM avatar zip (ply + glb)",
        seed: zipLamAvatar(lamParts, deflate),
        parse: (b) => parseLamZip(b),
        validate: validateGem,
        inflate,
        mutants: 400,
    },
    {
        name: "Live Link Face CSV",
        seed: new TextEncoder().encode(
            writeLiveLinkFaceCsv(
                [0, 1, 2].map((t) => ({ jawOpen: 0.2 * t, eyeBlinkLeft: 0.5, headYaw: 0.1 * t })),
                { startTimecode: "01:02:03:04.500", frameRate: 60 }
            )
        ),
        parse: (b) => parseLiveLinkFaceCsv(new TextDecoder().decode(b), { fileName: "take.csv" }).clip,
        validate: (clip) => validateClip(clip as ExpressionClip),
        typedErrors: ["AnimationChannelError"],
        minCodes: 2,
    },
    {
        name: "expression clip JSON",
        seed: (() => {
            const clip = new ExpressionClip("fuzz", 30);
            [0, 3, 7].forEach((frame, i) => {
                clip.setKey("arkit/jawOpen", frame, 0.3 * i);
                clip.setKey("flame/expr/0", frame, -1.5 + i);
            });
            return new TextEncoder().encode(JSON.stringify(clip.toJSON()));
        })(),
        parse: (b) => ExpressionClip.FromJSON(new TextDecoder().decode(b), "clip.json"),
        validate: (clip) => validateClip(clip as ExpressionClip),
        typedErrors: ["AnimationChannelError"],
        // JSON has no NaN: damaged clips are all `invalid-clip`.
        minCodes: 1,
    },
    {
        name: "GaussianAvatars PLY",
        seed: writeGaussianAvatarsPly(createTestRig(flame, 1, 9)),
        parse: (b) => parseGaussianAvatarsPly(b, "fuzz-ga.ply", faceCount),
        validate: validateRig,
    },
];

/** Mutants per target unless it says otherwise: 15 targets × 2,000 and the LAM zip's 400 = 30,400 per run. */
const MutantsPerTarget = 2000;
const reports: FuzzReport[] = [];
/** 256 MiB of zeros as raw deflate (about 256 kB): the "entry: size bomb" operator's payload. */
let bomb: Uint8Array;

describe("parser fuzzing (fixed seed)", () => {
    beforeAll(async () => {
        bomb = await deflatedZeros(256 << 20);
    });

    for (const [index, target] of targets.entries()) {
        it(`${target.name}: every mutant is a typed error or a valid load`, { timeout: 240_000 }, async () => {
            const count = target.mutants ?? MutantsPerTarget;
            const report = await fuzzParser(target, count, 1000 + index, { bomb });
            reports.push(report);
            expect(report.findings).toEqual([]);
            expect(report.generic).toBe(0);
            expect(report.invalidOutput).toBe(0);
            expect(report.hangs).toBe(0);
            expect(report.typed + report.loaded).toBe(count);
            if (report.operators["entry: size bomb"]) {
                // Bombs of 256 MiB are refused before they inflate: the run's peak memory barely moves.
                expect(report.peakGrowthMiB).toBeLessThan(160);
            }
            // The mutants reach past the first check: several kinds of refusal, and some mutants that still load.
            expect(Object.keys(report.codes).length).toBeGreaterThanOrEqual(target.minCodes ?? 3);
        });
    }

    afterAll(() => {
        if (reports.length === 0) {
            return;
        }
        const total = reports.reduce((sum, r) => sum + r.mutants, 0);
        const lines = reports.map(
            (r) =>
                `${r.target.padEnd(30)} ${String(r.mutants).padStart(6)} mutants  loaded ${String(r.loaded).padStart(5)}  typed ${String(r.typed).padStart(5)} (${r.wrapped} wrapping a runtime error)  generic ${r.generic}  invalid ${r.invalidOutput}  hangs ${r.hangs}  slowest ${r.slowestMs.toFixed(1)} ms  peak +${r.peakGrowthMiB.toFixed(0)} MiB  codes ${JSON.stringify(r.codes)}`
        );
        console.log(`parser fuzzing: ${total} mutants\n${lines.join("\n")}`);
        const dir = resolve(__dirname, "../../test-output/fuzz");
        mkdirSync(dir, { recursive: true });
        writeFileSync(resolve(dir, "report.json"), JSON.stringify({ total, reports }, null, 2));
    });
});
