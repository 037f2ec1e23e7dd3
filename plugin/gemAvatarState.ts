import type { GemAvatarBase } from "./GemAvatarBase.js";
import type { AvatarAnimator } from "./animation/AvatarAnimator.js";
import type { AnimatorBlendMode } from "./animation/AnimatorLayer.js";

/**
 * What a scene file keeps of a GEM avatar (the `gem` field of its mesh in a `.babylon` file): where its model comes
 * from, and its live state. The mesh's own fields (name, transform, parent, visibility, metadata) are Babylon's.
 */
export interface GemAvatarState {
    /** Format version of this record. */
    version: 1;
    /** Absolute URL of the `.gem`/`.ptk` the avatar was loaded from; null for avatars made from bytes or models. */
    source: string | null;
    /** The coefficient vector (σ units). */
    coefficients: number[];
    /** Head pose (FLAME global rotation, neck rotation, translation). */
    headPose: { globalPose: number[]; neckPose: number[]; translation: number[] };
    /** The attached AvatarAnimator's layers, in blend order, or null without one. */
    animator: { layers: { name: string; channels: string[]; weight: number; mode: AnimatorBlendMode; enabled: boolean; mask: string[] | null; values: number[] }[] } | null;
}

/**
 * Captures an avatar's state for a scene file.
 * @param avatar the avatar
 * @param source where its model was loaded from
 * @returns the record
 */
export function captureGemAvatarState(avatar: GemAvatarBase, source: string | null): GemAvatarState {
    const animator = avatar.mesh.getBehaviorByName("AvatarAnimator") as AvatarAnimator | null;
    return {
        version: 1,
        source,
        coefficients: Array.from(avatar.coefficients),
        headPose: { globalPose: Array.from(avatar.headPose.globalPose), neckPose: Array.from(avatar.headPose.neckPose), translation: Array.from(avatar.headPose.translation) },
        animator: animator
            ? {
                  layers: animator.layers.map((layer) => ({
                      name: layer.name,
                      channels: [...layer.layout.names],
                      weight: layer.weight,
                      mode: layer.mode,
                      enabled: layer.enabled,
                      mask: layer.mask ? [...layer.mask] : null,
                      values: Array.from(layer.values),
                  })),
              }
            : null,
    };
}
