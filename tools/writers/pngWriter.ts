/**
 * Minimal PNG encoder (8-bit RGBA, one IDAT, zlib from Node) and image tiling, for reports written by the tools.
 */
import { deflateSync } from "node:zlib";
import { crc32 } from "./npzWriter.js";
import { concatBytes } from "./concatBytes.js";

/**
 * Encodes RGBA pixels as a PNG.
 * @param pixels RGBA bytes, top row first
 * @param width width
 * @param height height
 * @returns PNG bytes
 */
export function encodePng(pixels: Uint8Array, width: number, height: number): Uint8Array {
    const raw = new Uint8Array(height * (4 * width + 1));
    for (let y = 0; y < height; y++) {
        raw.set(pixels.subarray(y * 4 * width, (y + 1) * 4 * width), y * (4 * width + 1) + 1);
    }
    const chunk = (type: string, data: Uint8Array) => {
        const out = new Uint8Array(12 + data.length);
        const view = new DataView(out.buffer);
        view.setUint32(0, data.length);
        out.set(new TextEncoder().encode(type), 4);
        out.set(data, 8);
        view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
        return out;
    };
    const header = new Uint8Array(13);
    const hv = new DataView(header.buffer);
    hv.setUint32(0, width);
    hv.setUint32(4, height);
    header.set([8, 6, 0, 0, 0], 8);
    const parts = [
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk("IHDR", header),
        chunk("IDAT", new Uint8Array(deflateSync(raw))),
        chunk("IEND", new Uint8Array(0)),
    ];
    return concatBytes(parts);
}

/**
 * Tiles equally sized images into a grid, row by row.
 * @param images RGBA images
 * @param width width of each
 * @param height height of each
 * @param columns images per row
 * @returns the grid image and its size
 */
export function tileImages(images: readonly Uint8Array[], width: number, height: number, columns: number): { pixels: Uint8Array; width: number; height: number } {
    const rows = Math.ceil(images.length / columns);
    const out = new Uint8Array(columns * width * rows * height * 4);
    images.forEach((image, i) => {
        const ox = (i % columns) * width;
        const oy = Math.floor(i / columns) * height;
        for (let y = 0; y < height; y++) {
            out.set(image.subarray(y * width * 4, (y + 1) * width * 4), ((oy + y) * columns * width + ox) * 4);
        }
    });
    return { pixels: out, width: columns * width, height: rows * height };
}
