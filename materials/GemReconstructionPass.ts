import { Constants } from "@babylonjs/core/Engines/constants.js";
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import type { MultiRenderTarget } from "@babylonjs/core/Materials/Textures/multiRenderTarget.js";
import { RenderTargetTexture } from "@babylonjs/core/Materials/Textures/renderTargetTexture.js";
import type { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Matrix, Vector2 } from "@babylonjs/core/Maths/math.vector.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemSemanticOrder } from "../core/GemModel.js";
import { GemActivationCodes } from "./gemActivationCodes.js";
import type { GemBasisTextures } from "./GemBasisTextures.js";
import { computeSplatTextureSize } from "./gemTextureLayout.js";
import { createFullscreenTriangle, createSplatDataTarget } from "./splatTargets.js";
import { gemFullscreenVertexShaderName } from "./shaders/glsl/gemFullscreen.vertex.js";
import { gemLinearCombinationFragmentShaderName } from "./shaders/glsl/gemLinearCombination.fragment.js";
import { gemSplatAssemblyFragmentShaderName } from "./shaders/glsl/gemSplatAssembly.fragment.js";
import { gemBandVertexShaderName } from "./shaders/glsl/gemBand.vertex.js";

/** Weights of one group for one reconstruction (see computeBasisWeights). */
export interface GemGroupWeights {
    /** Per-component weights on stored basis values. */
    weights: Float32Array;
    /** Constant added to every value (quantisation offsets). */
    bias: number;
}

/** Where an avatar of a crowd writes its splats: a band of rows of a target shared with other avatars. */
export interface GemSplatBand {
    /** The shared splat-data target (not owned by the pass). */
    output: MultiRenderTarget;
    /** First row of the band. */
    rowOffset: number;
}

/**
 * Per-avatar GPU reconstruction, in two full-screen passes run only when the coefficients change:
 *
 * 1. linear: for each group with components, one fragment per RGBA texel of the flat attribute array computes
 *    mean + bias + Σ_k w_k · basis_k (each basis value read once, four channels per fetch);
 * 2. assembly: one fragment per Gaussian reads its reconstructed attributes, applies the activations and writes
 *    Babylon's four splat data textures (centre, covariance A and B, colour) through a multi-render target.
 *
 * The splat mesh samples those textures for every quad corner, in the colour, depth and shadow passes alike.
 */
export class GemReconstructionPass {
    /**
     * Whether an engine can run the pass: WebGL2 with several float render targets. WebGPU is refused until the passes
     * have WGSL twins (avatars there reconstruct on the CPU).
     * @param engine the engine
     * @returns true when supported
     */
    public static IsSupported(engine: AbstractEngine): boolean {
        const caps = engine.getCaps();
        return !engine.isWebGPU && !!caps.drawBuffersExtension && !!caps.textureFloatRender && engine.version >= 2;
    }

    /**
     * Weights as the shaders' `vec4` uniform arrays take them: scaled from stored to sampled basis values and padded
     * to a multiple of four (at least one vec4).
     * @param weights per-component weights on stored values
     * @param sampledWeightScale the group's stored-to-sampled factor
     * @returns the uniform values
     */
    public static PackWeights(weights: Float32Array, sampledWeightScale: number): number[] {
        const packed = new Array<number>(Math.max(1, Math.ceil(weights.length / 4)) * 4).fill(0);
        for (let k = 0; k < weights.length; k++) {
            packed[k] = weights[k] * sampledWeightScale;
        }
        return packed;
    }

    /** The model's shared basis textures. */
    public readonly basis: GemBasisTextures;
    /** Width and height of the splat data textures. */
    public splatTextureSize: { width: number; height: number };
    /** How many times the passes ran (for tests and statistics). */
    public renderCount = 0;
    /** Rows of the splat target this avatar writes (all of its own target, or its band of a shared one). */
    public readonly bandRows: number;
    private _band: GemSplatBand | null;
    private _output: MultiRenderTarget;

    private readonly _quad: Mesh;
    private readonly _linearTargets: (RenderTargetTexture | null)[];
    private readonly _linearMaterials: (ShaderMaterial | null)[];
    private readonly _assemblyMaterial: ShaderMaterial;
    private _disposed = false;

    /**
     * Creates the pass's targets and materials.
     * @param scene the scene
     * @param basis the model's shared textures (the pass takes one reference and releases it on dispose)
     * @param name prefix of created resources
     * @param band a band of a crowd's shared target to write instead of a target of its own
     */
    constructor(scene: Scene, basis: GemBasisTextures, name = "gem", band: GemSplatBand | null = null) {
        this.basis = basis;
        const model = basis.model;
        const engine = scene.getEngine();
        this._quad = createFullscreenTriangle(scene, `${name}.reconstructionQuad`);
        this._linearTargets = [];
        this._linearMaterials = [];
        model.groups.forEach((group, i) => {
            const textures = basis.groups[i];
            if (!textures.basis) {
                this._linearTargets.push(null);
                this._linearMaterials.push(null);
                return;
            }
            const { width, rowsPerComponent } = textures.layout;
            const target = new RenderTargetTexture(`${name}.${group.name}.values`, { width, height: rowsPerComponent }, scene, {
                generateMipMaps: false,
                type: Constants.TEXTURETYPE_FLOAT,
                samplingMode: Constants.TEXTURE_NEAREST_SAMPLINGMODE,
                generateDepthBuffer: false,
                format: Constants.TEXTUREFORMAT_RGBA,
                doNotChangeAspectRatio: true,
            });
            target.clearColor = new Color4(0, 0, 0, 0);
            target.renderList = [this._quad];
            target.ignoreCameraViewport = true;
            const material = new ShaderMaterial(
                `${name}.${group.name}.linear`,
                scene,
                { vertex: gemFullscreenVertexShaderName, fragment: gemLinearCombinationFragmentShaderName },
                {
                    attributes: ["position"],
                    uniforms: ["gemWeights", "gemBias", "gemComponents", "gemRowsPerComponent"],
                    samplers: ["gemMean", "gemBasis"],
                    defines: [`#define GEM_MAX_COMPONENTS_VEC4 ${Math.max(1, Math.ceil(group.components / 4))}`],
                }
            );
            material.backFaceCulling = false;
            material.disableDepthWrite = true;
            material.setTexture("gemMean", textures.mean);
            material.setTexture("gemBasis", textures.basis);
            material.setInt("gemComponents", group.components);
            material.setInt("gemRowsPerComponent", rowsPerComponent);
            this._linearTargets.push(target);
            this._linearMaterials.push(material);
        });

        this._band = band;
        if (band) {
            this._output = band.output;
            this.splatTextureSize = band.output.getSize();
        } else {
            this.splatTextureSize = computeSplatTextureSize(model.gaussianCount, engine.getCaps().maxTextureSize);
            this._output = createSplatDataTarget(scene, this.splatTextureSize, name);
            this._output.renderList = [this._quad];
            this._output.ignoreCameraViewport = true;
        }
        this.bandRows = band ? Math.ceil(model.gaussianCount / this.splatTextureSize.width) : this.splatTextureSize.height;

        this._assemblyMaterial = new ShaderMaterial(
            `${name}.assembly`,
            scene,
            { vertex: gemBandVertexShaderName, fragment: gemSplatAssemblyFragmentShaderName },
            {
                attributes: ["position"],
                uniforms: ["gemAttributeWidth", "gemSplatWidth", "gemGaussianCount", "gemRowOffset", "gemBandRows", "gemWorld", "gemBandClip"],
                samplers: ["gemPositionValues", "gemOpacityValues", "gemScaleValues", "gemRotationValues", "gemColorValues"],
                // GEM_ACTIVATION_POSITION ... GEM_ACTIVATION_COLOR: each group's activation code.
                defines: GemSemanticOrder.map((semantic, i) => `#define GEM_ACTIVATION_${semantic.toUpperCase()} ${GemActivationCodes[model.groups[i].activation]}`),
            }
        );
        this._assemblyMaterial.backFaceCulling = false;
        this._assemblyMaterial.disableDepthWrite = true;
        const samplers = ["gemPositionValues", "gemOpacityValues", "gemScaleValues", "gemRotationValues", "gemColorValues"];
        samplers.forEach((sampler, i) => this._assemblyMaterial.setTexture(sampler, this._linearTargets[i] ?? basis.groups[i].mean));
        this._assemblyMaterial.setInt("gemAttributeWidth", basis.groups[0].layout.width);
        this._assemblyMaterial.setInt("gemGaussianCount", model.gaussianCount);
        this._assemblyMaterial.setInt("gemBandRows", this.bandRows);
        this._assemblyMaterial.setMatrix("gemWorld", Matrix.Identity());
        this._placeBand();
    }

    /** Splat data textures: centres, covariance A, covariance B, colours (shared with the crowd for a band). */
    public get output(): MultiRenderTarget {
        return this._output;
    }

    /** The band this pass writes in a crowd's target, or null for a target of its own. */
    public get band(): GemSplatBand | null {
        return this._band;
    }

    /**
     * Moves the pass to another band (a crowd's target grew or was compacted); call {@link render} afterwards.
     * @param band the new band
     */
    public setBand(band: GemSplatBand): void {
        if (!this._band) {
            throw new Error("GemReconstructionPass.setBand: this pass owns its target");
        }
        this._band = band;
        this._output = band.output;
        this.splatTextureSize = band.output.getSize();
        this._placeBand();
    }

    /**
     * Sets the transform baked into the written splats (crowd avatars; the identity for an avatar with its own mesh).
     * @param world local-to-crowd matrix
     */
    public setWorld(world: Matrix): void {
        this._assemblyMaterial.setMatrix("gemWorld", world);
    }

    /** Writes zeros (invisible splats) over the band, for an avatar leaving a crowd. */
    public clearBand(): void {
        this._assemblyMaterial.setInt("gemGaussianCount", 0);
        this._drawAssembly();
        this._assemblyMaterial.setInt("gemGaussianCount", this.basis.model.gaussianCount);
    }

    private _placeBand(): void {
        const rowOffset = this._band?.rowOffset ?? 0;
        const height = this.splatTextureSize.height;
        this._assemblyMaterial.setInt("gemSplatWidth", this.splatTextureSize.width);
        this._assemblyMaterial.setInt("gemRowOffset", rowOffset);
        this._assemblyMaterial.setVector2("gemBandClip", new Vector2(-1 + (2 * rowOffset) / height, -1 + (2 * (rowOffset + this.bandRows)) / height));
    }

    private _drawAssembly(): void {
        this._quad.material = this._assemblyMaterial;
        // A crowd's target holds other avatars' bands: draw only this avatar's quad, without clearing (the crowd
        // replaces the target's clear).
        this._output.renderList = [this._quad];
        this._output.render();
    }

    /** The four splat data textures, in the order Babylon's splat mesh takes them. */
    public get textures(): [Texture, Texture, Texture, Texture] {
        const t = this._output.textures;
        return [t[0], t[1], t[2], t[3]];
    }

    /**
     * Whether every shader has compiled.
     * @returns true when {@link render} will draw
     */
    public isReady(): boolean {
        if (this._disposed) {
            return false;
        }
        for (const material of this._linearMaterials) {
            if (material && !material.isReady(this._quad)) {
                return false;
            }
        }
        return this._assemblyMaterial.isReady(this._quad);
    }

    /**
     * Runs both passes. Call at a frame boundary (for example from `scene.onBeforeRenderObservable`), after {@link isReady}.
     * @param groupWeights weights per group in model order (ignored for static groups)
     */
    public render(groupWeights: readonly GemGroupWeights[]): void {
        this.basis.model.groups.forEach((_group, i) => {
            const target = this._linearTargets[i];
            const material = this._linearMaterials[i];
            if (!target || !material) {
                return;
            }
            const { weights, bias } = groupWeights[i];
            material.setArray4("gemWeights", GemReconstructionPass.PackWeights(weights, this.basis.groups[i].sampledWeightScale));
            material.setFloat("gemBias", bias);
            this._quad.material = material;
            target.render();
        });
        this._drawAssembly();
        this.renderCount++;
    }

    /** Releases the targets, materials, quad and this pass's reference to the basis textures. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        for (const target of this._linearTargets) {
            target?.dispose();
        }
        for (const material of this._linearMaterials) {
            material?.dispose(true, false);
        }
        this._assemblyMaterial.dispose(true, false);
        if (!this._band) {
            this._output.dispose();
        }
        this._quad.dispose(false, false);
        this.basis.release();
    }
}
