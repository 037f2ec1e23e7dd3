import type { AnimationGroup } from "@babylonjs/core/Animations/animationGroup.js";
import type { AssetContainer } from "@babylonjs/core/assetContainer.js";
import { Tools } from "@babylonjs/core/Misc/tools.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { arkitChannelNames } from "../../core/animation/channelNames.js";
import { AvatarAnimator } from "../../plugin/animation/AvatarAnimator.js";
import { parseLamExpressionTrack } from "../../plugin/animation/lamExpressionTrack.js";
import { createGemFlameTrackAnimationGroup } from "../../plugin/flame/flameTrackAnimation.js";
import type { GemAvatar } from "../../plugin/GemAvatar.js";
import { readNpzAsync } from "../archives/npzArchive.js";
import { readFlameTrack } from "../flame/flameTrackFile.js";

/**
 * Where a model's bundled performance lives: `metadata.track`, a path relative to the `.gem` file. Only paths that
 * stay on the file's own origin are followed: a file must not make the loader fetch from elsewhere.
 * @param track the model's `metadata.track`
 * @param fileUrl the `.gem` file's URL (absolute, or relative to the page)
 * @param label file name for errors
 * @returns the track's absolute URL
 */
export function resolvePerformanceUrl(track: string, fileUrl: string, label: string): string {
    const base = typeof location !== "undefined" ? location.href : "file:///";
    const file = new URL(fileUrl, base);
    const url = new URL(track, file);
    if (url.origin !== file.origin || /^[a-z][a-z0-9+.-]*:/i.test(track)) {
        throw new GemFormatError("invalid-descriptor", label, "metadata.track", "a path relative to the .gem file", track);
    }
    return url.href;
}

/**
 * Loads a model's bundled performance as a Babylon AnimationGroup that drives the avatar, not started (the app, or a
 * viewer's animation controls, plays it):
 * - an ARKit-52 track in LAM's JSON layout, for models with an `arkit` map: through an {@link AvatarAnimator} layer
 *   named `performance`, attached to the avatar's mesh;
 * - a FLAME track `.npz` (VHAP / GaussianAvatars keys), for models with a `flame` map: keyed on the coefficients.
 *
 * With a container, the group (and nothing else) goes into it, not the scene.
 * @param avatar the loaded avatar
 * @param url the track's URL
 * @param scene the scene
 * @param container the load's container, or null
 * @returns the group
 */
export async function loadGemPerformanceAsync(avatar: GemAvatar, url: string, scene: Scene, container: AssetContainer | null): Promise<AnimationGroup> {
    const label = url.replace(/^.*[\\/]/, "");
    const data = await Tools.LoadFileAsync(url, true);
    const create = (make: () => AnimationGroup): AnimationGroup => {
        const previous = scene._blockEntityCollection;
        scene._blockEntityCollection = !!container || previous;
        try {
            const group = make();
            if (container) {
                group._parentContainer = container;
                container.animationGroups.push(group);
            }
            return group;
        } finally {
            scene._blockEntityCollection = previous;
        }
    };
    if (/\.json$/i.test(label)) {
        if (!avatar.model.getDriver("arkit")) {
            throw new GemFormatError("unsupported", label, "metadata.track", "a model with an arkit map for an ARKit track", "no arkit map");
        }
        const { clip } = parseLamExpressionTrack(new TextDecoder().decode(data as ArrayBuffer), { fileName: label });
        // The avatar's animator if it has one (an app attaches its own layers to the same one), else a new one.
        const existing = avatar.mesh.getBehaviorByName("AvatarAnimator") as AvatarAnimator | null;
        const animator = existing ?? AvatarAnimator.Attach(avatar);
        const layer = animator.addLayer({ name: "performance", channels: arkitChannelNames(false) });
        try {
            return create(() => clip.createAnimationGroup(layer, scene));
        } catch (error) {
            animator.removeLayer(layer);
            if (!existing) {
                animator.dispose();
            }
            throw error;
        }
    }
    if (/\.npz$/i.test(label)) {
        if (!avatar.model.getDriver("flame")) {
            throw new GemFormatError("unsupported", label, "metadata.track", "a model with a flame map for a FLAME track", "no flame map");
        }
        const arrays = await readNpzAsync(new Uint8Array(data as ArrayBuffer), label);
        const { track } = readFlameTrack(arrays, label, { missingKeys: "zero" });
        return create(() => createGemFlameTrackAnimationGroup(track, avatar, scene, 30, label));
    }
    throw new GemFormatError("unsupported", label, "metadata.track", "a .json ARKit track or a .npz FLAME track", label);
}
