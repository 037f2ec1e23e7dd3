/**
 * Scene loader for LAM avatar zips (`ImportMeshAsync("avatar.zip", scene)`): the Gaussians of `offset.ply` on the
 * vertices and ARKit morph targets of `skin.glb` (read by Babylon's own glTF loader, which the app registers as for any
 * glTF: `registerBuiltInLoaders()` from "@babylonjs/loaders/dynamic") become a {@link GemAvatar} whose
 * model takes ARKit weights, so a LAM avatar is driven by the same channels as every other avatar, reconstructed by the
 * GPU pass and depth-sorted on its deformed centres, as many per scene as wanted.
 */
import { AssetContainer } from "@babylonjs/core/assetContainer.js";
import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import {
    LoadAssetContainerAsync,
    RegisterSceneLoaderPlugin,
    SceneLoader,
    type ISceneLoaderAsyncResult,
    type ISceneLoaderPluginAsync,
    type ISceneLoaderPluginFactory,
    type SceneLoaderPluginOptions,
} from "@babylonjs/core/Loading/sceneLoader.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { BinarySceneLoaderPlugin } from "../BinarySceneLoaderPlugin.js";
import { readLamArchive } from "./lamArchive.js";
import { lamGemModel, parseLamOffsetPly, type LamSkin } from "./lamGaussians.js";
import { LamFileLoaderMetadata } from "./LamFileLoader.metadata.js";
import type { LamLoadingOptions } from "./LamLoadingOptions.js";

declare module "@babylonjs/core/Loading/sceneLoader.js" {
    interface SceneLoaderPluginOptions {
        [LamFileLoaderMetadata.name]: Partial<LamLoadingOptions>;
    }
}

/**
 * Reads `skin.glb` through Babylon's glTF loader (registered by the app, from `@babylonjs/loaders`) into an asset
 * container that is disposed again: rest vertices, morph deltas (the loader stores targets as absolute positions) and
 * the `head` bone's rest position.
 * @param scene a scene (nothing is added to it)
 * @param glb the file
 * @param fileName for errors
 * @param vertexCount vertices expected (one per Gaussian)
 * @returns the skin
 */
export async function readLamSkinAsync(scene: Scene, glb: Uint8Array, fileName: string, vertexCount: number): Promise<LamSkin> {
    // Babylon's glTF loader is opt-in, as in any Babylon app: `registerBuiltInLoaders()` from "@babylonjs/loaders/dynamic"
    // or `import "@babylonjs/loaders/glTF"`. The package itself depends on nothing beyond @babylonjs/core.
    if (!SceneLoader.IsPluginForExtensionAvailable(".glb")) {
        throw new GemFormatError(
            "unsupported",
            fileName,
            "skin.glb",
            'Babylon\'s glTF loader registered (registerBuiltInLoaders() from "@babylonjs/loaders/dynamic", or import "@babylonjs/loaders/glTF")',
            "no loader for .glb"
        );
    }
    let container: AssetContainer;
    try {
        container = await LoadAssetContainerAsync(glb, scene, { pluginExtension: ".glb", name: `${fileName}/skin.glb` });
    } catch (error) {
        throw new GemFormatError("invalid-descriptor", fileName, "skin.glb", "a glTF binary Babylon's loader reads", (error as Error).message, { cause: error });
    }
    try {
        const meshes = container.meshes.filter((m): m is Mesh => m.getTotalVertices() > 0 && !!(m as Mesh).morphTargetManager);
        const mesh = meshes.find((m) => m.getTotalVertices() === vertexCount);
        if (!mesh) {
            throw new GemFormatError(
                "size-mismatch",
                fileName,
                "skin.glb mesh",
                `a mesh with morph targets and ${vertexCount} vertices (one per Gaussian)`,
                meshes.length ? meshes.map((m) => `${m.name}: ${m.getTotalVertices()} vertices`).join(", ") : "no mesh with morph targets"
            );
        }
        const positions = Float32Array.from(mesh.getVerticesData(VertexBuffer.PositionKind)!);
        const manager = mesh.morphTargetManager!;
        const morphNames: string[] = [];
        const morphDeltas = new Float32Array(manager.numTargets * positions.length);
        for (let k = 0; k < manager.numTargets; k++) {
            const target = manager.getTarget(k);
            const absolute = target.getPositions();
            if (!absolute || absolute.length !== positions.length) {
                throw new GemFormatError("size-mismatch", fileName, `skin.glb morph target "${target.name}"`, `${positions.length} position values`, absolute?.length ?? 0);
            }
            morphNames.push(target.name);
            for (let i = 0; i < positions.length; i++) {
                morphDeltas[k * positions.length + i] = absolute[i] - positions[i];
            }
        }
        let headPivot: [number, number, number] | null = null;
        const head = container.skeletons.flatMap((s) => s.bones).find((bone) => bone.name === "head");
        if (head) {
            // The bone's rest position in the skin's frame: the inverse bind matrix inverted.
            const bind = head.getAbsoluteInverseBindMatrix().clone().invert();
            const p = Vector3.TransformCoordinates(Vector3.Zero(), bind);
            headPivot = [p.x, p.y, p.z];
        }
        const triangles = mesh.getIndices();
        return { positions, morphNames, morphDeltas, headPivot, indices: triangles && triangles.length > 0 ? Uint32Array.from(triangles) : null };
    } finally {
        container.dispose();
    }
}

/** Babylon scene-loader plugin for LAM avatar zips. */
export class LamFileLoader extends BinarySceneLoaderPlugin implements ISceneLoaderPluginAsync, ISceneLoaderPluginFactory {
    /** Plugin name. */
    public readonly name = LamFileLoaderMetadata.name;
    /** Extensions. */
    public readonly extensions = LamFileLoaderMetadata.extensions;
    private readonly _options: Partial<LamLoadingOptions>;

    /**
     * @param options loader options
     */
    constructor(options: Partial<LamLoadingOptions> = {}) {
        super();
        this._options = options;
    }

    /**
     * Creates a loader with the options of one load.
     * @param options plugin options
     * @returns the loader
     */
    public createPlugin(options: SceneLoaderPluginOptions): ISceneLoaderPluginAsync {
        return new LamFileLoader(options[LamFileLoaderMetadata.name]);
    }

    /**
     * Imports the avatar.
     * @param _names ignored
     * @param scene the scene
     * @param data the zip
     * @param _rootUrl ignored
     * @param _onProgress ignored
     * @param fileName file name
     * @returns the avatar's mesh
     */
    public async importMeshAsync(_names: unknown, scene: Scene, data: unknown, _rootUrl: string, _onProgress?: unknown, fileName?: string): Promise<ISceneLoaderAsyncResult> {
        const result = BinarySceneLoaderPlugin._EmptyResult();
        result.meshes.push((await this._createAvatar(scene, data, fileName, null)).mesh);
        return result;
    }

    /**
     * Loads the avatar into the scene.
     * @param scene the scene
     * @param data the zip
     * @param rootUrl root URL
     * @param onProgress progress
     * @param fileName file name
     */
    public async loadAsync(scene: Scene, data: unknown, rootUrl: string, onProgress?: unknown, fileName?: string): Promise<void> {
        await this.importMeshAsync(null, scene, data, rootUrl, onProgress, fileName);
    }

    /**
     * Loads the avatar into an asset container.
     * @param scene the scene
     * @param data the zip
     * @param _rootUrl ignored
     * @param _onProgress ignored
     * @param fileName file name
     * @returns the container
     */
    public async loadAssetContainerAsync(scene: Scene, data: unknown, _rootUrl: string, _onProgress?: unknown, fileName?: string): Promise<AssetContainer> {
        const container = new AssetContainer(scene);
        await this._createAvatar(scene, data, fileName, container);
        return container;
    }

    private async _createAvatar(scene: Scene, data: unknown, givenFileName: string | undefined, container: AssetContainer | null): Promise<GemAvatar> {
        const { bytes, fileName, label } = this._readSource(data, givenFileName, "avatar.zip");
        const archive = await readLamArchive(bytes, label);
        const gaussians = parseLamOffsetPly(archive.offsetPly, `${label}/offset.ply`);
        const skin = await readLamSkinAsync(scene, archive.skinGlb, label, gaussians.count);
        const model = lamGemModel(gaussians, skin, label, archive.vertexOrder);
        const name = this._options.name ?? (fileName ? fileName.replace(/^.*[\\/]/, "").replace(/\.zip$/i, "") : "lamAvatar");
        const avatar = new GemAvatar(model, scene, { name, container, convertToSceneHandedness: this._options.convertToSceneHandedness ?? true });
        avatar.mesh.metadata = {
            ...avatar.mesh.metadata,
            lam: {
                morphTargets: skin.morphNames,
                animationGlb: archive.animationGlb ? "present: LAM's body clips, not played (drive the head with setHeadPose or ARKit head rotations)" : "absent",
                vertexOrder: archive.vertexOrder
                    ? `${archive.vertexOrder.length} indices: the FLAME vertices by height; pairs rows and vertices when an export reordered them`
                    : "absent",
                ignored: Object.fromEntries(archive.ignored),
            },
        };
        return avatar;
    }
}

let registered = false;

/** Registers the LAM loader with Babylon's scene loader (once). */
export function RegisterLamFileLoader(): void {
    if (registered) {
        return;
    }
    registered = true;
    RegisterSceneLoaderPlugin(new LamFileLoader());
}
