/**
 * Babylon's Inspector (v2, `@babylonjs/inspector`) on a sample's scene when the address has `?inspector`. It is built
 * into its own chunk, fetched from this app only when asked for. Select an avatar's mesh in the scene explorer: its
 * "Custom" section lists the avatar's class, reconstruction path and statistics, its coefficients per attribute (in σ
 * units), its head pose and its animator's layers, all editable.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import type { InspectorToken } from "@babylonjs/inspector";

/**
 * Shows the Inspector if the page was opened with `?inspector`.
 * @param scene the scene to inspect
 * @returns the Inspector's token (dispose it to close), or null when not asked for
 */
export async function showInspectorWhenAsked(scene: Scene): Promise<InspectorToken | null> {
    if (!new URLSearchParams(location.search).has("inspector")) {
        return null;
    }
    const { ShowInspector } = await import(/* webpackChunkName: "inspector" */ "@babylonjs/inspector");
    return ShowInspector(scene, { layoutMode: "overlay" });
}
