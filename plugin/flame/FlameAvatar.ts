import { Bone } from "@babylonjs/core/Bones/bone.js";
import { Skeleton } from "@babylonjs/core/Bones/skeleton.js";
import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import { MorphTarget } from "@babylonjs/core/Morph/morphTarget.js";
import { MorphTargetManager } from "@babylonjs/core/Morph/morphTargetManager.js";
import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import type { Material } from "@babylonjs/core/Materials/material.js";
import type { Scene } from "@babylonjs/core/scene.js";
import {
    flameForward,
    flameJoints,
    flameLandmarks,
    flamePoseVector,
    flameShapedVertices,
    flameSkinningTransforms,
    rodrigues,
    type FlameParameters,
} from "../../core/flame/flameForward.js";
import { FlameJointNames, type FlameModel } from "../../core/flame/FlameModel.js";
import { BindInspectableRows, type InspectableRowsBinding } from "../inspector/inspectableRows.js";
import { AnimatorInspectorRows, AnimatorInspectorVersion, FlameAvatarInspectorRows } from "../inspector/avatarInspectorRows.js";

/** Options of a {@link FlameAvatar}. */
export interface FlameAvatarOptions {
    /** Mesh name (default "flame"). */
    name?: string;
    /** Initial parameters. */
    parameters?: FlameParameters;
    /**
     * The mesh's material. By default the avatar makes (and disposes) a matte skin-toned StandardMaterial, so that a
     * loaded FLAME model is drawn in any app, including one whose bundle never imported Babylon's default material.
     */
    material?: Material;
}

/**
 * A FLAME head in a Babylon scene: a mesh whose expression blendshapes and pose correctives are morph targets and
 * whose five joints (global, neck, jaw, left eye, right eye) skin it on the GPU, in FLAME's order:
 *
 * - the base mesh holds template + identity shape (recomputed on the CPU only when `shape` changes);
 * - morph targets add the expression offsets and the 36 pose correctives (influence = the pose feature R_j − I);
 * - the joints are regressed from the shaped mesh (shape and expression; a 5 × 3 × K product on the CPU);
 * - each bone's matrix is FLAME's skinning transform A_j (bind matrices are identity), so Babylon's linear blend
 *   skinning of all 5 weights per vertex reproduces FLAME's LBS; `translation` is added after skinning (through the
 *   bones, so `mesh.position` and parenting stay yours).
 *
 * Set the typed arrays (`expression`, `jawPose`...) directly or with {@link setParameters}; changes are applied once
 * per frame.
 */
export class FlameAvatar {
    private static readonly _ByMesh = new WeakMap<AbstractMesh, FlameAvatar>();

    /**
     * Returns the avatar driving a mesh (for example one returned by the FLAME loader).
     * @param mesh a mesh
     * @returns the avatar, or null
     */
    public static FromMesh(mesh: AbstractMesh | null | undefined): FlameAvatar | null {
        return (mesh && FlameAvatar._ByMesh.get(mesh)) || null;
    }

    /** The model. */
    public readonly model: FlameModel;
    /** The skinned, morphed mesh. */
    public readonly mesh: Mesh;
    /** The 5-bone skeleton (bones named after FLAME's joints). */
    public readonly skeleton: Skeleton;
    /** Identity shape β (length read from the model). */
    public readonly shape: Float32Array;
    /** Expression ψ. */
    public readonly expression: Float32Array;
    /** Root rotation, axis-angle (about the root joint). */
    public readonly globalPose = new Float32Array(3);
    /** Neck rotation, axis-angle. */
    public readonly neckPose = new Float32Array(3);
    /** Jaw rotation, axis-angle. */
    public readonly jawPose = new Float32Array(3);
    /** Left then right eye rotations, axis-angle. */
    public readonly eyePose = new Float32Array(6);
    /** Translation applied after skinning. */
    public readonly translation = new Float32Array(3);
    /** Eyelid closure (left, right); used when the model carries eyelid blendshapes. */
    public readonly eyelids = new Float32Array(2);

    /** Raised after new parameters were applied to the mesh (once per changed frame). */
    public readonly onUpdatedObservable = new Observable<FlameAvatar>();

    private readonly _scene: Scene;
    private readonly _morphs: MorphTargetManager;
    private readonly _expressionTargets: MorphTarget[] = [];
    private readonly _poseTargets: MorphTarget[] = [];
    private readonly _eyelidTargets: MorphTarget[] = [];
    private readonly _bones: Bone[] = [];
    private readonly _appliedShape: Float32Array;
    private readonly _applied: Float32Array;
    private _hasApplied = false;
    private _baseShaped: Float32Array;
    /** J_regressor · expression directions: joints move with the expression without touching the mesh. */
    private readonly _jointExpression: Float32Array;
    private _jointBase: Float32Array;
    private _beforeRender: Observer<Scene> | null;
    private readonly _inspectables: InspectableRowsBinding;
    private _disposed = false;
    private _ownMaterial: StandardMaterial | null = null;

    /**
     * Builds the mesh, morph targets and skeleton.
     * @param model the model
     * @param scene the scene
     * @param options name and initial parameters
     */
    constructor(model: FlameModel, scene: Scene, options: FlameAvatarOptions = {}) {
        this.model = model;
        this._scene = scene;
        this.shape = new Float32Array(model.shapeCount);
        this.expression = new Float32Array(model.expressionCount);
        this._appliedShape = new Float32Array(model.shapeCount);
        this._applied = new Float32Array(model.expressionCount + 20);
        const name = options.name ?? "flame";
        const v = model.vertexCount;
        const j = model.jointCount;

        this.mesh = new Mesh(name, scene);
        FlameAvatar._ByMesh.set(this.mesh, this);
        if (options.material) {
            this.mesh.material = options.material;
        } else {
            const material = new StandardMaterial(`${name}.material`, scene);
            material.diffuseColor = new Color3(0.82, 0.66, 0.58);
            material.specularColor = new Color3(0.08, 0.08, 0.08);
            this.mesh.material = material;
            this._ownMaterial = material;
        }
        const data = new VertexData();
        data.positions = model.data.template.slice();
        // FLAME's faces wind counter-clockwise seen from outside in a right-handed frame; Babylon is left-handed.
        data.indices = FlameAvatar._FlipWinding(model.data.faces);
        const normals: number[] = [];
        VertexData.ComputeNormals(data.positions, data.indices, normals);
        data.normals = normals;
        data.applyToMesh(this.mesh, true);
        const indices = new Float32Array(v * 4);
        const weights = new Float32Array(v * 4);
        const indicesExtra = new Float32Array(v * 4);
        const weightsExtra = new Float32Array(v * 4);
        for (let i = 0; i < v; i++) {
            for (let k = 0; k < j; k++) {
                const w = model.data.weights[i * j + k];
                if (k < 4) {
                    indices[4 * i + k] = k;
                    weights[4 * i + k] = w;
                } else {
                    indicesExtra[4 * i + k - 4] = k;
                    weightsExtra[4 * i + k - 4] = w;
                }
            }
        }
        this.mesh.setVerticesData(VertexBuffer.MatricesIndicesKind, indices, false, 4);
        this.mesh.setVerticesData(VertexBuffer.MatricesWeightsKind, weights, false, 4);
        if (j > 4) {
            this.mesh.setVerticesData(VertexBuffer.MatricesIndicesExtraKind, indicesExtra, false, 4);
            this.mesh.setVerticesData(VertexBuffer.MatricesWeightsExtraKind, weightsExtra, false, 4);
        }
        this.mesh.numBoneInfluencers = Math.min(j, 8);

        this.skeleton = new Skeleton(`${name}.skeleton`, `${name}.skeleton`, scene);
        for (let k = 0; k < j; k++) {
            // No parents: each bone's matrix is the whole chain's A_k, so attachments follow FLAME exactly.
            this._bones.push(new Bone(FlameJointNames[k] ?? `joint${k}`, this.skeleton, null, Matrix.Identity(), Matrix.Identity(), Matrix.Identity(), k));
        }
        this.mesh.skeleton = this.skeleton;

        this._morphs = new MorphTargetManager(scene);
        this._morphs.areUpdatesFrozen = true;
        for (let k = 0; k < model.expressionCount; k++) {
            const target = new MorphTarget(`expression${k}`, 0, scene);
            this._expressionTargets.push(target);
            this._morphs.addTarget(target);
        }
        for (let k = 0; model.data.eyelidDirections && k < 2; k++) {
            const target = new MorphTarget(k === 0 ? "leftEyelid" : "rightEyelid", 0, scene);
            this._eyelidTargets.push(target);
            this._morphs.addTarget(target);
        }
        for (let k = 0; k < model.poseFeatureCount; k++) {
            const target = new MorphTarget(`poseCorrective${k}`, 0, scene);
            this._poseTargets.push(target);
            this._morphs.addTarget(target);
        }
        // One shader for all influence values (no recompiles when influences cross zero).
        this._morphs.numMaxInfluencers = this._morphs.numTargets;
        this._morphs.areUpdatesFrozen = false;
        this.mesh.morphTargetManager = this._morphs;

        // Expression and eyelid directions move the joints too (they are part of the shaped mesh FLAME regresses from).
        const blendDirections = [model.data.expressionDirections, ...(model.data.eyelidDirections ? [model.data.eyelidDirections] : [])];
        const blendCount = model.expressionCount + this._eyelidTargets.length;
        this._jointExpression = new Float32Array(j * 3 * blendCount);
        let column = 0;
        for (const directions of blendDirections) {
            for (let k = 0; k < directions.length / (v * 3); k++, column++) {
                const joints = flameJoints(model, directions.subarray(k * v * 3, (k + 1) * v * 3));
                for (let e = 0; e < j * 3; e++) {
                    this._jointExpression[e * blendCount + column] = joints[e];
                }
            }
        }
        this._baseShaped = new Float32Array(0);
        this._jointBase = new Float32Array(0);
        this._applyShape();
        if (options.parameters) {
            this.setParameters(options.parameters);
        }
        this._update();
        this._beforeRender = scene.onBeforeRenderObservable.add(() => this._update());
        this._inspectables = BindInspectableRows(
            this.mesh,
            () => [...FlameAvatarInspectorRows(this), ...AnimatorInspectorRows(this.mesh)],
            () => AnimatorInspectorVersion(this.mesh)
        );
        this.mesh.onDisposeObservable.addOnce(() => this.dispose());
    }

    /**
     * Sets any subset of the parameters (shorter arrays leave the remaining values unchanged).
     * @param p parameters
     */
    public setParameters(p: FlameParameters): void {
        const put = (target: Float32Array, values: ArrayLike<number> | undefined, name: string) => {
            if (!values) {
                return;
            }
            if (values.length > target.length) {
                throw new RangeError(`FlameAvatar.setParameters: ${name} has ${target.length} values, got ${values.length}`);
            }
            for (let i = 0; i < values.length; i++) {
                if (!Number.isFinite(values[i])) {
                    throw new RangeError(`FlameAvatar.setParameters: ${name}[${i}] is ${values[i]}`);
                }
                target[i] = values[i];
            }
        };
        put(this.shape, p.shape, "shape");
        put(this.expression, p.expression, "expression");
        put(this.globalPose, p.globalPose, "globalPose");
        put(this.neckPose, p.neckPose, "neckPose");
        put(this.jawPose, p.jawPose, "jawPose");
        put(this.eyePose, p.eyePose, "eyePose");
        put(this.translation, p.translation, "translation");
        put(this.eyelids, p.eyelids, "eyelids");
    }

    /** The current parameters, as copies. */
    public get parameters(): Required<FlameParameters> {
        return {
            shape: this.shape.slice(),
            expression: this.expression.slice(),
            globalPose: this.globalPose.slice(),
            neckPose: this.neckPose.slice(),
            jawPose: this.jawPose.slice(),
            eyePose: this.eyePose.slice(),
            translation: this.translation.slice(),
            eyelids: this.eyelids.slice(),
        };
    }

    /**
     * Landmarks of the current pose (CPU forward pass), from one of the model's embeddings.
     * @param name embedding name (`lmk`, `static_lmk`, `full_lmk`)
     * @returns L × 3 points in the mesh's local space
     */
    public getLandmarks(name = "lmk"): Float32Array {
        return flameLandmarks(this.model, flameForward(this.model, this.parameters).vertices, name);
    }

    /**
     * Applies changed parameters now (normally done before each frame).
     * @returns true when something changed
     */
    public update(): boolean {
        return this._update();
    }

    /**
     * Returns the class name.
     * @returns "FlameAvatar"
     */
    public getClassName(): string {
        return "FlameAvatar";
    }

    /**
     * Releases the mesh, morph targets, skeleton and observer, with `AbstractMesh.dispose`'s options for the mesh.
     * @param doNotRecurse keep the mesh's children (default false)
     * @param disposeMaterialAndTextures also dispose the mesh's material and its textures (default false)
     */
    public dispose(doNotRecurse = false, disposeMaterialAndTextures = false): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this._scene.onBeforeRenderObservable.remove(this._beforeRender);
        this._beforeRender = null;
        this.onUpdatedObservable.clear();
        this._inspectables.dispose();
        if (!this.mesh.isDisposed()) {
            this.mesh.dispose(doNotRecurse, disposeMaterialAndTextures);
        }
        this._morphs.dispose();
        this.skeleton.dispose();
        // The material the avatar made is its own; one the app gave stays the app's unless asked.
        this._ownMaterial?.dispose();
        this._ownMaterial = null;
    }

    private _applyShape(): void {
        const v = this.model.vertexCount;
        this._appliedShape.set(this.shape);
        this._baseShaped = flameShapedVertices(this.model, this.shape);
        this._jointBase = flameJoints(this.model, this._baseShaped);
        this.mesh.updateVerticesData(VertexBuffer.PositionKind, this._baseShaped);
        // Morph targets hold absolute positions: base + direction.
        const targetPositions = new Float32Array(v * 3);
        const setTargets = (targets: MorphTarget[], directions: Float32Array) => {
            targets.forEach((target, k) => {
                for (let i = 0; i < v * 3; i++) {
                    targetPositions[i] = this._baseShaped[i] + directions[k * v * 3 + i];
                }
                target.setPositions(targetPositions.slice());
            });
        };
        this._morphs.areUpdatesFrozen = true;
        setTargets(this._expressionTargets, this.model.data.expressionDirections);
        if (this.model.data.eyelidDirections) {
            setTargets(this._eyelidTargets, this.model.data.eyelidDirections);
        }
        setTargets(this._poseTargets, this.model.data.poseDirections);
        this._morphs.areUpdatesFrozen = false;
        // New values in targets of an unchanged layout are not noticed by the manager: rebuild its texture.
        this._morphs.synchronize();
    }

    private _update(): boolean {
        if (this._disposed) {
            return false;
        }
        let shapeChanged = false;
        for (let i = 0; i < this.shape.length; i++) {
            if (this.shape[i] !== this._appliedShape[i]) {
                shapeChanged = true;
                break;
            }
        }
        const state = this._applied;
        const current = [...this.expression, ...this.globalPose, ...this.neckPose, ...this.jawPose, ...this.eyePose, ...this.translation, ...this.eyelids];
        let changed = !this._hasApplied || shapeChanged;
        for (let i = 0; i < current.length && !changed; i++) {
            changed = current[i] !== state[i];
        }
        if (!changed) {
            return false;
        }
        if (shapeChanged) {
            this._applyShape();
        }
        state.set(current);
        this._hasApplied = true;
        const model = this.model;
        const jCount = model.jointCount;
        this._expressionTargets.forEach((target, k) => (target.influence = this.expression[k]));
        this._eyelidTargets.forEach((target, k) => (target.influence = this.eyelids[k]));
        const blend = [...this.expression, ...this.eyelids.subarray(0, this._eyelidTargets.length)];
        const joints = new Float32Array(jCount * 3);
        for (let e = 0; e < jCount * 3; e++) {
            let value = this._jointBase[e];
            for (let k = 0; k < blend.length; k++) {
                value += this._jointExpression[e * blend.length + k] * blend[k];
            }
            joints[e] = value;
        }
        const pose = flamePoseVector(model, this.parameters);
        const rotations = new Float64Array(jCount * 9);
        for (let j = 0; j < jCount; j++) {
            rodrigues(pose.subarray(3 * j, 3 * j + 3), rotations.subarray(9 * j, 9 * j + 9));
        }
        for (let j = 1; j < jCount; j++) {
            for (let i = 0; i < 9; i++) {
                this._poseTargets[9 * (j - 1) + i].influence = rotations[9 * j + i] - (i % 4 === 0 ? 1 : 0);
            }
        }
        const transforms = flameSkinningTransforms(model, rotations, joints);
        const matrix = new Matrix();
        const t = this.translation;
        for (let j = 0; j < jCount; j++) {
            // FLAME's column-vector matrix, transposed into Babylon's row-vector storage. The translation goes into
            // every bone (weights sum to 1), leaving the mesh's own transform to the user.
            const a = transforms.subarray(16 * j, 16 * j + 16);
            Matrix.FromValuesToRef(a[0], a[4], a[8], 0, a[1], a[5], a[9], 0, a[2], a[6], a[10], 0, a[3] + t[0], a[7] + t[1], a[11] + t[2], 1, matrix);
            this._bones[j].updateMatrix(matrix, false, true);
        }
        this.onUpdatedObservable.notifyObservers(this);
        return true;
    }

    private static _FlipWinding(faces: Uint32Array): number[] {
        const out = new Array<number>(faces.length);
        for (let i = 0; i < faces.length; i += 3) {
            out[i] = faces[i];
            out[i + 1] = faces[i + 2];
            out[i + 2] = faces[i + 1];
        }
        return out;
    }
}
