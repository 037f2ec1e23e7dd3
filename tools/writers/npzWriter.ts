/**
 * Writes numpy `.npz` archives (stored ZIP of `.npy` files), for generated test models and tracks.
 */
import { crc32 } from "../../loaders/archives/crc32.js";

export { crc32 };

/** An array to write: values with their numpy type and shape. */
export interface NpyInput {
    /** `<f4`, `<f8`, `<i4`, `<i8`, `<u4`, `|u1`... */
    descr: string;
    /** Shape. */
    shape: number[];
    /** Raw little-endian bytes (or a typed array whose element type matches descr). */
    data: ArrayBufferView;
}

/**
 * Encodes one `.npy` file (version 1.0).
 * @param array the array
 * @returns file bytes
 */
export function encodeNpy(array: NpyInput): Uint8Array {
    const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(", ")})`;
    let header = `{'descr': '${array.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
    const total = Math.ceil((10 + header.length + 1) / 64) * 64;
    header = `${header.padEnd(total - 10 - 1, " ")}\n`;
    const data = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
    const out = new Uint8Array(total + data.byteLength);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
    out.set(new TextEncoder().encode(header), 10);
    out.set(data, total);
    return out;
}

/**
 * Writes a ZIP: stored, or deflated as np.savez_compressed writes it when a raw-deflate compressor is given.
 * @param files name → bytes
 * @param deflateRaw raw-deflate compressor (Node: `zlib.deflateRawSync`), or none for stored entries
 * @returns archive bytes
 */
export function writeZip(files: Record<string, Uint8Array>, deflateRaw?: (data: Uint8Array) => Uint8Array): Uint8Array {
    const encoder = new TextEncoder();
    const locals: Uint8Array[] = [];
    const centrals: Uint8Array[] = [];
    let offset = 0;
    for (const [name, data] of Object.entries(files)) {
        const nameBytes = encoder.encode(name);
        const crc = crc32(data);
        const method = deflateRaw ? 8 : 0;
        const stored = deflateRaw ? deflateRaw(data) : data;
        const local = new Uint8Array(30 + nameBytes.length);
        const lv = new DataView(local.buffer);
        lv.setUint32(0, 0x04034b50, true);
        lv.setUint16(4, 20, true);
        lv.setUint16(8, method, true);
        lv.setUint32(14, crc, true);
        lv.setUint32(18, stored.byteLength, true);
        lv.setUint32(22, data.byteLength, true);
        lv.setUint16(26, nameBytes.length, true);
        local.set(nameBytes, 30);
        const central = new Uint8Array(46 + nameBytes.length);
        const cv = new DataView(central.buffer);
        cv.setUint32(0, 0x02014b50, true);
        cv.setUint16(4, 20, true);
        cv.setUint16(6, 20, true);
        cv.setUint16(10, method, true);
        cv.setUint32(16, crc, true);
        cv.setUint32(20, stored.byteLength, true);
        cv.setUint32(24, data.byteLength, true);
        cv.setUint16(28, nameBytes.length, true);
        cv.setUint32(42, offset, true);
        central.set(nameBytes, 46);
        locals.push(local, stored);
        centrals.push(central);
        offset += local.byteLength + stored.byteLength;
    }
    const centralSize = centrals.reduce((a, c) => a + c.byteLength, 0);
    const end = new Uint8Array(22);
    const ev = new DataView(end.buffer);
    ev.setUint32(0, 0x06054b50, true);
    ev.setUint16(8, centrals.length, true);
    ev.setUint16(10, centrals.length, true);
    ev.setUint32(12, centralSize, true);
    ev.setUint32(16, offset, true);
    const out = new Uint8Array(offset + centralSize + 22);
    let at = 0;
    for (const part of [...locals, ...centrals, end]) {
        out.set(part, at);
        at += part.byteLength;
    }
    return out;
}

/**
 * Writes an npz archive (np.savez, or np.savez_compressed given a raw-deflate compressor).
 * @param arrays key → array
 * @param deflateRaw raw-deflate compressor, or none for stored entries
 * @returns archive bytes
 */
export function writeNpz(arrays: Record<string, NpyInput>, deflateRaw?: (data: Uint8Array) => Uint8Array): Uint8Array {
    return writeZip(Object.fromEntries(Object.entries(arrays).map(([key, array]) => [`${key}.npy`, encodeNpy(array)])), deflateRaw);
}

/**
 * The npz arrays of a rig (our container; see loaders/riggedGaussiansNpz.ts).
 * @param rig the bound Gaussians
 * @returns key → array
 */
export function riggedGaussianArrays(rig: import("../../core/flame/riggedGaussians.js").RiggedGaussians): Record<string, NpyInput> {
    const n = rig.count;
    return {
        gaussians_binding: { descr: "<i4", shape: [n], data: Int32Array.from(rig.binding) },
        gaussians_xyz: { descr: "<f4", shape: [n, 3], data: rig.localPositions },
        gaussians_scale: { descr: "<f4", shape: [n, 3], data: rig.localLogScales },
        gaussians_rotation: { descr: "<f4", shape: [n, 4], data: rig.localRotations },
        gaussians_opacity: { descr: "<f4", shape: [n], data: rig.opacityLogits },
        gaussians_f_dc: { descr: "<f4", shape: [n, 3], data: rig.colorDc },
    };
}
