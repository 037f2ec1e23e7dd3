import { AssetContainer } from "@babylonjs/core/assetContainer.js";
import {
    RegisterSceneLoaderPlugin,
    type ISceneLoaderAsyncResult,
    type ISceneLoaderPluginAsync,
    type ISceneLoaderPluginFactory,
    type SceneLoaderPluginOptions,
} from "@babylonjs/core/Loading/sceneLoader.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { BinarySceneLoaderPlugin } from "../BinarySceneLoaderPlugin.js";
import { FlameAvatar } from "../../plugin/flame/FlameAvatar.js";
import { createFlameTrackAnimationGroup, createGemFlameTrackAnimationGroup } from "../../plugin/flame/flameTrackAnimation.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { flameModelFromArrays } from "./flameModelFile.js";
import { FlameFileLoaderMetadata } from "./FlameFileLoader.metadata.js";
import type { FlameLoadingOptions } from "./FlameLoadingOptions.js";
import { fitFlameTrackToModel } from "../../core/flame/flameTrack.js";
import { readFlameTrack } from "./flameTrackFile.js";
import { Logger } from "@babylonjs/core/Misc/logger.js";
import { readNpzAsync } from "../archives/npzArchive.js";
import { parseGaussianAvatarsPly } from "./gaussianAvatarsPly.js";
import { hasRiggedGaussians, riggedGaussiansFromArrays } from "./riggedGaussiansNpz.js";
import { RiggedGaussianAvatar } from "../../plugin/flame/RiggedGaussianAvatar.js";
import type { RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { convertToSceneHandedness } from "../../plugin/sceneHandedness.js";

declare module "@babylonjs/core/Loading/sceneLoader.js" {
    interface SceneLoaderPluginOptions {
        /** Options of the FLAME loader. */
        [FlameFileLoaderMetadata.name]: Partial<FlameLoadingOptions>;
    }
}

/**
 * Scene-loader plugin for FLAME npz files: a model (v_template, shapedirs, ...) becomes a {@link FlameAvatar}
 * (its mesh in `meshes`, its skeleton in `skeletons`), with a {@link RiggedGaussianAvatar} when the npz also holds
 * rigged Gaussians (`gaussians_*` keys); given a `targetAvatar`, rigged Gaussians alone (our npz or GaussianAvatars'
 * PLY) bind to it and a tracked sequence (expr, jaw_pose, ...) becomes an AnimationGroup on it. Compressed npz
 * (np.savez_compressed) are inflated with DecompressionStream.
 */
export class FlameFileLoader extends BinarySceneLoaderPlugin implements ISceneLoaderPluginAsync, ISceneLoaderPluginFactory {
    /** Plugin name. */
    public readonly name = FlameFileLoaderMetadata.name;
    /** Handled extensions. */
    public readonly extensions = FlameFileLoaderMetadata.extensions;
    private readonly _options: Partial<FlameLoadingOptions>;

    /**
     * Creates a loader.
     * @param options loading options
     */
    constructor(options: Partial<FlameLoadingOptions> = {}) {
        super();
        this._options = options;
    }

    /**
     * Creates a loader for one load operation.
     * @param options the operation's plugin options
     * @returns a new loader
     */
    public createPlugin(options: SceneLoaderPluginOptions): ISceneLoaderPluginAsync {
        return new FlameFileLoader(options[FlameFileLoaderMetadata.name]);
    }

    /**
     * Imports a FLAME model as an avatar, or a track as an animation group on `targetAvatar`.
     * @returns the created mesh and skeleton, or the animation group
     */
    public async importMeshAsync(_names: unknown, scene: Scene, data: unknown, _rootUrl: string, _onProgress?: unknown, fileName?: string): Promise<ISceneLoaderAsyncResult> {
        return this._import(scene, data, fileName, null);
    }

    /** Appends to the scene. */
    public async loadAsync(scene: Scene, data: unknown, _rootUrl: string, _onProgress?: unknown, fileName?: string): Promise<void> {
        await this._import(scene, data, fileName, null);
    }

    /** Loads into an asset container (the avatar's mesh, skeleton and morph-target manager stay out of the scene until added). */
    public async loadAssetContainerAsync(scene: Scene, data: unknown, _rootUrl: string, _onProgress?: unknown, fileName?: string): Promise<AssetContainer> {
        const container = new AssetContainer(scene);
        const result = await this._import(scene, data, fileName, container);
        container.animationGroups.push(...result.animationGroups);
        return container;
    }

    private async _import(scene: Scene, data: unknown, givenName: string | undefined, container: AssetContainer | null): Promise<ISceneLoaderAsyncResult> {
        const { bytes, label } = this._readSource(data, givenName, "flame.npz");
        const result = BinarySceneLoaderPlugin._EmptyResult();
        const addRig = (rig: RiggedGaussians, avatar: FlameAvatar) => {
            const rigged = new RiggedGaussianAvatar(rig, avatar, scene, `${avatar.mesh.name}.gaussians`);
            if (container) {
                rigged.mesh._parentContainer = container;
                container.meshes.push(rigged.mesh);
            }
            result.meshes.push(rigged.mesh);
        };
        if (bytes.byteLength >= 4 && bytes[0] === 0x70 && bytes[1] === 0x6c && bytes[2] === 0x79 && bytes[3] === 0x0a) {
            // A GaussianAvatars point_cloud.ply (route it here with pluginExtension ".npz": ".ply" is Babylon's splat loader).
            const avatar = this._requireTarget(label, "this file is a rigged-Gaussian PLY");
            addRig(parseGaussianAvatarsPly(bytes, label, avatar.model.data.faces.length / 3), avatar);
            return result;
        }
        const arrays = await readNpzAsync(bytes, label);
        if (arrays.has("v_template")) {
            const { model, ignoredKeys } = flameModelFromArrays(arrays, { ...this._options, fileName: label });
            const name = this._options.name ?? label.replace(/^.*[\\/]/, "").replace(/\.npz$/i, "");
            const previous = scene._blockEntityCollection;
            scene._blockEntityCollection = !!container;
            try {
                const avatar = new FlameAvatar(model, scene, { name });
                convertToSceneHandedness(avatar.mesh, scene);
                avatar.mesh.metadata = { ...avatar.mesh.metadata, gemLoadReport: { ignoredKeys } };
                if (container) {
                    avatar.mesh._parentContainer = container;
                    container.meshes.push(avatar.mesh);
                    container.skeletons.push(avatar.skeleton);
                    container.morphTargetManagers.push(avatar.mesh.morphTargetManager!);
                }
                result.meshes.push(avatar.mesh);
                result.skeletons.push(avatar.skeleton);
                if (hasRiggedGaussians(arrays)) {
                    addRig(riggedGaussiansFromArrays(arrays, label, model.data.faces.length / 3), avatar);
                }
            } finally {
                scene._blockEntityCollection = previous;
            }
            return result;
        }
        if (hasRiggedGaussians(arrays)) {
            const avatar = this._requireTarget(label, "this file holds rigged Gaussians without a model");
            addRig(riggedGaussiansFromArrays(arrays, label, avatar.model.data.faces.length / 3), avatar);
            return result;
        }
        if (arrays.has("expr")) {
            const { track: read, defaultedKeys } = readFlameTrack(arrays, label, { missingKeys: this._options.missingTrackKeys ?? "error" });
            const report = { defaultedKeys, ignoredKeys: [...arrays.ignored.keys()] };
            if (defaultedKeys.some((key) => key !== "eyelids")) {
                Logger.Warn(`${label}: no ${defaultedKeys.join(", ")} in this track; those parameters stay at the rest pose (zeros)`);
            }
            const target = this._options.targetAvatar;
            if (target instanceof GemAvatar) {
                if (!target.model.getDriver("flame")) {
                    throw new GemFormatError(
                        "unsupported",
                        label,
                        "targetAvatar",
                        "a GEM avatar whose model has a flame driver map (distilled from a FLAME teacher)",
                        "a GEM model without one"
                    );
                }
                const group = createGemFlameTrackAnimationGroup(read, target, scene, this._options.frameRate ?? 30, label.replace(/^.*[\\/]/, ""));
                group.metadata = { ...group.metadata, gemLoadReport: report };
                result.animationGroups.push(group);
                return result;
            }
            const avatar = this._requireTarget(label, "this file is a FLAME track");
            const track = fitFlameTrackToModel(read, avatar.model, label, this._options.allowExpressionTruncation ?? false);
            const group = createFlameTrackAnimationGroup(track, avatar, scene, this._options.frameRate ?? 30, label.replace(/^.*[\\/]/, ""));
            group.metadata = { ...group.metadata, gemLoadReport: report };
            result.animationGroups.push(group);
            return result;
        }
        throw new GemFormatError(
            "invalid-descriptor",
            label,
            "keys",
            "a FLAME model (v_template, ...), rigged Gaussians (gaussians_binding, ...) or a track (expr, jaw_pose, ...)",
            [...arrays.keys()].join(", ")
        );
    }

    private _requireTarget(label: string, why: string): FlameAvatar {
        const avatar = this._options.targetAvatar;
        if (!(avatar instanceof FlameAvatar)) {
            throw new GemFormatError("unsupported", label, "targetAvatar", `a FlameAvatar in pluginOptions.flame.targetAvatar (${why})`, avatar ? "a GEM avatar" : "none");
        }
        return avatar;
    }
}

let registered = false;

/** Registers the FLAME loader with Babylon's scene loader (once). */
export function RegisterFlameFileLoader(): void {
    if (registered) {
        return;
    }
    registered = true;
    RegisterSceneLoaderPlugin(new FlameFileLoader());
}
