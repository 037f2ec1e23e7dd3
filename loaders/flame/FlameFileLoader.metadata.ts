import type { ISceneLoaderPluginMetadata } from "@babylonjs/core/Loading/sceneLoader.js";

/**
 * Name and extensions of the FLAME scene-loader plugin (kept apart so registration can stay lazy: see
 * `loaders/dynamic.ts`): FLAME models, tracked sequences and rigged Gaussians as npz.
 */
export const FlameFileLoaderMetadata = {
    name: "flame",
    extensions: {
        // eslint-disable-next-line @typescript-eslint/naming-convention
        ".npz": { isBinary: true },
    },
} as const satisfies ISceneLoaderPluginMetadata;
