import { describe, expect, it } from "vitest";
import { GemContainerVersion, GemHeaderByteLength, parseGemFile, serializeGemFile, type GemArrayDtype } from "../../../loaders/gem/gemContainer.js";
import { GemFormatError } from "../../../core/errors/GemFormatError.js";
import { GemModel } from "../../../core/GemModel.js";
import { fromHalf, toHalf } from "../../../core/halfFloat.js";
import { createRandomModel } from "../../../tools/synthetic/syntheticModels.js";

function expectFormatError(fn: () => unknown, code: string, field: RegExp): GemFormatError {
    try {
        fn();
    } catch (e) {
        expect(e).toBeInstanceOf(GemFormatError);
        const error = e as GemFormatError;
        expect(error.code).toBe(code);
        expect(error.field).toMatch(field);
        expect(error.fileName).toBe("bad.gem");
        expect(error.message).toContain("bad.gem");
        return error;
    }
    throw new Error("expected a GemFormatError");
}

function descriptorOf(file: Uint8Array): { json: any; binaryStart: number } {
    const view = new DataView(file.buffer, file.byteOffset);
    const length = view.getUint32(12, true);
    const json = JSON.parse(new TextDecoder().decode(file.subarray(GemHeaderByteLength, GemHeaderByteLength + length)));
    return { json, binaryStart: Math.ceil((GemHeaderByteLength + length) / 16) * 16 };
}

/** Rewrites a file with an edited descriptor, keeping its binary section. */
function withDescriptor(file: Uint8Array, edit: (json: any) => void): Uint8Array {
    const { json, binaryStart } = descriptorOf(file);
    edit(json);
    const binary = file.subarray(binaryStart);
    const text = new TextEncoder().encode(JSON.stringify(json));
    const start = Math.ceil((GemHeaderByteLength + text.byteLength) / 16) * 16;
    const out = new Uint8Array(start + binary.byteLength).fill(0x20);
    out.set(file.subarray(0, GemHeaderByteLength));
    new DataView(out.buffer).setUint32(12, text.byteLength, true);
    out.set(text, GemHeaderByteLength);
    out.set(binary, start);
    return out;
}

describe("half floats", () => {
    it("round-trips exactly representable values and rounds to nearest even", () => {
        for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24]) {
            expect(fromHalf(toHalf(v))).toBe(v);
        }
        expect(fromHalf(toHalf(1 + 2 ** -11))).toBe(1); // tie goes to even
        expect(fromHalf(toHalf(1e6))).toBe(Infinity);
        expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
        for (let i = 0; i < 1000; i++) {
            const v = (Math.random() - 0.5) * 100;
            expect(Math.abs(fromHalf(toHalf(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-7);
        }
    });
});

describe(".gem container round trip", () => {
    const model = createRandomModel({ gaussianCount: 37, seed: 7, components: { position: 5, opacity: 2, scale: 3, rotation: 4, color: 1 } });

    for (const basisDtype of ["float32", "float16", "uint8"] as GemArrayDtype[]) {
        for (const meanDtype of ["float32", "float16", "uint8"] as GemArrayDtype[]) {
            it(`basis ${basisDtype}, mean ${meanDtype}: values within the storage's error bound`, () => {
                const file = serializeGemFile(model, { basisDtype, meanDtype });
                const back = parseGemFile(file, "roundtrip.gem");
                expect(back.gaussianCount).toBe(model.gaussianCount);
                expect(back.totalComponents).toBe(model.totalComponents);
                for (let gi = 0; gi < model.groups.length; gi++) {
                    const a = model.groups[gi];
                    const b = back.groups[gi];
                    expect(b.name).toBe(a.name);
                    expect(b.activation).toBe(a.activation);
                    expect(Array.from(b.eigenvalues)).toEqual(Array.from(a.eigenvalues));
                    // Mean: float32 exact, float16 relative 2^-11, uint8 half a step of its channel range.
                    const c = a.channels;
                    for (let ch = 0; ch < c; ch++) {
                        let min = Infinity;
                        let max = -Infinity;
                        for (let i = ch; i < a.mean.length; i += c) {
                            min = Math.min(min, a.mean[i]);
                            max = Math.max(max, a.mean[i]);
                        }
                        for (let i = ch; i < a.mean.length; i += c) {
                            const error = Math.abs(b.mean[i] - a.mean[i]);
                            const bound = meanDtype === "float32" ? 0 : meanDtype === "float16" ? Math.abs(a.mean[i]) * 2 ** -11 : ((max - min) / 255) * 0.5 * (1 + 1e-5) + 1e-7;
                            expect(error).toBeLessThanOrEqual(bound);
                        }
                    }
                    const da = GemModel.DequantizeBasis(a);
                    const db = GemModel.DequantizeBasis(b);
                    expect(db.length).toBe(da.length);
                    const n = a.mean.length;
                    for (let k = 0; k < a.components; k++) {
                        let min = Infinity;
                        let max = -Infinity;
                        for (let i = 0; i < n; i++) {
                            min = Math.min(min, da[k * n + i]);
                            max = Math.max(max, da[k * n + i]);
                        }
                        const step = (max - min) / 255;
                        for (let i = 0; i < n; i++) {
                            const error = Math.abs(db[k * n + i] - da[k * n + i]);
                            const bound = basisDtype === "float32" ? 0 : basisDtype === "float16" ? Math.abs(da[k * n + i]) * 2 ** -11 + 2 ** -25 : step * 0.5 * (1 + 1e-5) + 1e-7;
                            expect(error).toBeLessThanOrEqual(bound);
                        }
                    }
                }
                // Re-serialising in the same storage is bit-exact.
                expect(serializeGemFile(back, { basisDtype, meanDtype: "float32" })).toEqual(serializeGemFile(back, { basisDtype, meanDtype: "float32" }));
                if (meanDtype === "float32") {
                    expect(Buffer.from(serializeGemFile(back, { basisDtype, meanDtype }))).toEqual(
                        Buffer.from(serializeGemFile(parseGemFile(serializeGemFile(back, { basisDtype, meanDtype })), { basisDtype, meanDtype }))
                    );
                }
            });
        }
    }

    it("keeps metadata, component names and units", () => {
        const named = new GemModel({
            gaussianCount: 2,
            coefficientUnits: "raw",
            metadata: { actor: "test", licence: "CC0" },
            groups: createRandomModel({ gaussianCount: 2, components: { position: 2 } }).groups.map((g) =>
                g.semantic === "position" ? { ...g, componentNames: ["jawOpen", "smile"] } : g
            ),
        });
        const back = parseGemFile(serializeGemFile(named));
        expect(back.coefficientUnits).toBe("raw");
        expect(back.metadata).toEqual({ actor: "test", licence: "CC0" });
        expect(back.getGroup("position").componentNames).toEqual(["jawOpen", "smile"]);
    });

    it("aligns every array to 16 bytes and sizes the file exactly", () => {
        const file = serializeGemFile(model, { basisDtype: "uint8" });
        const { json, binaryStart } = descriptorOf(file);
        expect(binaryStart % 16).toBe(0);
        for (const group of json.groups) {
            for (const ref of [group.mean, group.basis, group.eigenvalues, group.basis?.quantization].filter(Boolean)) {
                expect(ref.offset % 16).toBe(0);
            }
        }
        expect(file.byteLength).toBe(binaryStart + new DataView(file.buffer).getUint32(16, true));
    });
});

describe(".gem bad input", () => {
    const good = serializeGemFile(createRandomModel({ gaussianCount: 16, seed: 3 }), { basisDtype: "float16" });

    it("rejects a file shorter than the header", () => {
        expectFormatError(() => parseGemFile(good.subarray(0, 10), "bad.gem"), "truncated", /header/);
    });
    it("rejects a wrong magic", () => {
        const bad = good.slice();
        bad[1] = 0x58;
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "bad-magic", /magic/);
    });
    it("rejects a wrong version", () => {
        const bad = good.slice();
        new DataView(bad.buffer).setUint32(8, GemContainerVersion + 1, true);
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "bad-version", /version/);
    });
    it("rejects a truncated file at every cut point without throwing anything else", () => {
        for (let cut = 0; cut < good.byteLength; cut += 97) {
            expect(() => parseGemFile(good.subarray(0, cut), "bad.gem")).toThrow(GemFormatError);
        }
        expectFormatError(() => parseGemFile(good.subarray(0, good.byteLength - 1), "bad.gem"), "truncated", /file size/);
    });
    it("rejects trailing bytes", () => {
        const bad = new Uint8Array(good.byteLength + 16);
        bad.set(good);
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "size-mismatch", /file size/);
    });
    it("rejects an oversized descriptor length or binary length before allocating", () => {
        const bad = good.slice();
        new DataView(bad.buffer).setUint32(12, 0xffffff00, true);
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "oversized", /descriptorByteLength/);
        const bad2 = good.slice();
        new DataView(bad2.buffer).setUint32(16, 0xfffffff0, true);
        expectFormatError(() => parseGemFile(bad2, "bad.gem"), "oversized", /binaryByteLength/);
    });
    it("rejects a huge declared Gaussian count before allocating", () => {
        const bad = withDescriptor(good, (json) => (json.gaussianCount = 2 ** 40));
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "oversized", /gaussianCount/);
    });
    it("rejects a component count that disagrees with the arrays", () => {
        const bad = withDescriptor(good, (json) => (json.groups[0].components += 1));
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "size-mismatch", /groups\[0\]\.(eigenvalues|basis)\.byteLength/);
    });
    it("rejects an array that points past the binary section", () => {
        const bad = withDescriptor(good, (json) => (json.groups[2].basis.offset += 1 << 20));
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "truncated", /groups\[2\]\.basis/);
    });
    it("rejects a misaligned array", () => {
        const bad = withDescriptor(good, (json) => (json.groups[1].mean.offset += 4));
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "invalid-descriptor", /groups\[1\]\.mean\.offset/);
    });
    it("rejects wrong channel counts, semantics, activations and dtypes", () => {
        expectFormatError(
            () =>
                parseGemFile(
                    withDescriptor(good, (j) => (j.groups[0].channels = 4)),
                    "bad.gem"
                ),
            "invalid-descriptor",
            /channels/
        );
        expectFormatError(
            () =>
                parseGemFile(
                    withDescriptor(good, (j) => (j.groups[0].semantic = "normal")),
                    "bad.gem"
                ),
            "invalid-descriptor",
            /semantic/
        );
        expectFormatError(
            () =>
                parseGemFile(
                    withDescriptor(good, (j) => (j.groups[3].activation = "tanh")),
                    "bad.gem"
                ),
            "invalid-descriptor",
            /activation/
        );
        expectFormatError(
            () =>
                parseGemFile(
                    withDescriptor(good, (j) => (j.groups[3].basis.dtype = "int8")),
                    "bad.gem"
                ),
            "invalid-descriptor",
            /dtype/
        );
        expectFormatError(
            () =>
                parseGemFile(
                    withDescriptor(good, (j) => (j.groups[1].semantic = "position")),
                    "bad.gem"
                ),
            "invalid-descriptor",
            /semantic|groups/
        );
        expectFormatError(
            () =>
                parseGemFile(
                    withDescriptor(good, (j) => j.groups.pop()),
                    "bad.gem"
                ),
            "invalid-descriptor",
            /groups/
        );
    });
    it("rejects a descriptor that is not JSON", () => {
        const bad = good.slice();
        bad[GemHeaderByteLength] = 0x7b + 1;
        expectFormatError(() => parseGemFile(bad, "bad.gem"), "invalid-descriptor", /descriptor/);
    });
    it("rejects NaN and infinite values in every float storage", () => {
        const model = createRandomModel({ gaussianCount: 8, seed: 5 });
        model.groups[0].mean[5] = NaN;
        expectFormatError(() => parseGemFile(serializeGemFile(model), "bad.gem"), "non-finite", /groups\[0\]\.mean\[5\]/);
        expectFormatError(() => parseGemFile(serializeGemFile(model, { meanDtype: "float16" }), "bad.gem"), "non-finite", /groups\[0\]\.mean\[5\]/);
        const model2 = createRandomModel({ gaussianCount: 8, seed: 5 });
        (model2.groups[2].basis!.data as Float32Array)[3] = Infinity;
        expectFormatError(() => parseGemFile(serializeGemFile(model2), "bad.gem"), "non-finite", /groups\[2\]\.basis\[3\]/);
        expectFormatError(() => parseGemFile(serializeGemFile(model2, { basisDtype: "float16" }), "bad.gem"), "non-finite", /groups\[2\]\.basis\[3\]/);
        expect(() => parseGemFile(serializeGemFile(model2, { basisDtype: "uint8" }), "bad.gem")).toThrow(GemFormatError);
        const model3 = createRandomModel({ gaussianCount: 8, seed: 5 });
        model3.groups[0].eigenvalues[1] = NaN;
        expectFormatError(() => parseGemFile(serializeGemFile(model3), "bad.gem"), "non-finite", /eigenvalues/);
    });
    it("rejects negative eigenvalues", () => {
        const model = createRandomModel({ gaussianCount: 8, seed: 5 });
        model.groups[0].eigenvalues[0] = -1;
        expectFormatError(() => parseGemFile(serializeGemFile(model), "bad.gem"), "invalid-descriptor", /eigenvalues\[0\]/);
    });
    it("survives random byte corruption with typed errors only", () => {
        let seed = 11;
        const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
        for (let trial = 0; trial < 300; trial++) {
            const bad = good.slice();
            for (let j = 0; j < 4; j++) {
                bad[Math.floor(next() * Math.min(bad.byteLength, 1200))] = Math.floor(next() * 256);
            }
            try {
                parseGemFile(bad, "fuzz.gem");
            } catch (e) {
                expect(e).toBeInstanceOf(GemFormatError);
            }
        }
    });
});
