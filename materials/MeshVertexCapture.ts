import { Constants } from "@babylonjs/core/Engines/constants.js";
import { ShaderLanguage } from "@babylonjs/core/Materials/shaderLanguage.js";
import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import "./shaders/wgsl/meshVertexCapture.js";
import { RenderTargetTexture } from "@babylonjs/core/Materials/Textures/renderTargetTexture.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Matrix, Vector2 } from "@babylonjs/core/Maths/math.vector.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { meshVertexCaptureShaderName } from "./shaders/glsl/meshVertexCapture.js";

/**
 * Captures a mesh's GPU-deformed vertices (morph targets + skinning, as Babylon's materials apply them) into a float
 * texture, one texel per vertex, in the mesh's local space. Used to drive Gaussians bound to the deformed FLAME mesh
 * without leaving the GPU, and by the tests to read GPU vertices back.
 */
export class MeshVertexCapture {
    /** The float target: texel (i % width, i / width) holds vertex i (xyz, 1). */
    public readonly target: RenderTargetTexture;
    /** Texels per row. */
    public readonly width: number;
    private readonly _material: ShaderMaterial;
    private readonly _mesh: Mesh;

    /**
     * Creates the target and material.
     * @param scene the scene
     * @param mesh the deformed mesh
     * @param width texels per row (default 256)
     */
    constructor(scene: Scene, mesh: Mesh, width = 256) {
        this._mesh = mesh;
        const count = mesh.getTotalVertices();
        this.width = width;
        const height = Math.max(1, Math.ceil(count / width));
        this.target = new RenderTargetTexture(`${mesh.name}.vertexCapture`, { width, height }, scene, {
            type: Constants.TEXTURETYPE_FLOAT,
            generateMipMaps: false,
            generateDepthBuffer: false,
            samplingMode: Constants.TEXTURE_NEAREST_SAMPLINGMODE,
            doNotChangeAspectRatio: true,
        });
        this.target.clearColor = new Color4(0, 0, 0, 0);
        this.target.ignoreCameraViewport = true;
        this._material = new ShaderMaterial(
            `${mesh.name}.vertexCapture`,
            scene,
            { vertex: meshVertexCaptureShaderName, fragment: meshVertexCaptureShaderName },
            { attributes: ["position"], uniforms: ["world", "targetSize"], shaderLanguage: scene.getEngine().isWebGPU ? ShaderLanguage.WGSL : ShaderLanguage.GLSL }
        );
        this._material.pointsCloud = true;
        this._material.backFaceCulling = false;
        this._material.disableDepthWrite = true;
        this._material.setVector2("targetSize", new Vector2(width, height));
        // Local space: the capture ignores the mesh's own transform (the consumer applies it).
        this._material.onBindObservable.add(() => this._material.getEffect()?.setMatrix("world", Matrix.IdentityReadOnly));
        this.target.renderList = [mesh];
        this.target.setMaterialForRendering(mesh, this._material);
    }

    /**
     * Whether the capture shader has compiled for the mesh.
     * @returns true when {@link render} will draw
     */
    public isReady(): boolean {
        return this._material.isReady(this._mesh);
    }

    /** Renders the capture (call at a frame boundary, after the mesh's morph targets and bones are up to date). */
    public render(): void {
        this.target.render();
    }

    /**
     * Reads the captured positions back (for tests and tools; the GPU path never needs it).
     * @returns xyz per vertex
     */
    public async readPositionsAsync(): Promise<Float32Array> {
        const pixels = (await this.target.readPixels()) as Float32Array;
        const count = this._mesh.getTotalVertices();
        const out = new Float32Array(count * 3);
        for (let i = 0; i < count; i++) {
            out[3 * i] = pixels[4 * i];
            out[3 * i + 1] = pixels[4 * i + 1];
            out[3 * i + 2] = pixels[4 * i + 2];
        }
        return out;
    }

    /** Releases the target and material. */
    public dispose(): void {
        this.target.dispose();
        this._material.dispose();
    }
}
