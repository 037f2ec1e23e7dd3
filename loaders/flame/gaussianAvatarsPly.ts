/**
 * Reads the `point_cloud.ply` that GaussianAvatars writes for FLAME-rigged Gaussians: binary little-endian, one
 * vertex element with x y z (local position), nx ny nz, f_dc_0..2, f_rest_*, opacity (logit), scale_0..2 (log, relative
 * to the face scale), rot_0..3 (w x y z) and binding_0 (parent face index, stored as float).
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { createRiggedGaussians, requireSoundRig, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { readPlyVertexTable } from "../ply/plyVertexTable.js";
import { requireFinite } from "../../core/errors/requireFinite.js";

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
    const table = readPlyVertexTable(bytes, fileName, required, "a GaussianAvatars point cloud with binding_0");
    const count = table.count;
    const read = table.read;
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
            requireFinite(values, fileName, field);
        }
    }
    return requireSoundRig(rig, fileName);
}
