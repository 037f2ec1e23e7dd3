import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { Constants } from "@babylonjs/core/Engines/constants.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import type { MultiRenderTarget } from "@babylonjs/core/Materials/Textures/multiRenderTarget.js";
import type { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { RiggedGaussians } from "../core/flame/riggedGaussians.js";
import { MeshVertexCapture } from "./MeshVertexCapture.js";
import { ShaderLanguage } from "@babylonjs/core/Materials/shaderLanguage.js";
import "./shaders/wgsl/riggedGaussianAssembly.fragment.js";
import "./shaders/wgsl/gemFullscreen.vertex.js";
import { GemReconstructionPass } from "./GemReconstructionPass.js";
import { computeSplatTextureSize, GemAttributeTextureWidth } from "./gemTextureLayout.js";
import { gemFullscreenVertexShaderName } from "./shaders/glsl/gemFullscreen.vertex.js";
import { riggedGaussianAssemblyFragmentShaderName } from "./shaders/glsl/riggedGaussianAssembly.fragment.js";
import { createFullscreenTriangle, createSplatDataTarget } from "./splatTargets.js";

/**
 * GPU placement of Gaussians bound to a deforming mesh's triangles: captures the mesh's deformed vertices, then one
 * fragment per Gaussian computes its face frame and writes Babylon's four splat data textures.
 */
export class RiggedGaussianPass {
    /**
     * Whether an engine can run the pass: where the GEM reconstruction passes run (WebGL2, or WebGPU with the WGSL twins).
     * @param engine the engine
     * @returns true when supported
     */
    public static IsSupported(engine: AbstractEngine): boolean {
        return GemReconstructionPass.IsSupported(engine);
    }

    /** Splat data textures: centres, covariance A, covariance B, colours. */
    public readonly output: MultiRenderTarget;
    private readonly _capture: MeshVertexCapture;
    private readonly _quad: Mesh;
    private readonly _material: ShaderMaterial;
    private readonly _textures: RawTexture[] = [];

    /**
     * Uploads the rig and creates the targets.
     * @param scene the scene
     * @param rig the bound Gaussians
     * @param mesh the deforming mesh (morph targets and/or skeleton)
     * @param faces its triangles, F × 3 (as the rig's bindings index them)
     * @param name resource name prefix
     */
    constructor(scene: Scene, rig: RiggedGaussians, mesh: Mesh, faces: Uint32Array, name: string) {
        const width = GemAttributeTextureWidth;
        const texture = (texels: number, label: string, fill: (i: number, out: Float32Array, at: number) => void) => {
            const rows = Math.max(1, Math.ceil(texels / width));
            const data = new Float32Array(rows * width * 4);
            for (let i = 0; i < texels; i++) {
                fill(i, data, 4 * i);
            }
            const t = new RawTexture(data, width, rows, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Constants.TEXTURE_NEAREST_SAMPLINGMODE, Constants.TEXTURETYPE_FLOAT);
            t.name = `${name}.${label}`;
            this._textures.push(t);
            return t;
        };
        const n = rig.count;
        const faceCount = faces.length / 3;
        const samplers: Record<string, Texture> = {
            riggedFaces: texture(faceCount, "faces", (f, out, at) => out.set([faces[3 * f], faces[3 * f + 1], faces[3 * f + 2], 0], at)),
            riggedPositionOpacity: texture(n, "positionOpacity", (i, out, at) =>
                out.set([rig.localPositions[3 * i], rig.localPositions[3 * i + 1], rig.localPositions[3 * i + 2], rig.opacityLogits[i]], at)
            ),
            riggedScaleBinding: texture(n, "scaleBinding", (i, out, at) =>
                out.set([rig.localLogScales[3 * i], rig.localLogScales[3 * i + 1], rig.localLogScales[3 * i + 2], rig.binding[i]], at)
            ),
            riggedRotation: texture(n, "rotation", (i, out, at) => out.set(rig.localRotations.subarray(4 * i, 4 * i + 4), at)),
            riggedColor: texture(n, "color", (i, out, at) => out.set([rig.colorDc[3 * i], rig.colorDc[3 * i + 1], rig.colorDc[3 * i + 2], 0], at)),
        };
        this._capture = new MeshVertexCapture(scene, mesh, width);
        samplers.riggedVertices = this._capture.target;
        this._quad = createFullscreenTriangle(scene, `${name}.quad`);
        const splatSize = computeSplatTextureSize(n, scene.getEngine().getCaps().maxTextureSize);
        this.output = createSplatDataTarget(scene, splatSize, name);
        this.output.renderList = [this._quad];
        this._material = new ShaderMaterial(
            `${name}.assembly`,
            scene,
            { vertex: gemFullscreenVertexShaderName, fragment: riggedGaussianAssemblyFragmentShaderName },
            {
                attributes: ["position"],
                uniforms: ["riggedVertexWidth", "riggedFaceWidth", "riggedWidth", "riggedCount", "riggedSplatWidth"],
                samplers: Object.keys(samplers),
                shaderLanguage: scene.getEngine().isWebGPU ? ShaderLanguage.WGSL : ShaderLanguage.GLSL,
            }
        );
        this._material.backFaceCulling = false;
        this._material.disableDepthWrite = true;
        for (const [sampler, t] of Object.entries(samplers)) {
            this._material.setTexture(sampler, t);
        }
        for (const uniform of ["riggedVertexWidth", "riggedFaceWidth", "riggedWidth"]) {
            this._material.setInt(uniform, width);
        }
        this._material.setInt("riggedCount", n);
        this._material.setInt("riggedSplatWidth", splatSize.width);
        this._quad.material = this._material;
    }

    /** The four splat data textures, in the order Babylon's splat mesh takes them. */
    public get textures(): [Texture, Texture, Texture, Texture] {
        const t = this.output.textures;
        return [t[0], t[1], t[2], t[3]];
    }

    /**
     * Whether both shaders have compiled.
     * @returns true when {@link render} will draw
     */
    public isReady(): boolean {
        return this._capture.isReady() && this._material.isReady(this._quad);
    }

    /** Captures the mesh and places the Gaussians (call at a frame boundary, after the mesh's deformation is set). */
    public render(): void {
        this._capture.render();
        this.output.render();
    }

    /** Releases textures, targets, material and quad. */
    public dispose(): void {
        this._capture.dispose();
        this._material.dispose();
        this._quad.dispose();
        this.output.dispose();
        for (const t of this._textures) {
            t.dispose();
        }
    }
}
