import type { AssetContainer } from "@babylonjs/core/assetContainer";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh";
import { Observable } from "@babylonjs/core/Misc/observable";
import type { Observer } from "@babylonjs/core/Misc/observable";
import type { Scene } from "@babylonjs/core/scene";
import { GemBasisTextures } from "../materials/GemBasisTextures";
import { GemReconstructionPass, type GemGroupWeights } from "../materials/GemReconstructionPass";
import type { GemAttributeGroup, GemLinearDriver, GemModel } from "./GemModel";
import { evaluateDriver, flameDriverInputs } from "./gemDrivers";
import type { FlameParameters } from "./flame/flameForward";
import { applyActivation, computeBasisWeights, reconstructGaussians, reconstructGroupLinear, splitCoefficients } from "./gemReconstruction";
import { GemSplatMesh } from "./GemSplatMesh";

/** Options of a {@link GemAvatar}. */
export interface GemAvatarOptions {
    /** Name of the splat mesh (default "gemAvatar"). */
    name?: string;
    /** Initial coefficients (default zeros: the mean face). */
    coefficients?: ArrayLike<number>;
    /** Asset container that takes the mesh and its material instead of the scene. */
    container?: AssetContainer | null;
}

/**
 * A GEM avatar in a scene: a splat mesh whose Gaussians are `mean + Σ c_k σ_k basis_k`, reconstructed on the GPU.
 *
 * Set coefficients with {@link setCoefficients} / {@link setGroupCoefficients}, or write into {@link coefficients}
 * directly (Babylon animations can target `"coefficients.3"`): changes are picked up once per frame, and the GPU
 * passes and the depth-sort update run only for frames in which some coefficient changed.
 */
export class GemAvatar {
    /** The model (shared, never modified). */
    public readonly model: GemModel;
    /** The splat mesh. Parent, move or hide it like any mesh. */
    public readonly mesh: GemSplatMesh;
    /** Live coefficient vector, groups concatenated in model order (upstream units: multiples of σ_k). */
    public readonly coefficients: Float32Array;
    /** Raised after the GPU reconstruction ran for new coefficients. */
    public readonly onReconstructedObservable = new Observable<GemAvatar>();

    private readonly _scene: Scene;
    private readonly _pass: GemReconstructionPass | null;
    private _reconstructionCount = 0;
    private readonly _applied: Float32Array;
    private _hasApplied = false;
    private _beforeRender: Observer<Scene> | null;
    private _meshDisposed: Observer<unknown> | null;
    private _disposed = false;
    private _positions: Float32Array;
    private _groupWeights: GemGroupWeights[];

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
        this.model = model;
        this._scene = scene;
        const name = options.name ?? "gemAvatar";
        this.coefficients = new Float32Array(model.totalComponents);
        this._applied = new Float32Array(model.totalComponents);
        if (options.coefficients) {
            this.setCoefficients(options.coefficients);
        }
        this._groupWeights = this._computeWeights(this._applied);
        this._pass = GemReconstructionPass.IsSupported(scene.getEngine()) ? new GemReconstructionPass(scene, GemBasisTextures.Acquire(model, scene), name) : null;
        this.mesh = GemAvatar._CreateMesh(name, scene, options.container ?? null);
        this.mesh.gemAvatar = this;
        this.mesh.boundsPadding = GemAvatar._SplatReach(model);
        this._positions = this._reconstructPositions(this.coefficients);
        if (this._pass) {
            this.mesh.attachSplatTextures(this._pass.textures, this._positions);
        }
        this._beforeRender = scene.onBeforeRenderObservable.add(() => this._update());
        this._meshDisposed = this.mesh.onDisposeObservable.add(() => this.dispose()) as Observer<unknown>;
        if (!this._pass) {
            // The CPU fallback needs no shader: give the mesh its data now, as a loaded mesh is expected to have.
            this._update();
        }
    }

    /** Attribute groups of the model, in coefficient order. */
    public get groups(): readonly GemAttributeGroup[] {
        return this.model.groups;
    }

    /**
     * The GPU pass (its output textures and statistics), or null where the engine cannot render to several float
     * targets (WebGL1, NullEngine): there the avatar reconstructs on the CPU and re-uploads through `updateData`.
     */
    public get reconstructionPass(): GemReconstructionPass | null {
        return this._pass;
    }

    /** How many times new coefficients were reconstructed (GPU passes or CPU fallback). */
    public get reconstructionCount(): number {
        return this._reconstructionCount;
    }

    /** Deformed centres of the last reconstruction (xyz per Gaussian), as sorted. */
    public get positions(): Float32Array {
        return this._positions;
    }

    /**
     * Sets the whole coefficient vector.
     * @param values {@link GemModel.totalComponents} values; non-finite values are rejected
     */
    public setCoefficients(values: ArrayLike<number>): void {
        if (values.length !== this.coefficients.length) {
            throw new RangeError(`GemAvatar.setCoefficients: expected ${this.coefficients.length} values, got ${values.length}`);
        }
        GemAvatar._CheckFinite(values, "setCoefficients");
        this.coefficients.set(values);
    }

    /**
     * Sets the coefficients of one group.
     * @param group group name (`geometry`) or semantic (`position`)
     * @param values up to K values (missing ones are left unchanged)
     */
    public setGroupCoefficients(group: string, values: ArrayLike<number>): void {
        const { offset, components } = this._groupRange(group);
        if (values.length > components) {
            throw new RangeError(`GemAvatar.setGroupCoefficients: group "${group}" has ${components} components, got ${values.length} values`);
        }
        GemAvatar._CheckFinite(values, "setGroupCoefficients");
        this.coefficients.set(values, offset);
    }

    /**
     * Returns a view of one group's coefficients.
     * @param group group name or semantic
     * @returns a live view (writes are picked up next frame)
     */
    public getGroupCoefficients(group: string): Float32Array {
        const { offset, components } = this._groupRange(group);
        return this.coefficients.subarray(offset, offset + components);
    }

    /**
     * Sets the coefficients from a driver map stored with the model (for example the FLAME map the distillation fitted).
     * @param driver driver name
     * @param inputs one value per driver input
     */
    public setDriverInputs(driver: string, inputs: ArrayLike<number>): void {
        evaluateDriver(this._requireDriver(driver), inputs, this.coefficients);
    }

    /**
     * Drives the avatar from FLAME parameters through the model's `flame` map. Only the inputs the map was fitted on
     * are read (typically expression, jaw, eyes and eyelids); head pose belongs to the mesh transform.
     * @param parameters FLAME parameters
     */
    public setFlameParameters(parameters: FlameParameters): void {
        const driver = this._requireDriver("flame");
        evaluateDriver(driver, flameDriverInputs(driver, parameters), this.coefficients);
    }

    private _requireDriver(name: string): GemLinearDriver {
        const driver = this.model.getDriver(name);
        if (!driver) {
            throw new RangeError(`GemAvatar: model "${String(this.model.metadata.name ?? this.mesh.name)}" has no "${name}" driver map (has: ${this.model.drivers.map((d) => d.name).join(", ") || "none"})`);
        }
        return driver;
    }

    /** Back to the mean (all coefficients zero). */
    public reset(): void {
        this.coefficients.fill(0);
    }

    /**
     * Runs the reconstruction now if the coefficients changed (normally done before each frame).
     * @returns true when the passes ran
     */
    public update(): boolean {
        return this._update();
    }

    /** Whether the latest coefficients are on the GPU. */
    public get isUpToDate(): boolean {
        return this._hasApplied && this._unchanged();
    }

    /** Releases the pass, the mesh, the observers and this avatar's hold on the shared basis textures. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this._scene.onBeforeRenderObservable.remove(this._beforeRender);
        this._beforeRender = null;
        this.mesh.onDisposeObservable.remove(this._meshDisposed as Observer<any>);
        this._meshDisposed = null;
        this.onReconstructedObservable.clear();
        this._pass?.dispose();
        this.mesh.gemAvatar = null;
        if (!this.mesh.isDisposed()) {
            this.mesh.dispose();
        }
    }

    private _unchanged(): boolean {
        const a = this.coefficients;
        const b = this._applied;
        for (let i = 0; i < a.length; i++) {
            if (a[i] !== b[i]) {
                return false;
            }
        }
        return true;
    }

    private _update(): boolean {
        if (this._disposed || (this._hasApplied && this._unchanged()) || (this._pass && !this._pass.isReady())) {
            return false;
        }
        // Values written straight into `coefficients` bypass the setters: never let a NaN reach the GPU.
        for (let i = 0; i < this.coefficients.length; i++) {
            if (!Number.isFinite(this.coefficients[i])) {
                this.coefficients[i] = this._applied[i];
            }
        }
        this._applied.set(this.coefficients);
        this._groupWeights = this._computeWeights(this._applied);
        if (this._pass) {
            this._pass.render(this._groupWeights);
            this._positions = this._reconstructPositions(this._applied);
            this.mesh.updateSortPositions(this._positions);
        } else {
            const gaussians = reconstructGaussians(this.model, this._applied);
            this._positions = gaussians.positions;
            this.mesh.updateFromGaussians(gaussians);
        }
        this._reconstructionCount++;
        this._hasApplied = true;
        this.onReconstructedObservable.notifyObservers(this);
        return true;
    }

    /** Weights on stored basis values of the coefficients last sent to the GPU, per group (see computeBasisWeights). */
    public get groupWeights(): readonly GemGroupWeights[] {
        return this._groupWeights;
    }

    private _computeWeights(coefficients: Float32Array): GemGroupWeights[] {
        const parts = splitCoefficients(this.model, coefficients);
        return this.model.groups.map((group, i) => computeBasisWeights(this.model, group, parts[i]));
    }

    /** Only the position group is reconstructed on the CPU: the depth sort needs the deformed centres. */
    private _reconstructPositions(coefficients: Float32Array): Float32Array {
        const group = this.model.groups[0];
        const values = reconstructGroupLinear(this.model, group, coefficients.subarray(0, group.components), this._positions);
        return applyActivation(group, values);
    }

    private _groupRange(name: string): { offset: number; components: number } {
        const group = this.model.findGroup(name);
        if (!group) {
            throw new RangeError(`GemAvatar: no group "${name}" (groups: ${this.model.groups.map((g) => g.name).join(", ")})`);
        }
        const index = this.model.groups.indexOf(group);
        return { offset: this.model.coefficientOffsets[index], components: group.components };
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

    private static _CheckFinite(values: ArrayLike<number>, method: string): void {
        for (let i = 0; i < values.length; i++) {
            if (!Number.isFinite(values[i])) {
                throw new RangeError(`GemAvatar.${method}: value ${i} is ${values[i]}`);
            }
        }
    }
}
