/**
 * The script-tag build (`dist/umd/babylon-gem-avatars.js`): for pages that use Babylon's UMD packages (`babylonjs`,
 * the Playground). Load it after `babylon.js`; it registers the loaders and node-material blocks, as the module entry
 * does, and puts the plugin's exports on the global `BABYLON` (`BABYLON.GemAvatar`, `BABYLON.AvatarAnimator`...) and,
 * grouped, on `BABYLON.GemAvatars`. Babylon itself is not bundled: every `@babylonjs/core` import is read from the
 * global `BABYLON`, except Babylon's splat sort-worker body (not exported by the UMD build), which is bundled from
 * the same Babylon version.
 */
import * as GemAvatars from "./index.js";

declare const BABYLON: Record<string, unknown> | undefined;

if (typeof BABYLON === "undefined") {
    throw new Error("babylon-gem-avatars: load babylon.js (the babylonjs UMD package) before this script");
}
const clashes = Object.keys(GemAvatars).filter((name) => name in BABYLON && BABYLON[name] !== (GemAvatars as Record<string, unknown>)[name]);
if (clashes.length > 0) {
    throw new Error(`babylon-gem-avatars: BABYLON already has ${clashes.join(", ")}`);
}
Object.assign(BABYLON, GemAvatars, { GemAvatars });
