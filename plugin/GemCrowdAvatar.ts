import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Observer } from "@babylonjs/core/Misc/observable.js";
import type { Node } from "@babylonjs/core/node.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemBasisTextures } from "../materials/GemBasisTextures.js";
import { GemReconstructionPass, type GemSplatBand } from "../materials/GemReconstructionPass.js";
import type { GemCrowd } from "./GemCrowd.js";
import { GemAvatarBase } from "./GemAvatarBase.js";
import type { InspectableRowsBinding } from "./inspector/inspectableRows.js";
import type { GemModel } from "../core/GemModel.js";

/**
 * One avatar of a {@link GemCrowd}: its own coefficients and placement, its splats written into a band of the crowd's
 * shared splat textures (with its transform baked in) so that all avatars of the crowd are depth-sorted together.
 * It shares its model's basis textures with every other avatar of that model. Create it with
 * {@link GemCrowd.addAvatar}; place it by moving {@link mesh} (an empty node that also carries behaviors such as
 * AvatarAnimator).
 */
export class GemCrowdAvatar extends GemAvatarBase {
    /** The avatar's node: position, rotate, scale or parent it; it draws nothing itself. */
    public readonly mesh: Mesh;
    /** The crowd. */
    public readonly crowd: GemCrowd;
    /** Its GPU pass (writes its band of the crowd's textures). */
    public readonly pass: GemReconstructionPass;
    private readonly _world = new Matrix();
    private _hasWorld = false;
    private _disposed = false;
    private _meshDisposed: Observer<Node> | null;
    private readonly _inspectables: InspectableRowsBinding;

    /**
     * Created by GemCrowd.addAvatar.
     * @param crowd the crowd
     * @param model the model
     * @param scene the scene
     * @param band where it writes
     * @param name node name
     * @param coefficients initial coefficients
     * @internal
     */
    constructor(crowd: GemCrowd, model: GemModel, scene: Scene, band: GemSplatBand, name: string, coefficients?: ArrayLike<number>) {
        super(model, coefficients);
        this.crowd = crowd;
        this.mesh = new Mesh(name, scene);
        this.mesh.isPickable = false;
        this.pass = new GemReconstructionPass(scene, GemBasisTextures.Acquire(model, scene), name, band);
        this._positions = this._reconstructPositions(this.coefficients);
        this._meshDisposed = this.mesh.onDisposeObservable.add(() => this.dispose()) as Observer<Node>;
        this._inspectables = this._bindInspectorRows(this.pass, scene.getEngine());
    }

    /**
     * Returns the class name.
     * @returns "GemCrowdAvatar"
     */
    public getClassName(): string {
        return "GemCrowdAvatar";
    }

    /** First splat of this avatar in the crowd's textures. */
    public get splatOffset(): number {
        return this.pass.band!.rowOffset * this.pass.splatTextureSize.width;
    }

    /** Splats this avatar occupies in the crowd (its Gaussians, plus padding to whole rows, which draw nothing). */
    public get splatCapacity(): number {
        return this.pass.bandRows * this.pass.splatTextureSize.width;
    }

    /** Whether the avatar needs a pass (new coefficients or a new placement). */
    public get needsUpdate(): boolean {
        return !this._disposed && (!this._hasApplied || !this._unchanged() || !this._worldUnchanged());
    }

    /**
     * Reconstructs now if the coefficients or the placement changed (the crowd does it before each frame and then
     * sorts once for all avatars).
     * @returns true when the passes ran
     */
    public update(): boolean {
        if (!this.needsUpdate || !this.pass.isReady()) {
            return false;
        }
        this._sanitize();
        const coefficientsChanged = !this._hasApplied || !this._unchanged();
        this._applied.set(this.coefficients);
        this._world.copyFrom(this.mesh.getWorldMatrix());
        this._hasWorld = true;
        if (coefficientsChanged) {
            this._updateWeights(this._applied);
            this._positions = this._reconstructPositions(this._applied);
        }
        this.pass.setWorld(this._world);
        this.pass.render(this._groupWeights);
        this.crowd.mesh.updateSortPositionsRange(this.splatOffset, this._positions, this._world);
        this._reconstructionCount++;
        this._hasApplied = true;
        this.onReconstructedObservable.notifyObservers(this);
        return true;
    }

    /**
     * Forces the next update to run (after the crowd moved this avatar's band).
     * @internal
     */
    public _invalidate(): void {
        this._hasApplied = false;
    }

    /**
     * Leaves the crowd: clears its band, releases its pass, its node and its hold on the basis textures.
     * @param doNotRecurse keep the node's children, as `AbstractMesh.dispose(true)` does (default false)
     */
    public dispose(doNotRecurse = false): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this.mesh.onDisposeObservable.remove(this._meshDisposed);
        this._meshDisposed = null;
        this.crowd._release(this);
        this.onReconstructedObservable.clear();
        this._inspectables.dispose();
        this.pass.dispose();
        if (!this.mesh.isDisposed()) {
            this.mesh.dispose(doNotRecurse);
        }
    }

    private _worldUnchanged(): boolean {
        const current = this.mesh.computeWorldMatrix().m;
        const applied = this._world.m;
        if (!this._hasWorld) {
            return false;
        }
        for (let i = 0; i < 16; i++) {
            if (current[i] !== applied[i]) {
                return false;
            }
        }
        return true;
    }
}
