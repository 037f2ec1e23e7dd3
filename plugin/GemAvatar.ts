import type { AssetContainer } from "@babylonjs/core/assetContainer.js";
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { Logger } from "@babylonjs/core/Misc/logger.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import type { Observer } from "@babylonjs/core/Misc/observable.js";
import type { Node } from "@babylonjs/core/node.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemBasisTextures } from "../materials/GemBasisTextures.js";
import { GemReconstructionPass } from "../materials/GemReconstructionPass.js";
import { GemAvatarBase } from "./GemAvatarBase.js";
import type { GemModel } from "../core/GemModel.js";
import { applyActivation, reconstructGaussians, type GemGaussians } from "../core/gemReconstruction.js";
import { GemSplatMesh } from "./GemSplatMesh.js";
import { convertToSceneHandedness } from "./sceneHandedness.js";
import type { InspectableRowsBinding } from "./inspector/inspectableRows.js";

/** Options of a {@link GemAvatar}. */
export interface GemAvatarOptions {
    /** Name of the splat mesh (default "gemAvatar"). */
    name?: string;
    /** Initial coefficients (default zeros: the mean face). */
    coefficients?: ArrayLike<number>;
    /** Asset container that takes the mesh and its material instead of the scene. */
    container?: AssetContainer | null;
    /**
     * Mirror z in left-handed scenes (GEM data is right-handed). Default false here; the `.gem` loader and
     * GemCrowd.addAvatar turn it on by default.
     */
    convertToSceneHandedness?: boolean;
    /**
     * An empty splat mesh to drive instead of creating one (a mesh a `.babylon` file created, keeping its place in
     * the scene graph).
     * @internal
     */
    mesh?: GemSplatMesh;
}

/**
 * A GEM avatar in a scene: a splat mesh whose Gaussians are `mean + Σ c_k σ_k basis_k`, reconstructed on the GPU.
 *
 * Set coefficients with {@link setCoefficients} / {@link setGroupCoefficients}, or write into {@link coefficients}
 * directly (Babylon animations can target `"coefficients.3"`): changes are picked up once per frame, and the GPU
 * passes and the depth-sort update run only for frames in which some coefficient changed.
 */
export class GemAvatar extends GemAvatarBase {
    /** The splat mesh. Parent, move or hide it like any mesh. */
    public readonly mesh: GemSplatMesh;
    /**
     * Absolute URL of the file the avatar was loaded from (the `.gem` loader sets it; null for avatars made from
     * bytes or models). Scene serialization writes it, so a saved scene loads the avatar back.
     */
    public source: string | null = null;

    private readonly _scene: Scene;
    private readonly _pass: GemReconstructionPass | null;
    private _beforeRender: Observer<Scene> | null;
    private _meshDisposed: Observer<Node> | null;
    private readonly _inspectables: InspectableRowsBinding;
    private _disposed = false;
    /** Gaussians of the CPU fallback (engines without float render targets), reconstructed in place frame after frame. */
    private _cpuGaussians: GemGaussians | null = null;

    /**
     * Returns the avatar driving a mesh loaded by the GEM loader.
     * @param mesh a mesh
     * @returns the avatar, or null
     */
    public static FromMesh(mesh: AbstractMesh | null | undefined): GemAvatar | null {
        return mesh instanceof GemSplatMesh ? mesh.gemAvatar : null;
    }

    /**
     * Creates an avatar; the model's basis textures are uploaded once per engine and shared.
     * @param model the model
     * @param scene the scene
     * @param options name and initial coefficients
     */
    constructor(model: GemModel, scene: Scene, options: GemAvatarOptions = {}) {
        super(model, options.coefficients);
        this._scene = scene;
        const name = options.name ?? "gemAvatar";
        const engine = scene.getEngine();
        this._pass = GemReconstructionPass.IsSupported(engine) ? new GemReconstructionPass(scene, GemBasisTextures.Acquire(model, scene), name) : null;
        if (!this._pass) {
            GemAvatar._WarnCpuFallback(engine);
        }
        this.mesh = options.mesh ?? GemAvatar._CreateMesh(name, scene, options.container ?? null);
        this.mesh.gemAvatar = this;
        if (options.convertToSceneHandedness) {
            convertToSceneHandedness(this.mesh, scene);
        }
        this.mesh.boundsPadding = GemAvatar._SplatReach(model);
        this._positions = this._reconstructPositions(this.coefficients);
        if (this._pass) {
            this.mesh.attachSplatTextures(this._pass.textures, this._positions);
        }
        this._beforeRender = scene.onBeforeRenderObservable.add(() => this._update());
        this._meshDisposed = this.mesh.onDisposeObservable.add(() => this.dispose());
        this._inspectables = this._bindInspectorRows(this._pass, engine);
        if (!this._pass) {
            // The CPU fallback needs no shader: give the mesh its data now, as a loaded mesh is expected to have.
            this._update();
        }
    }

    /**
     * The GPU pass (its output textures and statistics), or null where the engine cannot render to several float
     * targets (WebGL1, NullEngine): there the avatar reconstructs on the CPU and re-uploads through `updateData`.
     */
    public get reconstructionPass(): GemReconstructionPass | null {
        return this._pass;
    }

    /**
     * Runs the reconstruction now if the coefficients changed (normally done before each frame).
     * @returns true when the passes ran
     */
    public update(): boolean {
        return this._update();
    }

    /**
     * Returns the class name.
     * @returns "GemAvatar"
     */
    public getClassName(): string {
        return "GemAvatar";
    }

    /**
     * Releases the pass, the mesh (and its material: splat meshes own theirs), the observers and this avatar's hold on
     * the shared basis textures. Disposing the mesh does the same.
     * @param doNotRecurse keep the mesh's children, as `AbstractMesh.dispose(true)` does (default false: they go too)
     */
    public dispose(doNotRecurse = false): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this._scene.onBeforeRenderObservable.remove(this._beforeRender);
        this._beforeRender = null;
        this.mesh.onDisposeObservable.remove(this._meshDisposed);
        this._meshDisposed = null;
        this.onReconstructedObservable.clear();
        this._inspectables.dispose();
        this._pass?.dispose();
        this.mesh.gemAvatar = null;
        if (!this.mesh.isDisposed()) {
            this.mesh.dispose(doNotRecurse);
        }
    }

    private _update(): boolean {
        if (this._disposed || (this._hasApplied && this._unchanged()) || (this._pass && !this._pass.isReady())) {
            return false;
        }
        // Values written straight into `coefficients` bypass the setters: never let a NaN reach the GPU.
        this._sanitize();
        this._applied.set(this.coefficients);
        this._updateWeights(this._applied);
        if (this._pass) {
            this._pass.render(this._groupWeights);
            this._positions = this._reconstructPositions(this._applied);
            this.mesh.updateSortPositions(this._positions);
        } else {
            const gaussians = reconstructGaussians(this.model, this._applied, this._cpuGaussians ?? undefined);
            this._cpuGaussians = gaussians;
            this._positions = gaussians.positions;
            this.mesh.updateFromGaussians(gaussians);
        }
        this._reconstructionCount++;
        this._hasApplied = true;
        this.onReconstructedObservable.notifyObservers(this);
        return true;
    }

    private static _CreateMesh(name: string, scene: Scene, container: AssetContainer | null): GemSplatMesh {
        if (!container) {
            return new GemSplatMesh(name, scene);
        }
        const previous = scene._blockEntityCollection;
        scene._blockEntityCollection = true;
        try {
            const mesh = new GemSplatMesh(name, scene);
            mesh._parentContainer = container;
            container.meshes.push(mesh);
            if (mesh.material) {
                mesh.material._parentContainer = container;
                container.materials.push(mesh.material);
            }
            return mesh;
        } finally {
            scene._blockEntityCollection = previous;
        }
    }

    /** Says once per engine why avatars reconstruct on the CPU there (not for NullEngine, which has no GPU). */
    private static _WarnCpuFallback(engine: AbstractEngine): void {
        const real = engine.isWebGPU || !!(engine as unknown as { _gl?: unknown })._gl;
        if (!real || GemAvatar._Warned.has(engine)) {
            return;
        }
        GemAvatar._Warned.add(engine);
        Logger.Warn(`GemAvatar: reconstructing on the CPU on this engine (${GemReconstructionPass.UnsupportedReason(engine)})`);
    }

    private static readonly _Warned = new WeakSet<AbstractEngine>();

    /** Three times the largest rest-pose scale: how far splats reach past their centres. */
    private static _SplatReach(model: GemModel): number {
        const group = model.getGroup("scale");
        const scales = applyActivation(group, group.mean.slice());
        let largest = 0;
        for (let i = 0; i < scales.length; i++) {
            largest = Math.max(largest, Math.abs(scales[i]));
        }
        return 3 * largest + 1e-4;
    }
}
