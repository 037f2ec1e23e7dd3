import { RegisterSceneLoaderPlugin, type ISceneLoaderPluginFactory } from "@babylonjs/core/Loading/sceneLoader.js";
import { FlameFileLoaderMetadata } from "./flame/FlameFileLoader.metadata.js";
import { GemFileLoaderMetadata } from "./gem/GemFileLoader.metadata.js";
import { LamFileLoaderMetadata } from "./lam/LamFileLoader.metadata.js";

let registered = false;

/**
 * Registers the GEM (`.gem`, `.ptk`) and FLAME (`.npz`) scene-loader plugins by their metadata only (once): each
 * loader's code is imported the first time a load needs it, as Babylon's own `registerBuiltInLoaders` does, so an app
 * that never loads a FLAME file never downloads that loader. The package entry calls this; the `pure` entry does not.
 */
export function RegisterGemAvatarLoaders(): void {
    if (registered) {
        return;
    }
    registered = true;
    RegisterSceneLoaderPlugin({
        ...GemFileLoaderMetadata,
        createPlugin: async (options) => {
            const { GemFileLoader } = await import("./gem/GemFileLoader.js");
            return new GemFileLoader(options[GemFileLoaderMetadata.name]);
        },
    } satisfies ISceneLoaderPluginFactory);
    RegisterSceneLoaderPlugin({
        ...FlameFileLoaderMetadata,
        createPlugin: async (options) => {
            const { FlameFileLoader } = await import("./flame/FlameFileLoader.js");
            return new FlameFileLoader(options[FlameFileLoaderMetadata.name]);
        },
    } satisfies ISceneLoaderPluginFactory);
    RegisterSceneLoaderPlugin({
        ...LamFileLoaderMetadata,
        createPlugin: async (options) => {
            const { LamFileLoader } = await import("./lam/LamFileLoader.js");
            return new LamFileLoader(options[LamFileLoaderMetadata.name]);
        },
    } satisfies ISceneLoaderPluginFactory);
}
