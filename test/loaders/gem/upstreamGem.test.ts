import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { parseNpy } from "../../../loaders/archives/ndArray.js";
import { fortranToC } from "../../../loaders/archives/ndArray.js";
import { readTorchCheckpoint, unpickle } from "../../../loaders/archives/torchCheckpoint.js";
import { gemModelFromUpstreamCheckpoint } from "../../../loaders/gem/upstreamGem.js";
import { GemFormatError } from "../../../core/errors/GemFormatError.js";
import { reconstructGaussians } from "../../../core/gemReconstruction.js";
import { convertUpstreamGem, readCanonicalFlameParameters, readUpstreamGem } from "../../../tools/convertGem.js";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { flameJoints, flameShapedVertices } from "../../../core/flame/flameForward.js";
import { writeNpz } from "../../../tools/writers/npzWriter.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";

const fixtures = resolve(__dirname, "../../fixtures");
const ptk = new Uint8Array(readFileSync(resolve(fixtures, "upstream-gem-tiny.ptk")));
const npz = new Uint8Array(readFileSync(resolve(fixtures, "upstream-gem-tiny.npz")));
const expected = JSON.parse(readFileSync(resolve(fixtures, "upstream-gem-tiny.expected.json"), "utf8")) as {
    coefficients: Record<string, number[]>;
    gaussians: Record<string, number[]>;
};

function expectUpstreamGaussians(model: ReturnType<typeof readUpstreamGem>): void {
    const coefficients = new Float32Array(["geometry", "opacity", "scales", "rotation"].flatMap((k) => expected.coefficients[k]));
    const g = reconstructGaussians(model, coefficients);
    const pairs: [Float32Array, number[]][] = [
        [g.positions, expected.gaussians.geometry],
        [g.opacities, expected.gaussians.opacity],
        [g.scales, expected.gaussians.scales],
        [g.rotations, expected.gaussians.rotation],
        [g.colors, expected.gaussians.colors],
    ];
    for (const [ours, theirs] of pairs) {
        expect(ours.length).toBe(theirs.length);
        let worst = 0;
        for (let i = 0; i < ours.length; i++) {
            worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / (Math.abs(theirs[i]) + 1e-3));
        }
        expect(worst).toBeLessThan(1e-5);
    }
}

describe("upstream GEM files", () => {
    it("reads the torch.save checkpoint layout and reconstructs what numpy computes with upstream's formula", () => {
        const model = readUpstreamGem(ptk, "upstream-gem-tiny.ptk");
        expect(model.gaussianCount).toBe(50);
        // The checkpoint stores one more component than its config keeps; the config wins, as upstream.
        expect(model.groups.map((g) => g.components)).toEqual([3, 2, 2, 2, 0]);
        expect(model.coefficientUnits).toBe("stddev");
        expect(model.getGroup("rotation").activation).toBe("normalize");
        expect(model.metadata.config).toEqual({ geometry: 3, opacity: 2, scales: 2, rotation: 2 });
        expectUpstreamGaussians(model);
    });

    it("reads the compressed npz export with the same result", () => {
        expectUpstreamGaussians(readUpstreamGem(npz, "upstream-gem-tiny.npz"));
    });

    it("converts to .gem and keeps the reconstruction", () => {
        const file = convertUpstreamGem(ptk, "upstream-gem-tiny.ptk", { basisDtype: "float32" });
        expectUpstreamGaussians(parseGemFile(file, "converted.gem"));
    });

    it("stores the head-pose pivots from the FLAME model and VHAP's canonical shape and static_offset", () => {
        const { model: flame } = parseFlameNpz(createTestFlameNpz(), "test-flame.npz");
        const random = createRandom(8);
        // VHAP's offsets cover its extra teeth vertices too, and its shape vector is longer than the model's.
        const shape = Float32Array.from({ length: flame.shapeCount + 5 }, () => random() * 2 - 1);
        const offsets = Float32Array.from({ length: (flame.vertexCount + 12) * 3 }, () => (random() - 0.5) * 0.004);
        const canonicalBytes = writeNpz({
            shape: { descr: "<f4", shape: [shape.length], data: shape },
            static_offset: { descr: "<f4", shape: [1, flame.vertexCount + 12, 3], data: offsets },
        });
        const canonical = readCanonicalFlameParameters(canonicalBytes, "canonical_flame_param.npz");
        const file = convertUpstreamGem(ptk, "upstream-gem-tiny.ptk", { basisDtype: "float32", flame: { model: flame, ...canonical } });
        const joints = parseGemFile(file, "converted.gem").headJoints!;
        const shaped = flameShapedVertices(flame, shape);
        shaped.forEach((_, i) => (shaped[i] += offsets[i]));
        const reference = flameJoints(flame, shaped);
        [...joints.global, ...joints.neck].forEach((v, i) => expect(Math.abs(v - reference[i])).toBeLessThan(1e-6));
        expect(Math.hypot(...[0, 1, 2].map((i) => joints.neck[i] - joints.global[i]))).toBeGreaterThan(1e-3);
        // The reconstruction is unchanged.
        expectUpstreamGaussians(parseGemFile(file, "converted.gem"));
        expect(() => readUpstreamGem(ptk, "x.ptk", { flame: { model: flame, shape, staticOffset: offsets.subarray(0, 30), fileName: "canonical.npz" } })).toThrow(
            expect.objectContaining({ name: "GemFormatError", code: "size-mismatch", fileName: "canonical.npz", field: "static_offset" })
        );
        expect(() => readCanonicalFlameParameters(writeNpz({ expr: { descr: "<f4", shape: [1], data: new Float32Array(1) } }), "c.npz")).toThrow(
            /c\.npz: shape: expected an array of identity shape coefficients/
        );
    });

    it("lets the caller keep fewer components, and refuses more than stored", () => {
        expect(readUpstreamGem(ptk, "x.ptk", { components: { geometry: 1 } }).getGroup("position").components).toBe(1);
        expect(() => readUpstreamGem(ptk, "x.ptk", { components: { geometry: 9 } })).toThrow(GemFormatError);
    });

    it("rejects truncated archives with typed errors at every cut", () => {
        for (let cut = 0; cut < ptk.byteLength; cut += 211) {
            expect(() => readUpstreamGem(ptk.subarray(0, cut), "cut.ptk")).toThrow(GemFormatError);
        }
        for (let cut = 0; cut < npz.byteLength; cut += 211) {
            expect(() => readUpstreamGem(npz.subarray(0, cut), "cut.npz")).toThrow(GemFormatError);
        }
    });

    it("refuses globals outside numpy/torch data (no code runs from a pickle)", () => {
        const evil = new Uint8Array([0x80, 0x02, ...new TextEncoder().encode("cos\nsystem\n"), 0x58, 2, 0, 0, 0, 0x6c, 0x73, 0x85, 0x52, 0x2e]);
        expect(() =>
            unpickle(evil, "evil.pkl", () => {
                throw new Error("no storages");
            })
        ).toThrow(/os\.system/);
    });

    it("loads the localized parts variant: every region's PCA, regions concatenated in Gaussian order, as upstream reconstructs", () => {
        const parts = new Uint8Array(readFileSync(resolve(fixtures, "upstream-gem-tiny_parts.ptk")));
        const partsExpected = JSON.parse(readFileSync(resolve(fixtures, "upstream-gem-tiny_parts.expected.json"), "utf8")) as {
            regions: Record<string, number>;
            coefficients: Record<string, Record<string, number[]>>;
            gaussians: Record<string, number[]>;
        };
        const root = readTorchCheckpoint(parts, "x_parts.ptk");
        // Everything kept (3 regions × the config's K): exact against numpy's per-region reconstruction.
        const all = gemModelFromUpstreamCheckpoint(root, { fileName: "x_parts.ptk", components: { geometry: 9, opacity: 6, scales: 6, rotation: 6 } });
        expect(all.gaussianCount).toBe(27);
        expect(all.metadata.regions).toEqual([
            { name: "eyeballs", firstGaussian: 0, gaussians: 6 },
            { name: "mouth", firstGaussian: 6, gaussians: 12 },
            { name: "scalp", firstGaussian: 18, gaussians: 9 },
        ]);
        const keys = ["geometry", "opacity", "scales", "rotation"] as const;
        const coefficients = new Float32Array(
            keys.flatMap((key, i) =>
                all.groups[i].componentNames!.map((name) => {
                    const [region, row] = name.split(".");
                    return partsExpected.coefficients[key][region][Number(row)];
                })
            )
        );
        const g = reconstructGaussians(all, coefficients);
        const pairs: [Float32Array, number[]][] = [
            [g.positions, partsExpected.gaussians.geometry],
            [g.opacities, partsExpected.gaussians.opacity],
            [g.scales, partsExpected.gaussians.scales],
            [g.rotations, partsExpected.gaussians.rotation],
            [g.colors, partsExpected.gaussians.colors],
        ];
        for (const [ours, theirs] of pairs) {
            expect(ours.length).toBe(theirs.length);
            ours.forEach((v, i) => expect(Math.abs(v - theirs[i])).toBeLessThan(1e-5));
        }
        // Default: the config's K over all regions, the components of largest variance, with the share kept reported.
        const compact = gemModelFromUpstreamCheckpoint(root, { fileName: "x_parts.ptk" });
        expect(compact.groups.map((group) => group.components)).toEqual([3, 2, 2, 2, 0]);
        const geometry = (compact.metadata.partsConversion as Record<string, { kept: number; of: number; varianceKept: number }>).geometry;
        expect(geometry.kept).toBe(3);
        expect(geometry.of).toBe(9);
        expect(geometry.varianceKept).toBeGreaterThan(0.3);
        expect(geometry.varianceKept).toBeLessThan(1);
        const variances = all.getGroup("position").eigenvalues;
        expect(Array.from(compact.getGroup("position").eigenvalues)).toEqual(
            Array.from(variances)
                .sort((a, b) => b - a)
                .slice(0, 3)
        );
        expect(() => gemModelFromUpstreamCheckpoint(root, { fileName: "x_parts.ptk", components: { geometry: 10 } })).toThrow(
            expect.objectContaining({ code: "size-mismatch", field: "geometry components" })
        );
    });

    it("names a coefficient track (*_coeffs.ptk) for what it is, and refuses non-GEM dicts", () => {
        const coeffs = new Uint8Array(readFileSync(resolve(fixtures, "upstream-gem-tiny_coeffs_parts.ptk")));
        expect(() => readUpstreamGem(coeffs, "x_coeffs_parts.ptk")).toThrow(
            expect.objectContaining({ code: "unsupported", field: "geometry.eyeballs", actual: expect.stringMatching(/array of shape \(4, 3\).*coeffs/) })
        );
        expect(() => gemModelFromUpstreamCheckpoint(new Map() as never, { fileName: "other.ptk" })).toThrow(GemFormatError);
    });

    it("parses .npy headers and rejects inconsistent ones", () => {
        const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        const padded = `${header.padEnd(117, " ")}\n`; // header block padded to 128 bytes, as numpy does
        const bytes = new Uint8Array(10 + padded.length + 24);
        bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
        bytes.set(new TextEncoder().encode(padded), 10);
        new Float32Array(bytes.buffer, 10 + padded.length, 6).set([1, 2, 3, 4, 5, 6]);
        const array = parseNpy(bytes, "a.npy");
        expect(array.shape).toEqual([2, 3]);
        expect(Array.from(array.data)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(() => parseNpy(bytes.subarray(0, bytes.length - 4), "a.npy")).toThrow(/truncated|expected 24 bytes/);
        const bad = bytes.slice();
        bad[0] = 0;
        expect(() => parseNpy(bad, "a.npy")).toThrow(GemFormatError);
    });

    it("reorders Fortran-ordered arrays", () => {
        // 2 × 3 matrix [[1,2,3],[4,5,6]] stored column-major.
        expect(Array.from(fortranToC(new Float32Array([1, 4, 2, 5, 3, 6]), [2, 3]))).toEqual([1, 2, 3, 4, 5, 6]);
    });
});
