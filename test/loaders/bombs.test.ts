/**
 * Hostile inputs that used to cost memory or load silently wrong: declared-size bombs refused before anything is
 * inflated (peak memory checked), JSON nested millions deep refused on its text, and finite but absurd values refused
 * by each format's documented physical range.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readNpz, readNpzAsync } from "../../loaders/archives/npzArchive.js";
import { ZipArchive } from "../../loaders/archives/zipArchive.js";
import { flameTrackFromArrays } from "../../loaders/flame/flameTrackFile.js";
import { parseFlameNpz } from "../../loaders/flame/flameModelFile.js";
import { parseGaussianAvatarsPly } from "../../loaders/flame/gaussianAvatarsPly.js";
import { readLamArchive } from "../../loaders/lam/lamArchive.js";
import { ExpressionClip } from "../../plugin/animation/ExpressionClip.js";
import { parseLamExpressionTrack } from "../../plugin/animation/lamExpressionTrack.js";
import { parseLiveLinkFaceCsv } from "../../plugin/animation/liveLinkFaceCsv.js";
import { RetargetMap } from "../../core/animation/RetargetMap.js";
import { parseEncoderDescriptor } from "../../core/encoder/encoderDescriptor.js";
import { writeGaussianAvatarsPly } from "../../tools/writers/gaussianPlyWriter.js";
import { writeLiveLinkFaceCsv } from "../../tools/writers/liveLinkFaceCsvWriter.js";
import { writeZip } from "../../tools/writers/npzWriter.js";
import { createTestFlameNpz } from "../../tools/synthetic/testFlameModel.js";
import { createTestFlameTrackNpz } from "../../tools/synthetic/testFlameTrack.js";
import { createTestRig } from "../../tools/synthetic/testRig.js";
import { deflatedZeros, peakMiB, zipDeclaring } from "../support/zipBombs.js";

/** Inflates, counting the calls: a refusal on the declared size must come before the first. */
let inflations = 0;
const inflate = (data: Uint8Array, size: number) => {
    inflations++;
    return new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }));
};

describe("declared-size bombs are refused before anything is inflated", () => {
    it("a 0.5 MB npz or LAM zip whose entry declares 0xFFFFFFFE bytes (512 MiB inside) costs no memory", async () => {
        const compressed = await deflatedZeros(512 << 20);
        expect(compressed.length).toBeLessThan(1 << 20);
        const peakBefore = peakMiB();
        const npz = zipDeclaring([{ name: "expr.npy", data: compressed, declared: 0xfffffffe }]);
        inflations = 0;
        expect(() => readNpz(npz, "bomb.npz", inflate)).toThrow(expect.objectContaining({ name: "GemFormatError", code: "oversized", fileName: "bomb.npz" }));
        expect(inflations).toBe(0);
        await expect(readNpzAsync(npz, "bomb.npz")).rejects.toMatchObject({ name: "GemFormatError", code: "oversized" });
        const lam = zipDeclaring([
            { name: "avatar/offset.ply", data: compressed, declared: 0xfffffffe },
            { name: "avatar/skin.glb", data: new Uint8Array(8) },
        ]);
        await expect(readLamArchive(lam, "bomb.zip")).rejects.toMatchObject({ name: "GemFormatError", code: "oversized", field: 'zip entry "avatar/offset.ply" size' });
        // Nothing near the 512 MiB inside was ever allocated.
        expect(peakMiB() - peakBefore).toBeLessThan(64);
    });

    it("an entry declaring more than the cap is refused on the declaration, whatever its data (a 4 MB file cannot force 4 GiB)", async () => {
        // 4 MB of data is enough for deflate to claim 4 GiB; the cap (256 MiB by default) refuses it unread.
        const data = new Uint8Array(4 << 20).fill(0x55);
        const bomb = zipDeclaring([{ name: "shapedirs.npy", data, declared: 0xfffffffe }]);
        inflations = 0;
        expect(() => readNpz(bomb, "cap.npz", inflate)).toThrow(expect.objectContaining({ code: "oversized", field: 'zip entry "shapedirs.npy" size' }));
        await expect(readNpzAsync(bomb, "cap.npz")).rejects.toMatchObject({ code: "oversized" });
        expect(inflations).toBe(0);
        // A caller can lower (or raise) the cap.
        const small = new ZipArchive(
            writeZip({ "a.npy": new Uint8Array(2048) }, (d) => new Uint8Array(deflateRawSync(d))),
            "small.npz",
            inflate,
            1024
        );
        expect(() => small.read(small.entries.get("a.npy")!)).toThrow(expect.objectContaining({ code: "oversized" }));
    });

    it("a LAM zip's parts are refused on their declared sizes, and vertex_order.json nested 5 million deep on its text", async () => {
        const compressed = await deflatedZeros(16 << 20);
        const skinBomb = zipDeclaring([
            { name: "avatar/offset.ply", data: new Uint8Array(8) },
            { name: "avatar/skin.glb", data: compressed, declared: 0xfffffffe },
        ]);
        await expect(readLamArchive(skinBomb, "skin-bomb.zip")).rejects.toMatchObject({ code: "oversized", field: 'zip entry "avatar/skin.glb" size' });
        // vertex_order.json's own cap (64 MiB) applies to its declared size: 80 MiB of zeros, never inflated.
        const orderBomb = zipDeclaring([
            { name: "avatar/offset.ply", data: new Uint8Array(8) },
            { name: "avatar/skin.glb", data: new Uint8Array(8) },
            { name: "avatar/vertex_order.json", data: await deflatedZeros(80 << 20), declared: 80 << 20 },
        ]);
        await expect(readLamArchive(orderBomb, "order-bomb.zip")).rejects.toMatchObject({ code: "oversized", field: 'zip entry "avatar/vertex_order.json" size' });
        const peakBefore = peakMiB();
        const nested = new TextEncoder().encode("[".repeat(5_000_000));
        const zip = writeZip(
            { "avatar/offset.ply": new Uint8Array(8), "avatar/skin.glb": new Uint8Array(8), "avatar/vertex_order.json": nested },
            (d) => new Uint8Array(deflateRawSync(d))
        );
        await expect(readLamArchive(zip, "nested.zip")).rejects.toMatchObject({ name: "GemFormatError", field: "vertex_order.json nesting" });
        expect(peakMiB() - peakBefore).toBeLessThan(200);
    });
});

describe("JSON nested deeper than any real file is refused on its text", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    it("in every JSON input: clips, LAM tracks, retarget maps, encoder descriptors", () => {
        expect(() => ExpressionClip.FromJSON(deep, "deep.json")).toThrow(expect.objectContaining({ code: "invalid-clip", message: expect.stringMatching(/nested deeper/) }));
        expect(() => parseLamExpressionTrack(deep, { fileName: "deep.json" })).toThrow(expect.objectContaining({ message: expect.stringMatching(/nested deeper/) }));
        expect(() => RetargetMap.FromJSON(deep, "deep.json")).toThrow(expect.objectContaining({ code: "invalid-map", message: expect.stringMatching(/nested deeper/) }));
        expect(() => parseEncoderDescriptor(deep, "deep.json")).toThrow(expect.objectContaining({ code: "invalid-descriptor", message: expect.stringMatching(/nested deeper/) }));
    });
});

describe("finite but absurd values are refused by each format's physical range", () => {
    const flameFiles = (() => {
        const archive = new ZipArchive(createTestFlameNpz(), "flame.npz");
        return Object.fromEntries([...archive.entries.values()].map((e) => [e.name, archive.read(e).slice()]));
    })();
    const setFloat = (npy: Uint8Array, index: number, value: number) => {
        const out = npy.slice();
        const headerEnd = 10 + new DataView(out.buffer).getUint16(8, true);
        const descr = /'descr': '([^']+)'/.exec(new TextDecoder("latin1").decode(out.subarray(0, headerEnd)))![1];
        if (descr === "<f8") {
            new DataView(out.buffer).setFloat64(headerEnd + 8 * index, value, true);
        } else {
            new DataView(out.buffer).setFloat32(headerEnd + 4 * index, value, true);
        }
        return out;
    };

    it("FLAME models: 3.4e38 in v_template, shapedirs, posedirs, weights or J_regressor", () => {
        for (const key of ["v_template", "shapedirs", "posedirs", "weights", "J_regressor"]) {
            const bytes = writeZip({ ...flameFiles, [`${key}.npy`]: setFloat(flameFiles[`${key}.npy`], 1, 3.4e38) });
            expect(() => parseFlameNpz(bytes, "absurd.npz"), key).toThrow(expect.objectContaining({ name: "GemFormatError", code: "out-of-range", field: `${key}[1]` }));
        }
        expect(parseFlameNpz(writeZip(flameFiles), "clean.npz").model.vertexCount).toBeGreaterThan(0);
    });

    it("FLAME tracks: huge rotations, expressions, translations", () => {
        const archive = new ZipArchive(createTestFlameTrackNpz(4, 10, 20), "track.npz");
        const files = Object.fromEntries([...archive.entries.values()].map((e) => [e.name, archive.read(e).slice()]));
        for (const [key, value] of [
            ["rotation", 3.4e38],
            ["expr", 1e30],
            ["translation", -1e20],
            ["jaw_pose", 100],
        ] as const) {
            const bytes = writeZip({ ...files, [`${key}.npy`]: setFloat(files[`${key}.npy`], 2, value) });
            expect(() => flameTrackFromArrays(readNpz(bytes, "t.npz"), "t.npz"), key).toThrow(expect.objectContaining({ code: "out-of-range", field: `${key}[2]` }));
        }
        expect(flameTrackFromArrays(readNpz(writeZip(files), "t.npz"), "t.npz").frameCount).toBe(4);
    });

    it("rigged Gaussians: 3e38 positions, quaternions, opacities or colours", () => {
        const { model: flame } = parseFlameNpz(createTestFlameNpz({ rings: 10, segments: 12, shapeCount: 6, expressionCount: 5 }), "small.npz");
        for (const field of ["localPositions", "localRotations", "opacityLogits", "colorDc"] as const) {
            const rig = createTestRig(flame, 1);
            rig[field][0] = 3e38;
            expect(() => parseGaussianAvatarsPly(writeGaussianAvatarsPly(rig), "rig.ply"), field).toThrow(expect.objectContaining({ code: "out-of-range" }));
        }
    });

    it("Live Link Face CSV: only decimals (0x10 is not 16), rotations within a turn; clips: keys within a day and ±1000", () => {
        const good = writeLiveLinkFaceCsv(
            [
                { jawOpen: 0.1, headYaw: 0.1 },
                { jawOpen: 0.2, headYaw: 0.1 },
            ],
            { frameRate: 60 }
        );
        expect(parseLiveLinkFaceCsv(good).frameCount).toBe(2);
        const [header, first, second] = good.trim().split("\n");
        const column = (name: string) => header.split(",").indexOf(name);
        const withCell = (name: string, value: string) => {
            const cells = second.split(",");
            cells[column(name)] = value;
            return [header, first, cells.join(",")].join("\n");
        };
        for (const cell of ["0x10", "0b1", "0o7", "Infinity", " ", "1_0"]) {
            expect(() => parseLiveLinkFaceCsv(withCell("JawOpen", cell)), cell).toThrow(expect.objectContaining({ code: "non-finite", channels: ["arkit/jawOpen"] }));
        }
        expect(() => parseLiveLinkFaceCsv(withCell("HeadYaw", "1e308"))).toThrow(expect.objectContaining({ code: "invalid-clip", channels: ["arkit/headYaw"] }));
        expect(() => parseLiveLinkFaceCsv(withCell("JawOpen", "3.4e38"))).toThrow(expect.objectContaining({ code: "invalid-clip" }));
        expect(parseLiveLinkFaceCsv(withCell("JawOpen", "2.5e-1")).clip.getKeys("arkit/jawOpen")!.values[1]).toBe(0.25);
        const clip = new ExpressionClip("c", 30);
        clip.setKey("arkit/jawOpen", 0, 0.5);
        const json = JSON.stringify(clip.toJSON());
        expect(ExpressionClip.FromJSON(json).getKeys("arkit/jawOpen")!.frames).toEqual([0]);
        expect(() => ExpressionClip.FromJSON(json.replace("[0,0.5]", "[1e308,0.5]"))).toThrow(expect.objectContaining({ code: "invalid-clip" }));
        expect(() => ExpressionClip.FromJSON(json.replace("[0,0.5]", "[0,1e30]"))).toThrow(expect.objectContaining({ code: "invalid-clip" }));
        expect(() => clip.setKey("arkit/jawOpen", 1e308, 0)).toThrow(expect.objectContaining({ code: "invalid-clip" }));
    });
});
