import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import { Logger } from "@babylonjs/core/Misc/logger.js";
import { ArkitBlendshapeNames, type ArkitWeights } from "../core/animation/arkitBlendshapes.js";
import { AnimationChannelError } from "../core/errors/AnimationChannelError.js";
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import type { GemGroupWeights, GemReconstructionPass } from "../materials/GemReconstructionPass.js";
import { BindInspectableRows, type InspectableRowsBinding } from "./inspector/inspectableRows.js";
import { AnimatorInspectorRows, AnimatorInspectorVersion, GemAvatarInspectorRows } from "./inspector/avatarInspectorRows.js";
import type { FlameParameters } from "../core/flame/flameForward.js";
import type { GemAttributeGroup, GemLinearDriver, GemModel } from "../core/GemModel.js";
import { evaluateDriver, flameDriverInputs } from "../core/gemDrivers.js";
import { createHeadPose, GemHeadPoseFields, headPoseMatrix, type GemHeadPose } from "../core/headPose.js";
import { applyActivation, computeBasisWeights, reconstructGroupLinear } from "../core/gemReconstruction.js";

/**
 * What every GEM avatar shares, whether it draws with a mesh of its own ({@link GemAvatar}) or in a crowd's shared
 * mesh (GemCrowdAvatar): the live coefficient vector and its setters (whole, per group, through driver maps), change
 * detection, and the CPU positions the depth sort needs.
 */
export abstract class GemAvatarBase {
    private static readonly _ArkitNameSet: ReadonlySet<string> = new Set(ArkitBlendshapeNames);
    /** Names (and `name range`) already warned about by {@link setArkitWeights}. */
    private static readonly _WarnedArkitNames = new Set<string>();
    /** The model (shared, never modified). */
    public readonly model: GemModel;
    /** Live coefficient vector, groups concatenated in model order (upstream units: multiples of σ_k). */
    public readonly coefficients: Float32Array;
    /** Raised after the reconstruction ran for new coefficients. */
    public readonly onReconstructedObservable = new Observable<GemAvatarBase>();
    /** The node that places the avatar and carries its behaviors. */
    public abstract readonly mesh: AbstractMesh;

    /**
     * The rigid head pose last set with {@link setHeadPose} (FLAME global rotation, neck rotation, translation): the
     * avatar's mesh carries it as its pre-transform matrix, applied in the model's frame before the mesh's own
     * scaling, rotation and position, so placing the avatar in the scene and posing its head compose.
     */
    public readonly headPose = createHeadPose();

    private readonly _headPoseColumns = new Float64Array(16);
    private _arkitInputs: Float32Array | null = null;
    private readonly _headPoseMatrix = Matrix.Identity();
    protected readonly _applied: Float32Array;
    protected _hasApplied = false;
    protected _reconstructionCount = 0;
    protected _positions: Float32Array = new Float32Array(0);
    protected readonly _groupWeights: GemGroupWeights[];

    /**
     * Sets up the coefficient state.
     * @param model the model
     * @param coefficients initial coefficients (default zeros: the mean face)
     */
    protected constructor(model: GemModel, coefficients?: ArrayLike<number>) {
        this.model = model;
        this.coefficients = new Float32Array(model.totalComponents);
        this._applied = new Float32Array(model.totalComponents);
        if (coefficients) {
            this.setCoefficients(coefficients);
        }
        this._groupWeights = model.groups.map((group) => ({ weights: new Float32Array(group.components), bias: 0 }));
        this._updateWeights(this._applied);
    }

    /** Attribute groups of the model, in coefficient order. */
    public get groups(): readonly GemAttributeGroup[] {
        return this.model.groups;
    }

    /** How many times new coefficients were reconstructed. */
    public get reconstructionCount(): number {
        return this._reconstructionCount;
    }

    /** Deformed centres of the last reconstruction (xyz per Gaussian, model space), as sorted. */
    public get positions(): Float32Array {
        return this._positions;
    }

    /** Weights on stored basis values of the coefficients last sent to the GPU, per group (see computeBasisWeights). */
    public get groupWeights(): readonly GemGroupWeights[] {
        return this._groupWeights;
    }

    /** Whether the latest coefficients have been reconstructed. */
    public get isUpToDate(): boolean {
        return this._hasApplied && this._unchanged();
    }

    /**
     * Runs the reconstruction now if something changed (normally done before each frame).
     * @returns true when it ran
     */
    public abstract update(): boolean;

    /**
     * Releases everything the avatar holds, its mesh included (as `AbstractMesh.dispose`).
     * @param doNotRecurse keep the mesh's children (they are detached), as `AbstractMesh.dispose(true)` does
     */
    public abstract dispose(doNotRecurse?: boolean): void;

    /** The class name (`GemAvatar`, `GemCrowdAvatar`), as Babylon objects report theirs. */
    public abstract getClassName(): string;

    /**
     * Sets the whole coefficient vector.
     * @param values {@link GemModel.totalComponents} values; non-finite values are rejected
     */
    public setCoefficients(values: ArrayLike<number>): void {
        if (values.length !== this.coefficients.length) {
            throw new RangeError(`GemAvatar.setCoefficients: expected ${this.coefficients.length} values, got ${values.length}`);
        }
        GemAvatarBase._CheckFinite(values, "setCoefficients");
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
        GemAvatarBase._CheckFinite(values, "setGroupCoefficients");
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
     * Drives the avatar from ARKit-52 blendshape weights through the model's `arkit` map (the realistic default heads
     * carry one). Names the map does not take are ignored; weights left out count as 0, as in the map. A name that is
     * not one of ARKit's 52 (a typo such as `jawOpn`) and a weight outside [0, 1] are used as given but warned about
     * once per name through Babylon's Logger; a non-finite weight is refused.
     * @param weights ARKit weights by Apple's names, for example `{ jawOpen: 0.4, mouthSmileLeft: 0.7 }`
     * @throws AnimationChannelError `non-finite` for a NaN or infinite weight (nothing is changed then)
     */
    public setArkitWeights(weights: ArkitWeights): void {
        const driver = this._requireDriver("arkit");
        const named = weights as Readonly<Record<string, number>>;
        for (const name in named) {
            const value = named[name];
            if (!Number.isFinite(value)) {
                throw new AnimationChannelError("non-finite", this.mesh.name, `ARKit weight ${name} is ${value}; weights are finite numbers, 0 to 1`, [name]);
            }
            if (!GemAvatarBase._ArkitNameSet.has(name) && !GemAvatarBase._WarnedArkitNames.has(name)) {
                GemAvatarBase._WarnedArkitNames.add(name);
                Logger.Warn(`setArkitWeights: "${name}" is not one of ARKit's 52 blendshape names and drives nothing`);
            } else if ((value < 0 || value > 1) && !GemAvatarBase._WarnedArkitNames.has(`${name} range`)) {
                GemAvatarBase._WarnedArkitNames.add(`${name} range`);
                Logger.Warn(`setArkitWeights: ${name} = ${value} is outside ARKit's [0, 1]; it is used as given`);
            }
        }
        if (!this._arkitInputs || this._arkitInputs.length !== driver.inputs.length) {
            this._arkitInputs = new Float32Array(driver.inputs.length);
        }
        const inputs = this._arkitInputs;
        for (let i = 0; i < inputs.length; i++) {
            inputs[i] = named[driver.inputs[i]] ?? 0;
        }
        evaluateDriver(driver, inputs, this.coefficients);
    }

    /**
     * Drives the avatar from FLAME parameters through the model's `flame` map. Only the inputs the map was fitted on
     * are read (typically expression, jaw, eyes and eyelids); global pose, neck pose and translation, where given, pose
     * the head rigidly ({@link setHeadPose}). Non-finite values count as 0, as in the driver map.
     * @param parameters FLAME parameters
     */
    public setFlameParameters(parameters: FlameParameters): void {
        const driver = this._requireDriver("flame");
        evaluateDriver(driver, flameDriverInputs(driver, parameters), this.coefficients);
        if (parameters.globalPose || parameters.neckPose || parameters.translation) {
            const finite = (values?: ArrayLike<number>) => values && Array.from({ length: 3 }, (_, i) => (Number.isFinite(values[i]) ? values[i] : 0));
            this.setHeadPose({ globalPose: finite(parameters.globalPose), neckPose: finite(parameters.neckPose), translation: finite(parameters.translation) });
        }
    }

    /**
     * Poses the head rigidly from FLAME parameters, as upstream GEM does: the neck joint's transform of FLAME's
     * kinematic chain (global rotation about the root joint, neck rotation about the neck joint, then translation),
     * pivoting about the joints the model stores (`GemModel.headJoints`; the origin when it has none). Fields left out
     * keep their current values. The avatar's mesh owns its pre-transform (pivot) matrix from then on.
     * @param pose FLAME global pose, neck pose and translation (3 finite values each)
     */
    public setHeadPose(pose: GemHeadPose): void {
        for (const field of GemHeadPoseFields) {
            const values = pose[field];
            if (values === undefined) {
                continue;
            }
            if (values.length !== 3) {
                throw new RangeError(`GemAvatar.setHeadPose: ${field} needs 3 values, got ${values.length}`);
            }
            GemAvatarBase._CheckFinite(values, `setHeadPose (${field})`);
            this.headPose[field].set(values);
        }
        const m = headPoseMatrix(this.headPose, this.model.headJoints, this._headPoseColumns);
        // FLAME's column-vector matrix, transposed into Babylon's row-vector storage.
        Matrix.FromValuesToRef(m[0], m[4], m[8], 0, m[1], m[5], m[9], 0, m[2], m[6], m[10], 0, m[3], m[7], m[11], 1, this._headPoseMatrix);
        this.mesh.setPreTransformMatrix(this._headPoseMatrix);
    }

    /**
     * Shows the avatar in the Inspector's Custom section of its mesh: what it is, its coefficients and head pose, and
     * its animator's layers (rebuilt when the animator changes).
     * @param pass its GPU pass, or null on the CPU fallback
     * @param engine the engine
     * @returns the binding, to dispose with the avatar
     */
    protected _bindInspectorRows(pass: GemReconstructionPass | null, engine: AbstractEngine): InspectableRowsBinding {
        return BindInspectableRows(
            this.mesh,
            () => [...GemAvatarInspectorRows(this, pass, engine), ...AnimatorInspectorRows(this.mesh)],
            () => AnimatorInspectorVersion(this.mesh)
        );
    }

    protected _requireDriver(name: string): GemLinearDriver {
        const driver = this.model.getDriver(name);
        if (!driver) {
            throw new RangeError(
                `GemAvatar: model "${String(this.model.metadata.name ?? this.mesh.name)}" has no "${name}" driver map (has: ${this.model.drivers.map((d) => d.name).join(", ") || "none"})`
            );
        }
        return driver;
    }

    /** Back to the mean (all coefficients zero). */
    public reset(): void {
        this.coefficients.fill(0);
    }

    protected _unchanged(): boolean {
        const a = this.coefficients;
        const b = this._applied;
        for (let i = 0; i < a.length; i++) {
            if (a[i] !== b[i]) {
                return false;
            }
        }
        return true;
    }

    /** Writes the basis weights of some coefficients into the avatar's reusable per-group weights (no allocation). */
    protected _updateWeights(coefficients: Float32Array): void {
        const groups = this.model.groups;
        for (let i = 0; i < groups.length; i++) {
            computeBasisWeights(this.model, groups[i], coefficients, this._groupWeights[i], this.model.coefficientOffsets[i]);
        }
    }

    /** Only the position group is reconstructed on the CPU: the depth sort needs the deformed centres. */
    protected _reconstructPositions(coefficients: Float32Array): Float32Array {
        const group = this.model.groups[0];
        // The position group's coefficients come first: the whole vector serves, without a view per frame.
        const reuse = this._positions.length === group.mean.length ? this._positions : undefined;
        const values = reconstructGroupLinear(this.model, group, coefficients, reuse);
        return applyActivation(group, values);
    }

    protected _groupRange(name: string): { offset: number; components: number } {
        const group = this.model.findGroup(name);
        if (!group) {
            throw new RangeError(`GemAvatar: no group "${name}" (groups: ${this.model.groups.map((g) => g.name).join(", ")})`);
        }
        const index = this.model.groups.indexOf(group);
        return { offset: this.model.coefficientOffsets[index], components: group.components };
    }

    protected static _CheckFinite(values: ArrayLike<number>, method: string): void {
        for (let i = 0; i < values.length; i++) {
            if (!Number.isFinite(values[i])) {
                throw new RangeError(`GemAvatar.${method}: value ${i} is ${values[i]}`);
            }
        }
    }

    /** Replaces non-finite coefficients (written straight into the array) by their last applied values. */
    protected _sanitize(): void {
        for (let i = 0; i < this.coefficients.length; i++) {
            if (!Number.isFinite(this.coefficients[i])) {
                this.coefficients[i] = this._applied[i];
            }
        }
    }
}
