import {
    RegisterSceneLoaderPlugin,
    type ISceneLoaderAsyncResult,
    type ISceneLoaderPluginAsync,
    type ISceneLoaderPluginFactory,
    type SceneLoaderPluginOptions,
} from "@babylonjs/core/Loading/sceneLoader.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { AssetContainer } from "@babylonjs/core/assetContainer.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { BinarySceneLoaderPlugin } from "../BinarySceneLoaderPlugin.js";
import { Logger } from "@babylonjs/core/Misc/logger.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import type { GemModel } from "../../core/GemModel.js";
import { GemFileLoaderMetadata } from "./GemFileLoader.metadata.js";
import type { GemLoadingOptions } from "./GemLoadingOptions.js";
import { parseGemFile } from "./gemContainer.js";
import { readTorchCheckpoint } from "../archives/torchCheckpoint.js";
import { gemModelFromUpstreamCheckpoint } from "./upstreamGem.js";
import { ZipArchive } from "../archives/zipArchive.js";
import { loadGemPerformanceAsync, resolvePerformanceUrl } from "./gemPerformance.js";
import type { AnimationGroup } from "@babylonjs/core/Animations/animationGroup.js";

declare module "@babylonjs/core/Loading/sceneLoader.js" {
    interface SceneLoaderPluginOptions {
        /** Options of the GEM avatar loader. */
        [GemFileLoaderMetadata.name]: Partial<GemLoadingOptions>;
    }
}

/**
 * Scene-loader plugin for GEM avatars: `.gem` files, and upstream GEM `.ptk` checkpoints read directly. Imports the avatar as a {@link GemSplatMesh} driven by a
 * {@link GemAvatar} (see `GemAvatar.FromMesh`), through `ImportMeshAsync`, `AppendSceneAsync` or
 * `LoadAssetContainerAsync`, from a URL, a `File` or an `ArrayBufferView` (with `pluginExtension: ".gem"`).
 */
export class GemFileLoader extends BinarySceneLoaderPlugin implements ISceneLoaderPluginAsync, ISceneLoaderPluginFactory {
    /** Plugin name. */
    public readonly name = GemFileLoaderMetadata.name;
    /** Handled extensions. */
    public readonly extensions = GemFileLoaderMetadata.extensions;

    /**
     * Raised with the parsed model before its avatar is created (as glTF's `onParsedObservable`): reach the loader of
     * a load through `SceneLoader.OnPluginActivatedObservable`, or pass `pluginOptions.gem.onModelParsed`.
     */
    public readonly onModelParsedObservable = new Observable<GemModel>();

    private readonly _options: Partial<GemLoadingOptions>;

    /**
     * Creates a loader.
     * @param options loading options
     */
    constructor(options: Partial<GemLoadingOptions> = {}) {
        super();
        this._options = options;
    }

    /**
     * Creates a loader for one load operation, with its plugin options.
     * @param options the operation's plugin options
     * @returns a new loader
     */
    public createPlugin(options: SceneLoaderPluginOptions): ISceneLoaderPluginAsync {
        return new GemFileLoader(options[GemFileLoaderMetadata.name]);
    }

    /**
     * Imports the avatar into the scene.
     * @returns the avatar's mesh in `meshes`
     */
    public async importMeshAsync(_meshesNames: unknown, scene: Scene, data: unknown, rootUrl: string, _onProgress?: unknown, fileName?: string): Promise<ISceneLoaderAsyncResult> {
        const result = BinarySceneLoaderPlugin._EmptyResult();
        const avatar = this._createAvatar(scene, data, fileName, null);
        avatar.source = GemFileLoader._SourceUrl(rootUrl, fileName);
        result.meshes.push(avatar.mesh);
        const group = this._options.performance === true ? await this._loadPerformanceAsync(avatar, scene, rootUrl, fileName, null) : null;
        if (group) {
            result.animationGroups.push(group);
        }
        return result;
    }

    /**
     * Appends the avatar to the scene.
     */
    public async loadAsync(scene: Scene, data: unknown, rootUrl: string, onProgress?: unknown, fileName?: string): Promise<void> {
        await this.importMeshAsync(null, scene, data, rootUrl, onProgress, fileName);
    }

    /**
     * Loads the avatar into an asset container: its mesh and material stay out of the scene until `addAllToScene()`.
     * @returns the container
     */
    public async loadAssetContainerAsync(scene: Scene, data: unknown, rootUrl: string, _onProgress?: unknown, fileName?: string): Promise<AssetContainer> {
        const container = new AssetContainer(scene);
        const avatar = this._createAvatar(scene, data, fileName, container);
        avatar.source = GemFileLoader._SourceUrl(rootUrl, fileName);
        if (this._options.performance ?? true) {
            await this._loadPerformanceAsync(avatar, scene, rootUrl, fileName, container);
        }
        return container;
    }

    /**
     * The file's absolute URL for a `.gem` loaded from a URL (what scene serialization keeps); null for bytes and files
     * (Babylon names those with a generated id) and for upstream `.ptk` checkpoints, whose conversion options a scene
     * file would not repeat (convert them to `.gem` to save them in scenes).
     */
    private static _SourceUrl(rootUrl: string, fileName: string | undefined): string | null {
        if (!rootUrl || !fileName || /^(blob|data):/i.test(rootUrl) || !/\.gem$/i.test(fileName.replace(/[?#].*$/, ""))) {
            return null;
        }
        try {
            return new URL(rootUrl + fileName, typeof location !== "undefined" ? location.href : undefined).href;
        } catch {
            return null;
        }
    }

    private async _loadPerformanceAsync(
        avatar: GemAvatar,
        scene: Scene,
        rootUrl: string,
        fileName: string | undefined,
        container: AssetContainer | null
    ): Promise<AnimationGroup | null> {
        const track = avatar.model.metadata.track;
        if (typeof track !== "string" || !rootUrl || !fileName) {
            return null;
        }
        try {
            const url = resolvePerformanceUrl(track, rootUrl + fileName, fileName);
            return await loadGemPerformanceAsync(avatar, url, scene, container);
        } catch (error) {
            Logger.Warn(`${fileName}: its performance (${track}) was not loaded: ${(error as Error).message}`);
            return null;
        }
    }

    private _createAvatar(scene: Scene, data: unknown, givenFileName: string | undefined, container: AssetContainer | null): GemAvatar {
        const { bytes, fileName, label } = this._readSource(data, givenFileName, "avatar.gem");
        // torch.save checkpoints are ZIP archives; they store their entries uncompressed, so no inflater is needed here.
        let model = ZipArchive.IsZip(bytes)
            ? gemModelFromUpstreamCheckpoint(readTorchCheckpoint(bytes, label), { fileName: label, components: this._options.upstreamComponents })
            : parseGemFile(bytes, label);
        const parts = model.metadata.partsConversion as Record<string, { kept: number; of: number; varianceKept: number }> | undefined;
        if (parts) {
            const summary = Object.entries(parts)
                .filter(([, p]) => p.kept < p.of)
                .map(([key, p]) => `${key} ${p.kept}/${p.of} (${(100 * p.varianceKept).toFixed(1)}% of the variance)`);
            if (summary.length > 0) {
                Logger.Warn(
                    `${label}: localized GEM, regions combined keeping the components of largest variance: ${summary.join(", ")}; pluginOptions.gem.upstreamComponents keeps more`
                );
            }
        }
        const joints = this._options.flameJoints;
        if (joints && !model.headJoints) {
            const flameJoints = { global: Array.from(joints.global), neck: Array.from(joints.neck) };
            model = model.derive({ metadata: { flameJoints } }, label);
        }
        this._options.onModelParsed?.(model);
        this.onModelParsedObservable.notifyObservers(model);
        const baseName = this._options.name ?? (fileName ? fileName.replace(/^.*[\\/]/, "").replace(/\.(gem|ptk)$/i, "") : "gemAvatar");
        return new GemAvatar(model, scene, {
            name: baseName,
            coefficients: this._options.coefficients,
            container,
            convertToSceneHandedness: this._options.convertToSceneHandedness ?? true,
        });
    }
}

let registered = false;

/** Registers the GEM loader with Babylon's scene loader (once). */
export function RegisterGemFileLoader(): void {
    if (registered) {
        return;
    }
    registered = true;
    RegisterSceneLoaderPlugin(new GemFileLoader());
}
