/**
 * Sequences of Gaussian frames with fixed correspondence (Gaussian i is the same Gaussian in every frame): the input of
 * the distillation. Frames are produced on demand, so a long sequence is never held whole in memory.
 */
import { parseGaussianPly } from "../../loaders/ply/gaussianPly.js";
import { trackFrameParameters, type FlameTrack } from "../../core/flame/flameTrack.js";
import type { GemGaussians } from "../../core/gemReconstruction.js";
import type { FlameModel } from "../../core/flame/FlameModel.js";
import { flameForward } from "../../core/flame/flameForward.js";
import { posedRiggedGaussians, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { DistillationError } from "./DistillationError.js";
import { findNonFinite } from "../../core/errors/requireFinite.js";

/** A sequence of Gaussian frames. */
export interface GaussianSequence {
    /** Name used in errors and reports. */
    name: string;
    /** Number of frames. */
    frameCount: number;
    /**
     * Returns frame i, after activations (linear scales, unit quaternions, opacities in [0, 1], RGB).
     * @param index frame index
     */
    frame(index: number): GemGaussians;
}

/**
 * Reads and checks a frame: same Gaussian count as `expectedCount`, every value finite.
 * @param sequence the sequence
 * @param index frame index
 * @param expectedCount Gaussian count of the first frame (or undefined for the first frame)
 * @returns the frame
 * @throws DistillationError naming the frame and the field
 */
export function readCheckedFrame(sequence: GaussianSequence, index: number, expectedCount?: number): GemGaussians {
    let frame: GemGaussians;
    try {
        frame = sequence.frame(index);
    } catch (error) {
        if (error instanceof GemFormatError) {
            throw new DistillationError(
                error.code === "non-finite" ? "non-finite" : "invalid-input",
                error.fileName,
                `frame ${index} ${error.field}`,
                error.expected,
                error.actual
            );
        }
        throw error;
    }
    if (expectedCount !== undefined && frame.count !== expectedCount) {
        throw new DistillationError(
            "gaussian-count-mismatch",
            sequence.name,
            `frame ${index} Gaussian count`,
            `${expectedCount} (as frame 0: correspondence must be fixed)`,
            frame.count
        );
    }
    const fields = [
        ["positions", 3],
        ["scales", 3],
        ["rotations", 4],
        ["opacities", 1],
        ["colors", 3],
    ] as const;
    for (const [field, width] of fields) {
        const values = frame[field];
        if (values.length !== frame.count * width) {
            throw new DistillationError("invalid-input", sequence.name, `frame ${index} ${field}.length`, frame.count * width, values.length);
        }
        const bad = findNonFinite(values);
        if (bad >= 0) {
            throw new DistillationError("non-finite", sequence.name, `frame ${index} ${field}[${bad}] (Gaussian ${Math.floor(bad / width)})`, "a finite number", values[bad]);
        }
    }
    return frame;
}

/**
 * A sequence held in memory.
 * @param name name for errors
 * @param frames the frames
 * @returns the sequence
 */
export function arraySequence(name: string, frames: readonly GemGaussians[]): GaussianSequence {
    return { name, frameCount: frames.length, frame: (i) => frames[i] };
}

/**
 * A sequence of 3DGS PLY files (one frame each, same Gaussian order), read lazily.
 * @param files name and a reader of the bytes of each file, in frame order
 * @returns the sequence
 */
export function plySequence(files: readonly { name: string; read: () => Uint8Array }[]): GaussianSequence {
    return {
        name: files.length > 0 ? `${files[0].name} … (${files.length} PLY frames)` : "empty PLY sequence",
        frameCount: files.length,
        frame: (i) => parseGaussianPly(files[i].read(), files[i].name),
    };
}

/**
 * A FLAME-rigged Gaussian avatar (GaussianAvatars binding) posed by a track: the teacher of the default avatar.
 * @param model the FLAME model
 * @param rig Gaussians bound to its faces
 * @param track the driving sequence
 * @param options `canonical` (default true): pose in the head frame without global pose, neck and translation;
 *   `shape`: identity shape (defaults to the track's)
 * @returns the sequence
 */
export function riggedFlameSequence(
    model: FlameModel,
    rig: RiggedGaussians,
    track: FlameTrack,
    options: { canonical?: boolean; shape?: Float32Array | null; name?: string } = {}
): GaussianSequence {
    const canonical = options.canonical ?? true;
    const shape = options.shape ?? track.shape ?? undefined;
    return {
        name: options.name ?? "rigged FLAME teacher",
        frameCount: track.frameCount,
        frame(t: number): GemGaussians {
            const { vertices } = flameForward(model, { ...trackFrameParameters(track, t, canonical), shape });
            return posedRiggedGaussians(rig, vertices, model.data.faces);
        },
    };
}
