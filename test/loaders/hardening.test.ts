/**
 * The upstream files that used to fail and the damaged files that used to load: each case of the hardening list, built
 * with the project's writers to the layout the upstream tools write.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { inflateRawAsync, readNpz, readNpzAsync } from "../../loaders/archives/npzArchive.js";
import { ZipArchive } from "../../loaders/archives/zipArchive.js";
import { readFlameTrack, flameTrackFromArrays } from "../../loaders/flame/flameTrackFile.js";
import { parseFlameNpz } from "../../loaders/flame/flameModelFile.js";
import { parseGaussianAvatarsPly } from "../../loaders/flame/gaussianAvatarsPly.js";
import { parseGaussianPly } from "../../loaders/ply/gaussianPly.js";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { readTorchCheckpoint } from "../../loaders/archives/torchCheckpoint.js";
import { gemModelFromUpstreamCheckpoint } from "../../loaders/gem/upstreamGem.js";
import { encodeNpy, writeZip } from "../../tools/writers/npzWriter.js";
import { writeGaussianAvatarsPly, writeGaussianPly } from "../../tools/writers/gaussianPlyWriter.js";
import { createTestFlameTrackNpz } from "../../tools/synthetic/testFlameTrack.js";
import { createTestFlameNpz } from "../../tools/synthetic/testFlameModel.js";
import { createTestRig } from "../../tools/synthetic/testRig.js";
import { createRandomModel } from "../../tools/synthetic/syntheticModels.js";

const inflate = (data: Uint8Array, size: number) => new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }));

/** The entries of a zip, to rebuild it with changes (and valid CRCs). */
function entries(zip: Uint8Array): Record<string, Uint8Array> {
    const archive = new ZipArchive(zip, "x.zip", inflate);
    return Object.fromEntries([...archive.entries.values()].map((e) => [e.name, archive.read(e).slice()]));
}

/** A numpy unicode string array (`<U…`), as VHAP writes `timestep_id`. */
function stringNpy(values: string[]): Uint8Array {
    const width = Math.max(...values.map((v) => v.length));
    const data = new Uint8Array(values.length * width * 4);
    const view = new DataView(data.buffer);
    values.forEach((v, i) => [...v].forEach((ch, c) => view.setUint32((i * width + c) * 4, ch.charCodeAt(0), true)));
    return encodeNpy({ descr: `<U${width}`, shape: [values.length], data });
}

/** Replaces text inside an npy header (descr, fortran_order), keeping its length. */
function editHeader(npy: Uint8Array, from: string, to: string): Uint8Array {
    expect(to.length).toBe(from.length);
    const out = npy.slice();
    const at = new TextDecoder("latin1").decode(out.subarray(0, 128)).indexOf(from);
    expect(at).toBeGreaterThan(0);
    out.set(new TextEncoder().encode(to), at);
    return out;
}

function setFloat(npy: Uint8Array, index: number, value: number): Uint8Array {
    const out = npy.slice();
    const headerEnd = 10 + new DataView(out.buffer).getUint16(8, true);
    new DataView(out.buffer).setFloat32(headerEnd + 4 * index, value, true);
    return out;
}

const track = entries(createTestFlameTrackNpz(4, 10, 20));
const flame = entries(createTestFlameNpz());

describe("upstream files that used to be refused", () => {
    it("reads VHAP's single-file track with its timestep_id strings, reported as an ignored key", () => {
        const arrays = readNpz(writeZip({ ...track, "timestep_id.npy": stringNpy(["00000", "00001", "00002", "00003"]) }), "tracked_flame_params_30.npz");
        expect(arrays.ignored.get("timestep_id")).toMatch(/non-numeric dtype <U5/);
        expect(flameTrackFromArrays(arrays, "tracked_flame_params_30.npz").frameCount).toBe(4);
    });

    it("reads FLAME npz conversions that keep the pickle's bs_style / bs_type strings, and reports them", () => {
        const bytes = writeZip({ ...flame, "bs_style.npy": stringNpy(["lbs"]), "bs_type.npy": stringNpy(["lrotmin"]) });
        const { model, ignoredKeys } = parseFlameNpz(bytes, "flame2023.npz");
        expect(model.vertexCount).toBeGreaterThan(0);
        expect(ignoredKeys).toEqual(expect.arrayContaining(["bs_style", "bs_type"]));
    });

    it("reads Fortran-ordered arrays as their C-ordered values", () => {
        const c = parseFlameNpz(writeZip(flame), "c.npz").model;
        // shapedirs (V, 3, K) written column-major: same values, other byte order.
        const array = readNpz(writeZip(flame), "c.npz").get("shapedirs")!;
        const [v, three, k] = array.shape;
        const columnMajor = new Float32Array(array.data.length);
        for (let i = 0; i < v; i++) {
            for (let j = 0; j < three; j++) {
                for (let m = 0; m < k; m++) {
                    columnMajor[i + v * (j + three * m)] = array.data[(i * three + j) * k + m];
                }
            }
        }
        const npy = editHeader(encodeNpy({ descr: "<f4", shape: array.shape, data: columnMajor }), "False", "True ");
        const f = parseFlameNpz(writeZip({ ...flame, "shapedirs.npy": npy }), "f.npz").model;
        expect(Array.from(f.data.shapeDirections)).toEqual(Array.from(c.data.shapeDirections));
        expect(Array.from(f.data.expressionDirections)).toEqual(Array.from(c.data.expressionDirections));
    });
});

describe("damaged files that used to load", () => {
    it("checks every zip entry's CRC-32 (a bit flip inside the data)", () => {
        const zip = writeZip(track);
        zip[zip.length >> 2] ^= 0x10;
        expect(() => readNpz(zip, "flipped.npz")).toThrow(expect.objectContaining({ code: "bad-checksum", fileName: "flipped.npz" }));
    });

    it("checks dtypes against what each key holds (float32 bytes declared int32)", () => {
        const swapped = writeZip({ ...track, "rotation.npy": editHeader(track["rotation.npy"], "<f4", "<i4") });
        expect(() => flameTrackFromArrays(readNpz(swapped, "t.npz"), "t.npz")).toThrow(expect.objectContaining({ code: "unsupported", field: "rotation.dtype" }));
        const facesDescr = /'descr': '([^']+)'/.exec(new TextDecoder("latin1").decode(flame["f.npy"].subarray(0, 128)))![1];
        const faces = writeZip({ ...flame, "f.npy": editHeader(flame["f.npy"], facesDescr, facesDescr.replace(/[iu]/, "f")) });
        expect(() => parseFlameNpz(faces, "m.npz")).toThrow(expect.objectContaining({ field: "f.dtype" }));
    });

    it("refuses a track without jaw_pose, rotation or eyes_pose by name, or zero-fills them when asked and says so", () => {
        const partial = { ...track };
        delete partial["jaw_pose.npy"];
        delete partial["rotation.npy"];
        delete partial["eyes_pose.npy"];
        const arrays = readNpz(writeZip(partial), "partial.npz");
        expect(() => flameTrackFromArrays(arrays, "partial.npz")).toThrow(expect.objectContaining({ code: "invalid-descriptor", field: "rotation, jaw_pose, eyes_pose" }));
        const { track: read, defaultedKeys } = readFlameTrack(arrays, "partial.npz", { missingKeys: "zero" });
        expect(defaultedKeys).toEqual(expect.arrayContaining(["rotation", "jaw_pose", "eyes_pose"]));
        expect(read.jawPose.every((v) => v === 0)).toBe(true);
    });

    it("refuses NaN / Inf in a track's shape, FLAME eyelid shapes, landmark barycentrics and .ptk colours", () => {
        const shape = writeZip({ ...track, "shape.npy": setFloat(track["shape.npy"], 3, Number.NaN) });
        expect(() => flameTrackFromArrays(readNpz(shape, "t.npz"), "t.npz")).toThrow(expect.objectContaining({ code: "non-finite", field: "shape[3]" }));
        const eyelid = writeZip({ ...flame, "l_eyelid.npy": setFloat(flame["l_eyelid.npy"], 7, Number.POSITIVE_INFINITY) });
        expect(() => parseFlameNpz(eyelid, "m.npz")).toThrow(expect.objectContaining({ code: "non-finite", field: "l_eyelid[7]" }));
        const bary = writeZip({ ...flame, "lmk_b_coords.npy": setFloat(flame["lmk_b_coords.npy"], 2, Number.NaN) });
        expect(() => parseFlameNpz(bary, "m.npz")).toThrow(expect.objectContaining({ code: "non-finite", field: "lmk_b_coords[2]" }));
        const ptk = entries(new Uint8Array(readFileSync(resolve(__dirname, "../fixtures/upstream-gem-tiny.ptk"))));
        const colorKey = Object.keys(ptk).find((name) => name.endsWith("data/0"))!;
        const colors = ptk[colorKey].slice();
        new DataView(colors.buffer).setFloat32(8, Number.NaN, true);
        const root = readTorchCheckpoint(writeZip({ ...ptk, [colorKey]: colors }), "nan.ptk");
        expect(() => gemModelFromUpstreamCheckpoint(root, { fileName: "nan.ptk" })).toThrow(expect.objectContaining({ code: "non-finite", field: "colors.full[2]" }));
    });

    it("holds a PLY to its header: a vertex count smaller than the data, or not written in decimal, is refused", () => {
        const gaussians = {
            count: 4,
            positions: new Float32Array(12),
            scales: new Float32Array(12).fill(0.01),
            rotations: Float32Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? 1 : 0)),
            opacities: new Float32Array(4).fill(0.5),
            colors: new Float32Array(12).fill(0.5),
        };
        const ply = writeGaussianPly(gaussians);
        expect(parseGaussianPly(ply, "ok.ply").count).toBe(4);
        const text = new TextDecoder("latin1").decode(ply);
        const withHeader = (count: string) => {
            const end = text.indexOf("end_header\n") + "end_header\n".length;
            const header = new TextEncoder().encode(text.slice(0, end).replace("element vertex 4", `element vertex ${count}`));
            const out = new Uint8Array(header.length + ply.length - end);
            out.set(header);
            out.set(ply.subarray(end), header.length);
            return out;
        };
        expect(() => parseGaussianPly(withHeader("3"), "small.ply")).toThrow(expect.objectContaining({ code: "size-mismatch", field: "ply vertex data" }));
        expect(() => parseGaussianPly(withHeader("0x4"), "hex.ply")).toThrow(expect.objectContaining({ code: "invalid-descriptor", field: "ply element vertex" }));
    });

    it("refuses a GaussianAvatars PLY with a zero quaternion or a log-scale of 100", () => {
        const { model } = parseFlameNpz(createTestFlameNpz(), "test-flame.npz");
        const rig = createTestRig(model, 1);
        expect(parseGaussianAvatarsPly(writeGaussianAvatarsPly(rig), "ok.ply").count).toBe(rig.count);
        const zero = { ...rig, localRotations: rig.localRotations.slice() };
        zero.localRotations.fill(0, 8, 12);
        expect(() => parseGaussianAvatarsPly(writeGaussianAvatarsPly(zero), "zero.ply")).toThrow(expect.objectContaining({ field: "rotation[2]" }));
        const huge = { ...rig, localLogScales: rig.localLogScales.slice() };
        huge.localLogScales[4] = 100;
        expect(() => parseGaussianAvatarsPly(writeGaussianAvatarsPly(huge), "huge.ply")).toThrow(expect.objectContaining({ field: "scale[1]" }));
    });
});

describe("inputs that used to give generic errors", () => {
    it("a very deeply nested .gem descriptor", () => {
        const file = serializeGemFile(createRandomModel({ gaussianCount: 8, components: { position: 2 }, seed: 3 }));
        const view = new DataView(file.buffer, file.byteOffset);
        const descriptorLength = view.getUint32(12, true);
        const json = new TextDecoder().decode(file.subarray(24, 24 + descriptorLength));
        expect(json).toContain('"channels":3');
        const text = new TextEncoder().encode(json.replace('"channels":3', `"channels":${"[".repeat(100000)}${"]".repeat(100000)}`));
        const binaryLength = view.getUint32(16, true);
        const binaryStart = Math.ceil((24 + descriptorLength) / 16) * 16;
        const start = Math.ceil((24 + text.length) / 16) * 16;
        const out = new Uint8Array(start + binaryLength);
        out.set(file.subarray(0, 24));
        new DataView(out.buffer).setUint32(12, text.length, true);
        out.set(text, 24);
        out.set(file.subarray(binaryStart, binaryStart + binaryLength), start);
        expect(() => parseGemFile(out, "deep.gem")).toThrow(expect.objectContaining({ name: "GemFormatError", code: "invalid-descriptor" }));
    });

    it("a zip entry marked deflate but stored", () => {
        const zip = writeZip(track);
        const view = new DataView(zip.buffer);
        for (let i = 0; i + 4 <= zip.length; i++) {
            if (view.getUint32(i, true) === 0x02014b50) {
                view.setUint16(i + 10, 8, true);
            }
        }
        expect(() => readNpz(zip, "marked.npz", inflate)).toThrow(expect.objectContaining({ name: "GemFormatError" }));
    });

    it("a deflated entry that inflates past its declared size stops there (zip bomb), in the browser's path too", async () => {
        const big = new Uint8Array(8 << 20);
        const bomb = writeZip({ "expr.npy": big }, (d) => new Uint8Array(deflateRawSync(d)));
        const view = new DataView(bomb.buffer);
        for (let i = 0; i + 4 <= bomb.length; i++) {
            const signature = view.getUint32(i, true);
            if (signature === 0x02014b50) {
                view.setUint32(i + 24, 1000, true);
            }
        }
        expect(() => readNpz(bomb, "bomb.npz", inflate)).toThrow(expect.objectContaining({ name: "GemFormatError", fileName: "bomb.npz" }));
        await expect(readNpzAsync(bomb, "bomb.npz")).rejects.toMatchObject({ name: "GemFormatError", code: "size-mismatch" });
        const partial = await inflateRawAsync(new Uint8Array(deflateRawSync(big)), 1000);
        expect(partial.byteLength).toBeLessThan(1 << 20);
    });

    it("a negative storage size in a pickle", () => {
        const ptk = entries(new Uint8Array(readFileSync(resolve(__dirname, "../fixtures/upstream-gem-tiny.ptk"))));
        const pklKey = Object.keys(ptk).find((name) => name.endsWith("data.pkl"))!;
        const pickle = ptk[pklKey].slice();
        // The persistent id ends with numel as BININT1 (K, 0x4b) or BININT (J, 0x4a) before TUPLE (t) and BINPERSID (Q).
        const text = new TextDecoder("latin1").decode(pickle);
        const at = text.indexOf("cuda:0");
        expect(at).toBeGreaterThan(0);
        // "cuda:0" may be memoised first (BINPUT q n / LONG_BINPUT r nnnn).
        const numel = at + 6 + (pickle[at + 6] === 0x71 ? 2 : pickle[at + 6] === 0x72 ? 5 : 0);
        expect([0x4b, 0x4a, 0x4d]).toContain(pickle[numel]);
        const patched = new Uint8Array(pickle.length + 5);
        patched.set(pickle.subarray(0, numel));
        patched.set([0x4a, 0xfe, 0xff, 0xff, 0xff], numel); // BININT -2
        const skip = pickle[numel] === 0x4b ? 2 : pickle[numel] === 0x4d ? 3 : 5;
        patched.set(pickle.subarray(numel + skip), numel + 5);
        const bytes = writeZip({ ...ptk, [pklKey]: patched.subarray(0, numel + 5 + pickle.length - numel - skip) });
        expect(() => readTorchCheckpoint(bytes, "negative.ptk")).toThrow(
            expect.objectContaining({ name: "GemFormatError", fileName: "negative.ptk", expected: expect.stringMatching(/storage size/) })
        );
    });
});
