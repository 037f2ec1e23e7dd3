/**
 * The embedded default avatar, built the way users build theirs: the generated teacher head (tools/teacherHead.ts:
 * FLAME-format mesh, Gaussians bound to its faces, an expression sequence) distilled by tools/distill into a GEM model
 * with a FLAME → coefficient map. Deterministic: the same code gives the same bytes.
 */
import type { FlameTrack } from "../../core/flame/flameTrack.js";
import { distillFlameTeacher, type FlameDistillationResult } from "../distill/flameDistillation.js";
import { createTeacherHead, createTeacherTrack, TeacherExpressionNames, type TeacherHead } from "./teacherHead.js";

/** Components kept per group in the shipped avatar (opacity and colour are static in the teacher, so K = 0). */
export const DefaultAvatarComponents = { position: 16, scale: 8, rotation: 12 };

/** Storage of the committed `.gem` file. */
export const DefaultAvatarWriteOptions = { basisDtype: "float16", meanDtype: "float32", generator: "tools/makeDefaultAvatar.ts" } as const;

/** Frames at the end of the teacher track that are held out of fitting. */
export const DefaultAvatarHeldOutFrames = 60;

/** The default avatar and what it was made from. */
export interface DefaultAvatarBuild {
    /** Distillation result (model with its `flame` driver, spectra, sequence, held-out frames). */
    result: FlameDistillationResult;
    /** The teacher. */
    teacher: TeacherHead;
    /** The track that drove it (training frames then held-out frames). */
    track: FlameTrack;
}

/**
 * Builds the default avatar.
 * @param onProgress progress callback
 * @param components components per group (defaults to the shipped ones; the report uses more)
 * @returns model, teacher and track
 */
export function buildDefaultAvatar(
    onProgress?: (stage: string, done: number, total: number) => void,
    components: Partial<typeof DefaultAvatarComponents> = DefaultAvatarComponents
): DefaultAvatarBuild {
    const teacher = createTeacherHead();
    const track = createTeacherTrack();
    const result = distillFlameTeacher(teacher.model, teacher.rig, track, {
        heldOutFrames: DefaultAvatarHeldOutFrames,
        components,
        expressionLabels: TeacherExpressionNames,
        name: "Default head",
        metadata: {
            description: "Distilled by tools/distill from the generated teacher head (tools/teacherHead.ts) driven by its expression track.",
            licence: "CC0-1.0",
            track: "cartoon-head-track.npz",
        },
        onProgress,
    });
    return { result, teacher, track };
}
