/**
 * CRC-32 with the ZIP polynomial (reflected 0xEDB88320), as ZIP stores per entry and PNG per chunk: one table lookup
 * per byte. Readers check it so a flipped bit in an archive is refused, as numpy and Python's zipfile refuse it.
 */
const crcTable = (() => {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) {
            c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        }
        table[n] = c >>> 0;
    }
    return table;
})();

/**
 * CRC-32 of bytes.
 * @param bytes data
 * @returns the checksum, unsigned
 */
export function crc32(bytes: Uint8Array): number {
    let c = 0xffffffff;
    for (let i = 0; i < bytes.length; i++) {
        c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    }
    return (c ^ 0xffffffff) >>> 0;
}
