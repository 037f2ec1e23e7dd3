import type { ISceneLoaderPluginMetadata } from "@babylonjs/core/Loading/sceneLoader.js";

/**
 * Name and extensions of the GEM scene-loader plugin (kept apart so registration can stay lazy): our `.gem` container
 * and the `.ptk` eigenbasis checkpoints upstream GEM writes with torch.save.
 */
export const GemFileLoaderMetadata = {
    name: "gem",
    extensions: {
        // eslint-disable-next-line @typescript-eslint/naming-convention
        ".gem": { isBinary: true },
        // eslint-disable-next-line @typescript-eslint/naming-convention
        ".ptk": { isBinary: true },
    },
} as const satisfies ISceneLoaderPluginMetadata;
