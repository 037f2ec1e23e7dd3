import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import "@babylonjs/core/Meshes/GaussianSplatting/gaussianSplattingMesh.js";
import { Logger } from "@babylonjs/core/Misc/logger.js";
import { Tools } from "@babylonjs/core/Misc/tools.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemSplatMesh } from "../../plugin/GemSplatMesh.js";
import type { GemAvatarBase } from "../../plugin/GemAvatarBase.js";
import type { GemAvatarState } from "../../plugin/gemAvatarState.js";
import { AvatarAnimator } from "../../plugin/animation/AvatarAnimator.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { requireFinite } from "../../core/errors/requireFinite.js";

type MeshParser = (parsedMesh: Record<string, unknown>, scene: Scene) => Mesh;

let registered = false;

/**
 * Lets `.babylon` files bring GEM avatars back (`AppendSceneAsync`, `LoadAssetContainerAsync`, `ImportMeshAsync`): a
 * splat mesh saved with a `gem` record (see GemSplatMesh.serialize) is created as a {@link GemSplatMesh} in its place
 * in the scene graph, then its model is fetched from the record's URL and the avatar's coefficients, head pose and
 * animator layers are restored. Babylon's loaders resolve before that fetch ends (as for a splat mesh loaded from a
 * URL); `scene.whenReadyAsync()` waits for it. A model that cannot be loaded leaves an empty splat mesh and an error
 * in the log. Idempotent; the package entry calls it.
 */
export function RegisterGemSceneParser(): void {
    if (registered) {
        return;
    }
    registered = true;
    const original = Mesh._GaussianSplattingMeshParser as unknown as MeshParser;
    const parser: MeshParser = (parsedMesh, scene) => {
        const state = parsedMesh.gem as GemAvatarState | undefined;
        if (!state || typeof state !== "object") {
            return original(parsedMesh, scene);
        }
        const mesh = new GemSplatMesh(String(parsedMesh.name), scene);
        // What Babylon's splat parser restores besides the data.
        mesh.disableDepthSort = parsedMesh.disableDepthSort === true;
        if (typeof parsedMesh.useGpuSort === "boolean") {
            mesh.useGpuSort = parsedMesh.useGpuSort;
        }
        if (typeof parsedMesh.viewUpdateThreshold === "number" && Number.isFinite(parsedMesh.viewUpdateThreshold)) {
            mesh.viewUpdateThreshold = parsedMesh.viewUpdateThreshold;
        }
        void loadAvatarIntoMesh(mesh, state, scene);
        return mesh;
    };
    Mesh._GaussianSplattingMeshParser = parser as unknown as typeof Mesh._GaussianSplattingMeshParser;
}

async function loadAvatarIntoMesh(mesh: GemSplatMesh, state: GemAvatarState, scene: Scene): Promise<void> {
    const label = `${mesh.name} (scene file)`;
    if (typeof state.source !== "string") {
        Logger.Error(`${label}: the avatar was not loaded from a .gem URL, so the scene file does not say where its model is; its mesh stays empty`);
        return;
    }
    // A scene file must not make the page fetch from elsewhere: models are followed on the page's own origin only.
    const page = typeof location !== "undefined" ? location.href : null;
    let url: URL;
    try {
        url = new URL(state.source, page ?? undefined);
    } catch {
        Logger.Error(`${label}: gem.source "${state.source}" is not a URL; its mesh stays empty`);
        return;
    }
    if (!page || url.origin !== new URL(page).origin) {
        Logger.Error(`${label}: gem.source ${url.origin} is not this page's origin; scene files load models from the page's own server only; its mesh stays empty`);
        return;
    }
    scene.addPendingData(mesh);
    try {
        const [{ GemAvatar }, { parseGemFile }, data] = await Promise.all([
            import("../../plugin/GemAvatar.js"),
            import("../gem/gemContainer.js"),
            Tools.LoadFileAsync(url.href, true),
        ]);
        if (mesh.isDisposed()) {
            return;
        }
        const fileName = state.source.replace(/^.*[\\/]/, "").replace(/[?#].*$/, "");
        const avatar = new GemAvatar(parseGemFile(new Uint8Array(data as ArrayBuffer), fileName), scene, { name: mesh.name, mesh });
        avatar.source = state.source;
        restoreGemAvatarState(avatar, state, fileName);
    } catch (error) {
        Logger.Error(`${label}: ${(error as Error).message}`);
    } finally {
        scene.removePendingData(mesh);
    }
}

/**
 * Applies a scene file's record to a freshly loaded avatar: coefficients, head pose and an animator with the same
 * layers, weights, masks and values. Values that are not finite numbers, or of the wrong length, are refused with a
 * GemFormatError naming the field.
 * @param avatar the avatar
 * @param state the record
 * @param label file name for errors
 */
export function restoreGemAvatarState(avatar: GemAvatarBase, state: GemAvatarState, label: string): void {
    const numbers = (values: unknown, length: number, field: string): number[] => {
        if (!Array.isArray(values) || values.length !== length) {
            throw new GemFormatError("size-mismatch", label, `gem.${field}`, `${length} numbers`, Array.isArray(values) ? `${values.length}` : typeof values);
        }
        return requireFinite(values as number[], label, `gem.${field}`);
    };
    avatar.setCoefficients(numbers(state.coefficients, avatar.coefficients.length, "coefficients"));
    avatar.setHeadPose({
        globalPose: numbers(state.headPose?.globalPose, 3, "headPose.globalPose"),
        neckPose: numbers(state.headPose?.neckPose, 3, "headPose.neckPose"),
        translation: numbers(state.headPose?.translation, 3, "headPose.translation"),
    });
    if (!state.animator) {
        return;
    }
    const animator = AvatarAnimator.Attach(avatar);
    for (const saved of state.animator.layers ?? []) {
        const layer = animator.addLayer({ name: String(saved.name), channels: saved.channels, weight: saved.weight, mode: saved.mode, mask: saved.mask });
        layer.enabled = saved.enabled !== false;
        layer.values.set(numbers(saved.values, layer.values.length, `animator.layers.${saved.name}.values`));
    }
}
