/**
 * YUV4MPEG2 (`.y4m`) video: the uncompressed format Chromium's fake camera plays
 * (`--use-file-for-fake-video-capture=file.y4m`). 4:2:0, BT.601 studio range, progressive.
 */
import { concatBytes } from "./concatBytes.js";

/**
 * Encodes RGBA frames (top row first) as a y4m file.
 * @param frames RGBA bytes, width × height × 4 each
 * @param width even width
 * @param height even height
 * @param fps frames per second
 * @returns the file's bytes
 */
export function encodeY4m(frames: readonly Uint8Array[], width: number, height: number, fps: number): Uint8Array {
    if (width % 2 !== 0 || height % 2 !== 0) {
        throw new Error(`y4m 4:2:0 needs an even size, got ${width} × ${height}`);
    }
    const parts: Uint8Array[] = [new TextEncoder().encode(`YUV4MPEG2 W${width} H${height} F${Math.round(fps)}:1 Ip A1:1 C420jpeg\n`)];
    const frameHeader = new TextEncoder().encode("FRAME\n");
    const cw = width / 2;
    const ch = height / 2;
    for (const rgba of frames) {
        if (rgba.length !== width * height * 4) {
            throw new Error(`frame of ${rgba.length} bytes, expected ${width * height * 4}`);
        }
        const planes = new Uint8Array(width * height + 2 * cw * ch);
        for (let i = 0, p = 0; p < width * height; i += 4, p++) {
            planes[p] = Math.round(16 + (65.481 * rgba[i] + 128.553 * rgba[i + 1] + 24.966 * rgba[i + 2]) / 255);
        }
        for (let y = 0; y < ch; y++) {
            for (let x = 0; x < cw; x++) {
                let r = 0;
                let g = 0;
                let b = 0;
                for (const [dx, dy] of [
                    [0, 0],
                    [1, 0],
                    [0, 1],
                    [1, 1],
                ]) {
                    const i = ((2 * y + dy) * width + 2 * x + dx) * 4;
                    r += rgba[i] / 4;
                    g += rgba[i + 1] / 4;
                    b += rgba[i + 2] / 4;
                }
                planes[width * height + y * cw + x] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
                planes[width * height + cw * ch + y * cw + x] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
            }
        }
        parts.push(frameHeader, planes);
    }
    return concatBytes(parts);
}
