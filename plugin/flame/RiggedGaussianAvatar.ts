import { Constants } from "@babylonjs/core/Engines/constants";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture";
import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial";
import type { MultiRenderTarget } from "@babylonjs/core/Materials/Textures/multiRenderTarget";
import type { Mesh } from "@babylonjs/core/Meshes/mesh";
import type { Observer } from "@babylonjs/core/Misc/observable";
import type { Scene } from "@babylonjs/core/scene";
import { MeshVertexCapture } from "../../materials/MeshVertexCapture";
import { computeSplatTextureSize, GemAttributeTextureWidth } from "../../materials/gemTextureLayout";
import { gemFullscreenVertexShaderName } from "../../materials/shaders/gemFullscreen.vertex";
import { riggedGaussianAssemblyFragmentShaderName } from "../../materials/shaders/riggedGaussianAssembly.fragment";
import { createFullscreenTriangle, createSplatDataTarget } from "../../materials/splatTargets";
import { GemFormatError } from "../GemFormatError";
import { GemSplatMesh } from "../GemSplatMesh";
import type { FlameAvatar } from "./FlameAvatar";
import { flameForward } from "./flameForward";
import { posedRiggedGaussians, type RiggedGaussians } from "./riggedGaussians";

/**
 * Gaussians bound to the triangles of a {@link FlameAvatar} (the GaussianAvatars rig, the "teacher" GEM distils),
 * following the mesh on the GPU: each changed frame, the avatar's deformed vertices are captured into a float texture
 * and one pass places every Gaussian on its face and writes Babylon's splat textures. The splat mesh is parented to
 * the FLAME mesh, so it shares its transform. Depth sorting uses the deformed centres (CPU forward pass).
 */
export class RiggedGaussianAvatar {
    /** The splat mesh. */
    public readonly mesh: GemSplatMesh;
    /** The bound Gaussians. */
    public readonly rig: RiggedGaussians;
    /** The FLAME avatar they follow. */
    public readonly flame: FlameAvatar;
    /** The splat textures written by the pass. */
    public readonly output: MultiRenderTarget;
    /** How many times the pass ran. */
    public renderCount = 0;

    private readonly _scene: Scene;
    private readonly _capture: MeshVertexCapture;
    private readonly _quad: Mesh;
    private readonly _material: ShaderMaterial;
    private readonly _textures: RawTexture[] = [];
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
        const width = GemAttributeTextureWidth;
        const texture = (values: Float32Array, texels: number, label: string) => {
            const rows = Math.max(1, Math.ceil(texels / width));
            const data = new Float32Array(rows * width * 4);
            data.set(values);
            const t = new RawTexture(data, width, rows, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Constants.TEXTURE_NEAREST_SAMPLINGMODE, Constants.TEXTURETYPE_FLOAT);
            t.name = `${name}.${label}`;
            this._textures.push(t);
            return t;
        };
        const pack = (count: number, fill: (i: number, out: Float32Array) => void) => {
            const out = new Float32Array(count * 4);
            const texel = new Float32Array(4);
            for (let i = 0; i < count; i++) {
                fill(i, texel);
                out.set(texel, 4 * i);
            }
            return out;
        };
        const n = rig.count;
        const faces = flame.model.data.faces;
        const facesTexture = texture(pack(faceCount, (f, t) => t.set([faces[3 * f], faces[3 * f + 1], faces[3 * f + 2], 0])), faceCount, "faces");
        const positionOpacity = texture(pack(n, (i, t) => t.set([rig.localPositions[3 * i], rig.localPositions[3 * i + 1], rig.localPositions[3 * i + 2], rig.opacityLogits[i]])), n, "positionOpacity");
        const scaleBinding = texture(pack(n, (i, t) => t.set([rig.localLogScales[3 * i], rig.localLogScales[3 * i + 1], rig.localLogScales[3 * i + 2], rig.binding[i]])), n, "scaleBinding");
        const rotation = texture(rig.localRotations, n, "rotation");
        const color = texture(pack(n, (i, t) => t.set([rig.colorDc[3 * i], rig.colorDc[3 * i + 1], rig.colorDc[3 * i + 2], 0])), n, "color");

        this._capture = new MeshVertexCapture(scene, flame.mesh, width);
        this._quad = createFullscreenTriangle(scene, `${name}.quad`);
        const splatSize = computeSplatTextureSize(n, scene.getEngine().getCaps().maxTextureSize);
        this.output = createSplatDataTarget(scene, splatSize, name);
        this.output.renderList = [this._quad];
        this._material = new ShaderMaterial(`${name}.assembly`, scene, { vertex: gemFullscreenVertexShaderName, fragment: riggedGaussianAssemblyFragmentShaderName }, {
            attributes: ["position"],
            uniforms: ["riggedVertexWidth", "riggedFaceWidth", "riggedWidth", "riggedCount", "riggedSplatWidth"],
            samplers: ["riggedVertices", "riggedFaces", "riggedPositionOpacity", "riggedScaleBinding", "riggedRotation", "riggedColor"],
        });
        this._material.backFaceCulling = false;
        this._material.disableDepthWrite = true;
        this._material.setTexture("riggedVertices", this._capture.target);
        this._material.setTexture("riggedFaces", facesTexture);
        this._material.setTexture("riggedPositionOpacity", positionOpacity);
        this._material.setTexture("riggedScaleBinding", scaleBinding);
        this._material.setTexture("riggedRotation", rotation);
        this._material.setTexture("riggedColor", color);
        this._material.setInt("riggedVertexWidth", width);
        this._material.setInt("riggedFaceWidth", width);
        this._material.setInt("riggedWidth", width);
        this._material.setInt("riggedCount", n);
        this._material.setInt("riggedSplatWidth", splatSize.width);
        this._quad.material = this._material;

        this.mesh = new GemSplatMesh(name, scene);
        this.mesh.parent = flame.mesh;
        this.mesh.boundsPadding = 0.02;
        const textures = this.output.textures;
        this.mesh.attachSplatTextures([textures[0], textures[1], textures[2], textures[3]], this._centres());
        this._updated = flame.onUpdatedObservable.add(() => (this._dirty = true));
        this._beforeRender = scene.onBeforeRenderObservable.add(() => this._update());
        this.mesh.onDisposeObservable.addOnce(() => this.dispose());
    }

    /** Whether the last FLAME change has been applied. */
    public get isUpToDate(): boolean {
        return !this._dirty;
    }

    /**
     * Runs the pass now if the FLAME avatar changed (normally done before each frame).
     * @returns true when it ran
     */
    public update(): boolean {
        return this._update();
    }

    /** Releases the textures, targets, materials, observers and the splat mesh. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this.flame.onUpdatedObservable.remove(this._updated);
        this._scene.onBeforeRenderObservable.remove(this._beforeRender);
        this._updated = null;
        this._beforeRender = null;
        this._capture.dispose();
        this._material.dispose();
        this._quad.dispose();
        this.output.dispose();
        for (const t of this._textures) {
            t.dispose();
        }
        const own = this.mesh.material;
        if (!this.mesh.isDisposed()) {
            this.mesh.dispose();
        }
        if (own) {
            const wrapper = own.shadowDepthWrapper;
            own.dispose();
            wrapper?.baseMaterial.dispose();
            wrapper?.dispose();
        }
    }

    private _centres(): Float32Array {
        const vertices = flameForward(this.flame.model, this.flame.parameters).vertices;
        return posedRiggedGaussians(this.rig, vertices, this.flame.model.data.faces).positions;
    }

    private _update(): boolean {
        if (this._disposed || !this._dirty || !this._capture.isReady() || !this._material.isReady(this._quad)) {
            return false;
        }
        this.flame.update();
        this.flame.skeleton.prepare(true);
        this._capture.render();
        this.output.render();
        this.mesh.updateSortPositions(this._centres());
        this._dirty = false;
        this.renderCount++;
        return true;
    }
}
