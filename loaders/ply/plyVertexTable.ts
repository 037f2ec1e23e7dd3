/**
 * The vertex table of a binary little-endian PLY file, as Gaussian-splatting tools write them (3DGS point clouds,
 * GaussianAvatars rigs). Reads the header, checks the declared size against the buffer, and gives typed access.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";

const plyTypes: Record<string, { size: number; read: (view: DataView, at: number) => number }> = {
    float: { size: 4, read: (v, a) => v.getFloat32(a, true) },
    float32: { size: 4, read: (v, a) => v.getFloat32(a, true) },
    double: { size: 8, read: (v, a) => v.getFloat64(a, true) },
    float64: { size: 8, read: (v, a) => v.getFloat64(a, true) },
    uchar: { size: 1, read: (v, a) => v.getUint8(a) },
    uint8: { size: 1, read: (v, a) => v.getUint8(a) },
    int: { size: 4, read: (v, a) => v.getInt32(a, true) },
    int32: { size: 4, read: (v, a) => v.getInt32(a, true) },
    uint: { size: 4, read: (v, a) => v.getUint32(a, true) },
    uint32: { size: 4, read: (v, a) => v.getUint32(a, true) },
    short: { size: 2, read: (v, a) => v.getInt16(a, true) },
    ushort: { size: 2, read: (v, a) => v.getUint16(a, true) },
};

/** Typed access to the vertex rows of a PLY file. */
export interface PlyVertexTable {
    /** Number of vertices (rows). */
    count: number;
    /** Names of the scalar properties, in file order. */
    propertyNames: string[];
    /**
     * Reads one property of one row.
     * @param name property name (must be one of {@link propertyNames})
     * @param row row index
     */
    read(name: string, row: number): number;
}

/**
 * Parses the header and checks that the vertex data fit in the buffer before anything is allocated.
 * @param bytes file contents
 * @param fileName for errors
 * @param required properties that must be present
 * @param what how to describe a file that has them, in the error for a missing one
 * @returns the table
 */
export function readPlyVertexTable(bytes: Uint8Array, fileName: string, required: readonly string[], what: string): PlyVertexTable {
    const headerEnd = findHeaderEnd(bytes);
    if (headerEnd < 0) {
        throw new GemFormatError("truncated", fileName, "ply header", "an end_header line within the first 64 KiB", "none");
    }
    const header = new TextDecoder("latin1").decode(bytes.subarray(0, headerEnd)).split(/\r?\n/);
    if (header[0] !== "ply") {
        throw new GemFormatError("bad-magic", fileName, "ply magic", '"ply"', JSON.stringify(header[0]));
    }
    if (!header.some((l) => l.trim() === "format binary_little_endian 1.0")) {
        throw new GemFormatError("unsupported", fileName, "ply format", "binary_little_endian 1.0", header.find((l) => l.startsWith("format")) ?? "none");
    }
    let count = -1;
    let inVertex = false;
    const properties: { name: string; offset: number; type: (typeof plyTypes)[string] }[] = [];
    let stride = 0;
    for (const line of header) {
        const parts = line.trim().split(/\s+/);
        if (parts[0] === "element") {
            inVertex = parts[1] === "vertex";
            if (inVertex) {
                // Decimal digits only: Number() would also take "0x10", "1e3" or " ".
                count = /^\d{1,10}$/.test(parts[2] ?? "") ? Number(parts[2]) : Number.NaN;
                if (Number.isNaN(count)) {
                    throw new GemFormatError("invalid-descriptor", fileName, "ply element vertex", "a decimal vertex count", JSON.stringify(parts[2] ?? ""));
                }
            } else if (count >= 0) {
                throw new GemFormatError("unsupported", fileName, `ply element ${parts[1]}`, "only the vertex element", parts[1]);
            }
        } else if (parts[0] === "property" && inVertex) {
            if (parts[1] === "list") {
                throw new GemFormatError("unsupported", fileName, `ply property ${parts[4]}`, "scalar properties", "list");
            }
            const type = plyTypes[parts[1]];
            if (!type) {
                throw new GemFormatError("unsupported", fileName, `ply property ${parts[2]} type`, Object.keys(plyTypes).join(" | "), parts[1]);
            }
            properties.push({ name: parts[2], offset: stride, type });
            stride += type.size;
        }
    }
    if (!Number.isInteger(count) || count < 0) {
        throw new GemFormatError("invalid-descriptor", fileName, "ply element vertex", "a non-negative count", count);
    }
    const byName = new Map(properties.map((p) => [p.name, p]));
    for (const name of required) {
        if (!byName.has(name)) {
            throw new GemFormatError("invalid-descriptor", fileName, `ply property ${name}`, `present (${what})`, "missing");
        }
    }
    if (bytes.byteLength - headerEnd !== count * stride) {
        // Exactly the declared rows: more data than the header says is as wrong as less (a count written too small).
        throw new GemFormatError(
            bytes.byteLength - headerEnd < count * stride ? "truncated" : "size-mismatch",
            fileName,
            "ply vertex data",
            `${count} × ${stride} bytes (element vertex ${count})`,
            `${bytes.byteLength - headerEnd} bytes`
        );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + headerEnd, count * stride);
    return {
        count,
        propertyNames: properties.map((p) => p.name),
        read(name: string, row: number): number {
            const p = byName.get(name)!;
            return p.type.read(view, row * stride + p.offset);
        },
    };
}

function findHeaderEnd(bytes: Uint8Array): number {
    const marker = new TextEncoder().encode("end_header\n");
    const limit = Math.min(bytes.byteLength - marker.length, 65536);
    for (let i = 0; i <= limit; i++) {
        let match = true;
        for (let k = 0; k < marker.length && match; k++) {
            match = bytes[i + k] === marker[k];
        }
        if (match) {
            return i + marker.length;
        }
    }
    return -1;
}
