/**
 * Joins byte arrays into one (the file writers build files from parts).
 * @param parts the parts, in order
 * @returns a new array holding all of them
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
    }
    return out;
}
