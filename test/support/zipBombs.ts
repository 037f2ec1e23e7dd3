/**
 * Zips whose entries declare the sizes a test chooses (declared-size bombs), deflated zeros made without holding them,
 * and the process's peak memory, for the tests that check hostile archives cost nothing before they are refused.
 */
import { createDeflateRaw } from "node:zlib";
import { crc32 } from "../../loaders/archives/crc32.js";

/** Raw deflate of `bytes` zeros, streamed (the test never holds the inflated size). */
export async function deflatedZeros(bytes: number): Promise<Uint8Array> {
    const stream = createDeflateRaw({ level: 9 });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise<void>((resolve, reject) => {
        stream.on("end", resolve);
        stream.on("error", reject);
    });
    const chunk = Buffer.alloc(1 << 20);
    for (let written = 0; written < bytes; written += chunk.length) {
        if (!stream.write(chunk)) {
            await new Promise<void>((resolve) => stream.once("drain", resolve));
        }
    }
    stream.end();
    await done;
    return new Uint8Array(Buffer.concat(chunks));
}

/** One entry of {@link zipDeclaring}: stored bytes, or deflated bytes declaring `declared` inflated bytes. */
export interface DeclaredEntry {
    name: string;
    data: Uint8Array;
    /** Inflated size the directory declares (a deflated entry); absent: stored. */
    declared?: number;
}

/** A zip whose entries declare the sizes given (CRCs are not checked: every bomb is refused before). */
export function zipDeclaring(entries: DeclaredEntry[]): Uint8Array {
    const encoder = new TextEncoder();
    const locals: Uint8Array[] = [];
    const centrals: Uint8Array[] = [];
    let offset = 0;
    for (const entry of entries) {
        const name = encoder.encode(entry.name);
        const method = entry.declared === undefined ? 0 : 8;
        const size = entry.declared ?? entry.data.length;
        const local = new Uint8Array(30 + name.length + entry.data.length);
        const lv = new DataView(local.buffer);
        lv.setUint32(0, 0x04034b50, true);
        lv.setUint16(4, 20, true);
        lv.setUint16(8, method, true);
        lv.setUint32(14, method === 0 ? crc32(entry.data) : 0, true);
        lv.setUint32(18, entry.data.length, true);
        lv.setUint32(22, size, true);
        lv.setUint16(26, name.length, true);
        local.set(name, 30);
        local.set(entry.data, 30 + name.length);
        const central = new Uint8Array(46 + name.length);
        const cv = new DataView(central.buffer);
        cv.setUint32(0, 0x02014b50, true);
        cv.setUint16(4, 20, true);
        cv.setUint16(6, 20, true);
        cv.setUint16(10, method, true);
        cv.setUint32(16, method === 0 ? crc32(entry.data) : 0, true);
        cv.setUint32(20, entry.data.length, true);
        cv.setUint32(24, size, true);
        cv.setUint16(28, name.length, true);
        cv.setUint32(42, offset, true);
        central.set(name, 46);
        locals.push(local);
        centrals.push(central);
        offset += local.length;
    }
    const directory = centrals.reduce((n, c) => n + c.length, 0);
    const end = new Uint8Array(22);
    const ev = new DataView(end.buffer);
    ev.setUint32(0, 0x06054b50, true);
    ev.setUint16(8, entries.length, true);
    ev.setUint16(10, entries.length, true);
    ev.setUint32(12, directory, true);
    ev.setUint32(16, offset, true);
    const out = new Uint8Array(offset + directory + 22);
    let at = 0;
    for (const part of [...locals, ...centrals, end]) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}

/**
 * Peak resident memory of this process so far (process.resourceUsage; it never decreases).
 * @returns MiB
 */
export function peakMiB(): number {
    return process.resourceUsage().maxRSS / 1024;
}
