import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GemFormatError } from "../../../core/errors/GemFormatError.js";
import { readNpz, readNpzAsync } from "../../../loaders/archives/npzArchive.js";
import { ZipArchive } from "../../../loaders/archives/zipArchive.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { writeNpz } from "../../../tools/writers/npzWriter.js";

const inflate = (data: Uint8Array) => new Uint8Array(inflateRawSync(data));
const deflate = (data: Uint8Array) => new Uint8Array(deflateRawSync(data));

function archive(compressed: boolean): Uint8Array {
    const random = createRandom(5);
    const data = Float32Array.from({ length: 64 }, () => random());
    return writeNpz({ expr: { descr: "<f4", shape: [8, 8], data } }, compressed ? deflate : undefined);
}

function flipDataBit(bytes: Uint8Array, compressed: boolean): Uint8Array {
    const out = bytes.slice();
    const entry = new ZipArchive(out, "a.npz", inflate).entries.get("expr.npy")!;
    // Stored: a bit of the float data (past the .npy header); deflated: a bit of a stored block's payload would break
    // the stream instead, so flip the stored CRC there.
    if (compressed) {
        const central = out.length - 22 - (46 + "expr.npy".length);
        new DataView(out.buffer).setUint32(central + 16, entry.crc32 ^ 1, true);
    } else {
        out[entry.localHeaderOffset + 30 + "expr.npy".length + 200] ^= 0x10;
    }
    return out;
}

describe("ZipArchive", () => {
    it("reads stored and deflated npz archives whose CRC-32 matches", async () => {
        for (const compressed of [false, true]) {
            expect(readNpz(archive(compressed), "a.npz", inflate).get("expr")?.shape).toEqual([8, 8]);
            expect((await readNpzAsync(archive(compressed), "a.npz")).get("expr")?.shape).toEqual([8, 8]);
        }
    });

    it("refuses an entry whose contents do not match its CRC-32, naming the entry, the stored and the computed sum", async () => {
        for (const compressed of [false, true]) {
            const bad = flipDataBit(archive(compressed), compressed);
            for (const read of [() => readNpz(bad, "a.npz", inflate), () => readNpzAsync(bad, "a.npz")]) {
                const error = await Promise.resolve()
                    .then(read)
                    .then(
                        () => null,
                        (e: unknown) => e
                    );
                expect(error).toBeInstanceOf(GemFormatError);
                expect((error as GemFormatError).code).toBe("bad-checksum");
                expect((error as GemFormatError).field).toBe('zip entry "expr.npy" crc32');
                expect((error as GemFormatError).expected).toMatch(/^0x[0-9a-f]{8}$/);
            }
        }
    });
});
