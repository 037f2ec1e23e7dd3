/**
 * Reads a 3D Gaussian Splatting point cloud in the reference layout (`point_cloud.ply` of Kerbl et al. and the tools
 * that follow it): binary little-endian; x y z, f_dc_0..2 (degree-0 spherical harmonics), opacity (logit),
 * scale_0..2 (log), rot_0..3 (w x y z, not necessarily unit). Higher SH bands are ignored.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import type { GemGaussians } from "../../core/gemReconstruction.js";
import { ShC0 } from "../../core/flame/riggedGaussians.js";
import { readPlyVertexTable } from "./plyVertexTable.js";

/** Largest log-scale accepted (e^20 ≈ 5·10^8 scene units: beyond it a file is broken, and e^89 overflows float32). */
const MaxLogScale = 20;

const required = ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"];

/** Options of {@link parseGaussianPly}. */
export interface GaussianPlyOptions {
    /**
     * What `f_dc_0..2` hold: `sh` (default), degree-0 spherical harmonics (colour = 0.5 + C0 · f_dc), as the reference
     * 3DGS code writes; `rgb`, colours in [0, 1] (clamped), as LAM writes its `offset.ply`.
     */
    colors?: "sh" | "rgb";
    /** How to describe the expected file in the error for a missing property. */
    what?: string;
}

/**
 * Parses a 3DGS PLY into Gaussians after activations (sigmoid opacity, exp scales, unit rotations, colours as
 * {@link GaussianPlyOptions.colors} says).
 * @param bytes file contents
 * @param fileName for errors
 * @param options colour encoding
 * @returns the Gaussians
 * @throws GemFormatError for a malformed file, a missing property or a non-finite value
 */
export function parseGaussianPly(bytes: Uint8Array, fileName: string, options: GaussianPlyOptions = {}): GemGaussians {
    const table = readPlyVertexTable(bytes, fileName, required, options.what ?? "a 3D Gaussian Splatting point cloud");
    const rgb = options.colors === "rgb";
    const n = table.count;
    const out: GemGaussians = {
        count: n,
        positions: new Float32Array(3 * n),
        scales: new Float32Array(3 * n),
        rotations: new Float32Array(4 * n),
        opacities: new Float32Array(n),
        colors: new Float32Array(3 * n),
    };
    const finite = (name: string, i: number) => {
        const v = table.read(name, i);
        if (!Number.isFinite(v)) {
            throw new GemFormatError("non-finite", fileName, `${name}[${i}]`, "a finite number", v);
        }
        return v;
    };
    for (let i = 0; i < n; i++) {
        for (let c = 0; c < 3; c++) {
            out.positions[3 * i + c] = finite("xyz"[c], i);
            const logScale = finite(`scale_${c}`, i);
            if (logScale > MaxLogScale) {
                throw new GemFormatError("invalid-descriptor", fileName, `scale_${c}[${i}]`, `a log-scale at most ${MaxLogScale}`, logScale);
            }
            out.scales[3 * i + c] = Math.exp(logScale);
            const dc = finite(`f_dc_${c}`, i);
            out.colors[3 * i + c] = rgb ? Math.min(1, Math.max(0, dc)) : 0.5 + ShC0 * dc;
        }
        out.opacities[i] = 1 / (1 + Math.exp(-finite("opacity", i)));
        const q = [finite("rot_0", i), finite("rot_1", i), finite("rot_2", i), finite("rot_3", i)];
        const norm = Math.hypot(q[0], q[1], q[2], q[3]);
        if (!(norm > 1e-8)) {
            throw new GemFormatError("invalid-descriptor", fileName, `rot[${i}]`, "a non-zero quaternion", 0);
        }
        for (let c = 0; c < 4; c++) {
            out.rotations[4 * i + c] = q[c] / norm;
        }
    }
    return out;
}
