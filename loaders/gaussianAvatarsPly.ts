/**
 * Reads the `point_cloud.ply` that GaussianAvatars writes for FLAME-rigged Gaussians: binary little-endian, one
 * vertex element with x y z (local position), nx ny nz, f_dc_0..2, f_rest_*, opacity (logit), scale_0..2 (log, relative
 * to the face scale), rot_0..3 (w x y z) and binding_0 (parent face index, stored as float).
 */
import { GemFormatError } from "../plugin/GemFormatError";
import { createRiggedGaussians, type RiggedGaussians } from "../plugin/flame/riggedGaussians";

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

/** Properties the rig needs. */
const required = ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3", "binding_0"];

/**
 * Parses a GaussianAvatars PLY.
 * @param bytes file contents
 * @param fileName for errors
 * @param faceCount when given, every binding must be below it
 * @returns the bound Gaussians
 */
export function parseGaussianAvatarsPly(bytes: Uint8Array, fileName: string, faceCount?: number): RiggedGaussians {
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
                count = Number(parts[2]);
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
            throw new GemFormatError("invalid-descriptor", fileName, `ply property ${name}`, "present (a GaussianAvatars point cloud with binding_0)", "missing");
        }
    }
    const dataStart = headerEnd;
    if (bytes.byteLength - dataStart < count * stride) {
        throw new GemFormatError("truncated", fileName, "ply vertex data", `${count} × ${stride} bytes`, `${bytes.byteLength - dataStart} bytes`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, count * stride);
    const read = (name: string, i: number) => {
        const p = byName.get(name)!;
        return p.type.read(view, i * stride + p.offset);
    };
    const rig = createRiggedGaussians(count);
    for (let i = 0; i < count; i++) {
        const binding = read("binding_0", i);
        if (!Number.isInteger(binding) || binding < 0 || (faceCount !== undefined && binding >= faceCount)) {
            throw new GemFormatError("invalid-descriptor", fileName, `binding_0[${i}]`, faceCount !== undefined ? `a face index < ${faceCount}` : "a face index", binding);
        }
        rig.binding[i] = binding;
        for (let c = 0; c < 3; c++) {
            rig.localPositions[3 * i + c] = read("xyz"[c], i);
            rig.localLogScales[3 * i + c] = read(`scale_${c}`, i);
            rig.colorDc[3 * i + c] = read(`f_dc_${c}`, i);
        }
        for (let c = 0; c < 4; c++) {
            rig.localRotations[4 * i + c] = read(`rot_${c}`, i);
        }
        rig.opacityLogits[i] = read("opacity", i);
    }
    for (const [field, values] of Object.entries(rig)) {
        if (values instanceof Float32Array) {
            const bad = values.findIndex((v) => !Number.isFinite(v));
            if (bad >= 0) {
                throw new GemFormatError("non-finite", fileName, `${field}[${bad}]`, "a finite number", values[bad]);
            }
        }
    }
    return rig;
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
