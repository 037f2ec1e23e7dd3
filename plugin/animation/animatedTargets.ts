/**
 * What an {@link AvatarAnimator} drives: the blend stages of each avatar kind and how the final values reach it.
 */
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import { GemAvatarBase } from "../GemAvatarBase.js";
import type { FlameAvatar } from "../flame/FlameAvatar.js";
import { RiggedGaussianAvatar } from "../flame/RiggedGaussianAvatar.js";
import { AnimationChannelError } from "../../core/errors/AnimationChannelError.js";
import { ChannelLayout } from "../../core/animation/ChannelLayout.js";
import { arkitChannelNames, flameChannelNames, gemChannelNames, parseFlameChannel, type ChannelSpace } from "../../core/animation/channelNames.js";
import { ArkitRotationNames } from "../../core/animation/arkitBlendshapes.js";
import { createFlameToArkitMap } from "../../core/animation/arkitToFlameMap.js";
import { RetargetMap } from "../../core/animation/RetargetMap.js";
import { parseFlameInput } from "../../core/gemDrivers.js";
import { createHeadPose, GemHeadPoseFields } from "../../core/headPose.js";

/** Avatars an animator can drive. */
export type AnimatableAvatar = GemAvatarBase | FlameAvatar | RiggedGaussianAvatar;

/** One blend stage: a channel space the layers of that space are blended in. */
export interface AnimatorStage {
    /** The space. */
    space: ChannelSpace;
    /** Its channels. */
    layout: ChannelLayout;
    /** Symmetric clamp per channel (documented limits: docs/ANIMATION.md §5). */
    limits: Float32Array;
}

/** An avatar seen as blend stages. */
export interface AnimatedTarget {
    /** The mesh the animator attaches to. */
    mesh: AbstractMesh;
    /** Stages, in evaluation order. */
    stages: AnimatorStage[];
    /** Map from stage i to stage i + 1. */
    between: RetargetMap[];
    /** Names of the FLAME expression components, where known (for the ARKit map). */
    expressionNames: (string | undefined)[];
    /**
     * Writes the last stage's values to the avatar.
     * @param stages values of every stage
     */
    write(stages: readonly Float32Array[]): void;
    /**
     * Writes what is not in the last stage (a GEM head's rigid pose from the FLAME stage), every evaluation.
     * @param stages values of every stage
     * @returns true when it changed the avatar
     */
    writePose?(stages: readonly Float32Array[]): boolean;
}

/** Clamp of FLAME channels: rotations within ±π, expression and eyelids within ±4 (trackers stay within ±3). */
const flameLimit = (name: string): number => {
    const parsed = parseFlameChannel(name);
    if (!parsed) {
        return Infinity;
    }
    return parsed.field === "expression" || parsed.field === "shape" || parsed.field === "eyelids" ? 4 : parsed.field === "translation" ? 10 : Math.PI;
};

function flameStage(expressionCount: number): AnimatorStage {
    const layout = new ChannelLayout(flameChannelNames(expressionCount, 0, true));
    return { space: "flame", layout, limits: Float32Array.from(layout.names, flameLimit) };
}

function writeFlame(avatar: FlameAvatar, layout: ChannelLayout, values: Float32Array): void {
    layout.names.forEach((name, i) => {
        const parsed = parseFlameChannel(name)!;
        const target = avatar[parsed.field];
        if (parsed.index < target.length) {
            target[parsed.index] = values[i];
        }
    });
}

/**
 * Writes the FLAME stage (the first) head channels (global pose, neck pose, translation) to a GEM avatar's rigid head
 * pose when they changed.
 * @param avatar the avatar
 * @param layout the FLAME stage's channels
 * @returns the writer of the stage's values
 */
function gemHeadPoseWriter(avatar: GemAvatarBase, layout: ChannelLayout, arkit?: ChannelLayout): (stages: readonly Float32Array[]) => boolean {
    const indices = GemHeadPoseFields.map((field) => [0, 1, 2].map((i) => layout.indexOf(`flame/${field}/${i}`)));
    const pose = createHeadPose();
    // ARKit head rotations add to the neck as the ARKit → FLAME map would put them: pitch (negated), yaw, roll.
    const neck = GemHeadPoseFields.indexOf("neckPose");
    const head = arkit ? ["headPitch", "headYaw", "headRoll"].map((name) => arkit.indexOf(`arkit/${name}`)) : null;
    const headSign = [-1, 1, 1];
    return (stages) => {
        const values = stages[0];
        let changed = false;
        GemHeadPoseFields.forEach((field, f) => {
            for (let i = 0; i < 3; i++) {
                const value = values[indices[f][i]] + (head && f === neck ? headSign[i] * stages[1][head[i]] : 0);
                pose[field][i] = value;
                changed ||= value !== avatar.headPose[field][i];
            }
        });
        if (changed) {
            avatar.setHeadPose(pose);
        }
        return changed;
    };
}

/**
 * Builds the stages of an avatar.
 * @param avatar a GEM, FLAME or rigged-Gaussian avatar
 * @param coefficientLimit clamp of GEM coefficients, in σ
 * @param headPose whether a GEM avatar driven through FLAME channels takes their head pose (global, neck, translation)
 * @returns the target
 */
export function createAnimatedTarget(avatar: AnimatableAvatar, coefficientLimit: number, headPose = true): AnimatedTarget {
    if (avatar instanceof GemAvatarBase) {
        const gem: AnimatorStage = {
            space: "gem",
            layout: new ChannelLayout(gemChannelNames(avatar.model)),
            limits: new Float32Array(avatar.coefficients.length).fill(coefficientLimit),
        };
        const flameMap = RetargetMap.FromGemDriver(avatar.model);
        const write = (stages: readonly Float32Array[]) => {
            const values = stages[stages.length - 1];
            const c = avatar.coefficients;
            for (let i = 0; i < c.length; i++) {
                if (c[i] !== values[i]) {
                    c.set(values);
                    return;
                }
            }
        };
        const arkitMap = RetargetMap.FromGemDriver(avatar.model, "arkit");
        if (arkitMap) {
            // Driven in ARKit space: FLAME (poses, eyelids) → ARKit (the 52 weights and head rotations) → GEM.
            const flame = flameStage(0);
            const arkitLayout = new ChannelLayout(arkitChannelNames(true));
            const arkit: AnimatorStage = {
                space: "arkit",
                layout: arkitLayout,
                limits: Float32Array.from(arkitLayout.names, (name) => (ArkitRotationNames.includes(name.slice("arkit/".length)) ? Math.PI : 2)),
            };
            const writePose = headPose ? gemHeadPoseWriter(avatar, flame.layout, arkitLayout) : undefined;
            return { mesh: avatar.mesh, stages: [flame, arkit, gem], between: [createFlameToArkitMap(), arkitMap], expressionNames: [], write, writePose };
        }
        if (!flameMap) {
            return { mesh: avatar.mesh, stages: [gem], between: [], expressionNames: [], write };
        }
        const driver = avatar.model.getDriver("flame")!;
        const expressionNames: (string | undefined)[] = [];
        driver.inputs.forEach((input, i) => {
            const [field, index] = parseFlameInput(input);
            if (field === "expression") {
                expressionNames[index] = driver.labels?.[i];
            }
        });
        const flame = flameStage(expressionNames.length);
        const writePose = headPose ? gemHeadPoseWriter(avatar, flame.layout) : undefined;
        return { mesh: avatar.mesh, stages: [flame, gem], between: [flameMap], expressionNames, write, writePose };
    }
    const flameAvatar = avatar instanceof RiggedGaussianAvatar ? avatar.flame : avatar;
    const stage = flameStage(flameAvatar.expression.length);
    return {
        mesh: avatar.mesh,
        stages: [stage],
        between: [],
        expressionNames: [],
        write: (stages) => writeFlame(flameAvatar, stage.layout, stages[0]),
    };
}

/**
 * The stage a layer of some space is blended in.
 * @param target the target
 * @param space the layer's space
 * @param layerName for errors
 * @returns the stage index
 */
export function stageOfSpace(target: AnimatedTarget, space: ChannelSpace, layerName: string): number {
    const index = target.stages.findIndex((s) => s.space === space);
    if (index < 0) {
        throw new AnimationChannelError(
            "no-route",
            `layer "${layerName}"`,
            `the avatar has no ${space} channels (it is driven through: ${target.stages.map((s) => s.space).join(" → ")})`
        );
    }
    return index;
}
