import type { MultiRenderTarget } from "@babylonjs/core/Materials/Textures/multiRenderTarget.js";
import type { Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { RiggedGaussianPass } from "../../materials/RiggedGaussianPass.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { GemSplatMesh } from "../GemSplatMesh.js";
import type { FlameAvatar } from "./FlameAvatar.js";
import { flameForward } from "../../core/flame/flameForward.js";
import { posedRiggedGaussians, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";

/**
 * Gaussians bound to the triangles of a {@link FlameAvatar} (the GaussianAvatars rig, the "teacher" GEM distils),
 * following the mesh. On WebGL2 each changed frame the avatar's deformed vertices are captured and one pass places
 * every Gaussian on its face into Babylon's splat textures ({@link RiggedGaussianPass}); elsewhere (WebGL1,
 * NullEngine) the CPU reference does it. The splat mesh is parented to the FLAME mesh, so it shares its transform;
 * depth sorting uses the deformed centres.
 */
export class RiggedGaussianAvatar {
    /** The splat mesh. */
    public readonly mesh: GemSplatMesh;
    /** The bound Gaussians. */
    public readonly rig: RiggedGaussians;
    /** The FLAME avatar they follow. */
    public readonly flame: FlameAvatar;
    /** The GPU pass, or null on engines without float multi-render targets. */
    public readonly pass: RiggedGaussianPass | null;
    /** How many times the Gaussians were placed. */
    public renderCount = 0;

    private readonly _scene: Scene;
    private _dirty = true;
    private _updated: Observer<FlameAvatar> | null;
    private _beforeRender: Observer<Scene> | null;
    private _disposed = false;

    /**
     * Binds Gaussians to an avatar's mesh.
     * @param rig the bound Gaussians (bindings must index the model's faces)
     * @param flame the FLAME avatar
     * @param scene the scene
     * @param name mesh name
     */
    constructor(rig: RiggedGaussians, flame: FlameAvatar, scene: Scene, name = "riggedGaussians") {
        const faceCount = flame.model.data.faces.length / 3;
        for (let i = 0; i < rig.count; i++) {
            if (rig.binding[i] >= faceCount) {
                throw new GemFormatError("invalid-descriptor", name, `binding[${i}]`, `a face index < ${faceCount}`, rig.binding[i]);
            }
        }
        this.rig = rig;
        this.flame = flame;
        this._scene = scene;
        this.pass = RiggedGaussianPass.IsSupported(scene.getEngine()) ? new RiggedGaussianPass(scene, rig, flame.mesh, flame.model.data.faces, name) : null;
        this.mesh = new GemSplatMesh(name, scene);
        this.mesh.parent = flame.mesh;
        // Its splats are recomputed from the FLAME mesh each frame; scene files do not keep them (docs/BABYLON-TOOLS.md §5).
        this.mesh.doNotSerialize = true;
        this.mesh.boundsPadding = 0.02;
        if (this.pass) {
            this.mesh.attachSplatTextures(this.pass.textures, this._posed().positions);
        }
        this._updated = flame.onUpdatedObservable.add(() => (this._dirty = true));
        this._beforeRender = scene.onBeforeRenderObservable.add(() => this._update());
        this.mesh.onDisposeObservable.addOnce(() => this.dispose());
        if (!this.pass) {
            this._update();
        }
    }

    /** The splat textures the GPU pass writes (null on the CPU path). */
    public get output(): MultiRenderTarget | null {
        return this.pass?.output ?? null;
    }

    /** Whether the last FLAME change has been applied. */
    public get isUpToDate(): boolean {
        return !this._dirty;
    }

    /**
     * Places the Gaussians now if the FLAME avatar changed (normally done before each frame).
     * @returns true when it ran
     */
    public update(): boolean {
        return this._update();
    }

    /**
     * Returns the class name.
     * @returns "RiggedGaussianAvatar"
     */
    public getClassName(): string {
        return "RiggedGaussianAvatar";
    }

    /** Releases the pass, observers, the splat mesh and its material. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this.flame.onUpdatedObservable.remove(this._updated);
        this._scene.onBeforeRenderObservable.remove(this._beforeRender);
        this._updated = null;
        this._beforeRender = null;
        this.pass?.dispose();
        if (!this.mesh.isDisposed()) {
            this.mesh.dispose();
        }
    }

    private _posed() {
        const vertices = flameForward(this.flame.model, this.flame.parameters).vertices;
        return posedRiggedGaussians(this.rig, vertices, this.flame.model.data.faces);
    }

    private _update(): boolean {
        if (this._disposed || !this._dirty || (this.pass && !this.pass.isReady())) {
            return false;
        }
        this.flame.update();
        if (this.pass) {
            this.flame.skeleton.prepare(true);
            this.pass.render();
            this.mesh.updateSortPositions(this._posed().positions);
        } else {
            this.mesh.updateFromGaussians(this._posed());
        }
        this._dirty = false;
        this.renderCount++;
        return true;
    }
}
