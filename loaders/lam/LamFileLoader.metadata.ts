import type { ISceneLoaderPluginMetadata } from "@babylonjs/core/Loading/sceneLoader.js";

/** Name and extension of the LAM avatar loader (registered lazily, like Babylon's own loaders). */
export const LamFileLoaderMetadata = {
    name: "lam",
    extensions: {
        // eslint-disable-next-line @typescript-eslint/naming-convention
        ".zip": { isBinary: true },
    },
} as const satisfies ISceneLoaderPluginMetadata;
