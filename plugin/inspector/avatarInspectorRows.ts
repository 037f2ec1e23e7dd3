import { InspectableType } from "@babylonjs/core/Misc/iInspectable.js";
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import type { Node } from "@babylonjs/core/node.js";
import type { GemReconstructionPass } from "../../materials/GemReconstructionPass.js";
import type { GemAvatarBase } from "../GemAvatarBase.js";
import type { FlameAvatar } from "../flame/FlameAvatar.js";
import type { AvatarAnimator } from "../animation/AvatarAnimator.js";
import type { InspectableRow } from "./inspectableRows.js";

/** Coefficient sliders span ±3σ: GEM's coefficients are multiples of each component's standard deviation. */
const SigmaRange = 3;
const HeadPoseLabels = { globalPose: "Head rotation", neckPose: "Neck rotation", translation: "Head translation" } as const;

/**
 * How an avatar reconstructs, for the Inspector and for bug reports: the GPU pass on WebGL2/WebGPU, or the CPU
 * fallback and why.
 * @param pass the avatar's pass, or null on the CPU path
 * @param engine its engine
 * @returns for example "GPU pass (WebGL2)"
 */
export function ReconstructionPathName(pass: GemReconstructionPass | null | undefined, engine: AbstractEngine): string {
    // NullEngine (tests, servers) has no canvas and reports itself as WebGL 1.
    const api = engine.isWebGPU ? "WebGPU" : !engine.getRenderingCanvas() ? "no canvas" : engine.name === "WebGL" ? `WebGL${engine.version}` : engine.name;
    return pass ? `GPU pass (${api})` : `CPU fallback (${api})`;
}

/**
 * A read-only line (the Inspector shows a Tab line's value as text).
 * @param key property key on the node
 * @param label label
 * @param get reads the value (shown as a string)
 * @returns the line
 */
export function InspectableTextRow(key: string, label: string, get: () => unknown): InspectableRow {
    return { key, label, type: InspectableType.Tab, get: () => String(get()) };
}

function heading(key: string, label: string, value: string): InspectableRow {
    return InspectableTextRow(key, label, () => value);
}

function slider(key: string, label: string, min: number, max: number, step: number, get: () => number, set: (value: number) => void): InspectableRow {
    return { key, label, type: InspectableType.Slider, min, max, step, get, set: ((value: number) => Number.isFinite(value) && set(value)) as (value: never) => void };
}

/**
 * Inspector lines of a GEM avatar: what it is and how it reconstructs, its coefficients grouped per attribute (in σ
 * units, ±3σ sliders), its head pose, and a reset button.
 * @param avatar the avatar
 * @param pass its GPU pass, or null on the CPU fallback
 * @param engine the engine
 * @returns the lines
 */
export function GemAvatarInspectorRows(avatar: GemAvatarBase, pass: GemReconstructionPass | null, engine: AbstractEngine): InspectableRow[] {
    const model = avatar.model;
    const rows: InspectableRow[] = [
        heading("gem:class", "Avatar", avatar.getClassName()),
        InspectableTextRow("gem:gaussians", "Gaussians", () => model.gaussianCount),
        InspectableTextRow("gem:components", "Components", () => `${model.totalComponents} (${model.groups.map((g) => `${g.semantic} ${g.components}`).join(", ")})`),
        InspectableTextRow("gem:path", "Reconstruction", () => ReconstructionPathName(pass, engine)),
        InspectableTextRow("gem:bytes", "Basis bytes per change", () => (pass ? pass.basis.basisByteLength : "n/a (CPU)")),
        InspectableTextRow("gem:count", "Reconstructions", () => avatar.reconstructionCount),
    ];
    model.groups.forEach((group, g) => {
        const offset = model.coefficientOffsets[g];
        rows.push(heading(`gem:${group.name}`, `${group.semantic} coefficients`, `${group.components} × σ`));
        for (let k = 0; k < group.components; k++) {
            const i = offset + k;
            rows.push(
                slider(
                    `gem:${group.name}:${k}`,
                    `${group.semantic} ${k}`,
                    -SigmaRange,
                    SigmaRange,
                    0.01,
                    () => avatar.coefficients[i],
                    (v) => (avatar.coefficients[i] = v)
                )
            );
        }
    });
    for (const field of ["globalPose", "neckPose", "translation"] as const) {
        const reach = field === "translation" ? 0.5 : Math.PI / 2;
        for (let axis = 0; axis < 3; axis++) {
            rows.push(
                slider(
                    `gem:${field}:${axis}`,
                    `${HeadPoseLabels[field]} ${"xyz"[axis]} (${field === "translation" ? "m" : "rad"})`,
                    -reach,
                    reach,
                    0.01,
                    () => avatar.headPose[field][axis],
                    (v) => {
                        const values = Array.from(avatar.headPose[field]);
                        values[axis] = v;
                        avatar.setHeadPose({ [field]: values });
                    }
                )
            );
        }
    }
    rows.push({ key: "gem:reset", label: "Reset coefficients", type: InspectableType.Button, callback: () => avatar.reset() });
    return rows;
}

/**
 * Inspector lines of a FLAME avatar: identity shape and expression sliders (in the model's units: FLAME's PCA
 * coefficients are in σ), joint rotations, eyelids and translation.
 * @param avatar the avatar
 * @returns the lines
 */
export function FlameAvatarInspectorRows(avatar: FlameAvatar): InspectableRow[] {
    const rows: InspectableRow[] = [
        heading("flame:class", "Avatar", avatar.getClassName()),
        InspectableTextRow("flame:vertices", "Vertices", () => avatar.model.vertexCount),
        InspectableTextRow("flame:counts", "Shape / expression components", () => `${avatar.model.shapeCount} / ${avatar.model.expressionCount}`),
    ];
    const array = (name: string, label: string, values: Float32Array, min: number, max: number) => {
        for (let i = 0; i < values.length; i++) {
            rows.push(
                slider(
                    `flame:${name}:${i}`,
                    `${label} ${i}`,
                    min,
                    max,
                    0.01,
                    () => values[i],
                    (v) => (values[i] = v)
                )
            );
        }
    };
    array("shape", "shape", avatar.shape, -SigmaRange, SigmaRange);
    array("expression", "expression", avatar.expression, -SigmaRange, SigmaRange);
    array("jawPose", "jaw rotation", avatar.jawPose, -0.5, 0.5);
    array("eyePose", "eye rotation", avatar.eyePose, -0.5, 0.5);
    array("eyelids", "eyelid", avatar.eyelids, 0, 1);
    array("neckPose", "neck rotation", avatar.neckPose, -Math.PI / 2, Math.PI / 2);
    array("globalPose", "head rotation", avatar.globalPose, -Math.PI, Math.PI);
    array("translation", "translation (m)", avatar.translation, -0.5, 0.5);
    return rows;
}

function animatorOf(node: Node): AvatarAnimator | null {
    return (node.getBehaviorByName("AvatarAnimator") as AvatarAnimator | null) ?? null;
}

/**
 * A value that changes when the animator lines of a node must be rebuilt (animator attached or detached, layers
 * added, removed or given clips).
 * @param node the avatar's node
 * @returns a version string
 */
export function AnimatorInspectorVersion(node: Node): string {
    const animator = animatorOf(node);
    if (!animator) {
        return "";
    }
    // The animator itself (a new one may have the same layer names), then its layers and their clips.
    let version = `${animator.uniqueId}`;
    for (const layer of animator.layers) {
        version += `|${layer.name}:${layer.animationGroups.length}`;
    }
    return version;
}

/**
 * Inspector lines of the {@link AvatarAnimator} attached to a node, one block per layer: weight, enabled, mask (channel
 * patterns, comma-separated), clip and playing.
 * @param node the avatar's node
 * @returns the lines (none without an animator)
 */
export function AnimatorInspectorRows(node: Node): InspectableRow[] {
    const animator = animatorOf(node);
    if (!animator) {
        return [];
    }
    const rows: InspectableRow[] = [heading("animator:class", "Animator", `${animator.getClassName()} (${animator.spaces.join(" → ")})`)];
    for (const layer of animator.layers) {
        const key = `animator:${layer.name}`;
        rows.push(
            heading(`${key}:layer`, `Layer "${layer.name}"`, `${layer.mode}, ${layer.layout.size} channels`),
            slider(
                `${key}:weight`,
                "weight",
                0,
                1,
                0.01,
                () => layer.weight,
                (v) => (layer.weight = v)
            ),
            {
                key: `${key}:enabled`,
                label: "enabled",
                type: InspectableType.Checkbox,
                get: () => layer.enabled,
                set: ((v: boolean) => (layer.enabled = !!v)) as (value: never) => void,
            },
            {
                key: `${key}:mask`,
                label: "mask",
                type: InspectableType.String,
                get: () => layer.mask?.join(", ") ?? "",
                set: ((v: string) => {
                    const patterns = String(v)
                        .split(",")
                        .map((p) => p.trim())
                        .filter((p) => p.length > 0);
                    layer.mask = patterns.length > 0 ? patterns : null;
                }) as (value: never) => void,
            },
            InspectableTextRow(`${key}:clip`, "clip", () => layer.animationGroups.map((group) => group.name).join(", ") || "none"),
            {
                key: `${key}:playing`,
                label: "playing",
                type: InspectableType.Checkbox,
                get: () => layer.animationGroups.some((group) => group.isPlaying),
                set: ((v: boolean) => {
                    for (const group of layer.animationGroups) {
                        if (v) {
                            group.play(group.loopAnimation);
                        } else {
                            group.pause();
                        }
                    }
                }) as (value: never) => void,
            }
        );
    }
    return rows;
}
