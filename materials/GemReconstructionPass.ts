import { Constants } from "@babylonjs/core/Engines/constants.js";
import type { Effect } from "@babylonjs/core/Materials/effect.js";
import { ShaderLanguage } from "@babylonjs/core/Materials/shaderLanguage.js";
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { EffectRenderer, EffectWrapper } from "@babylonjs/core/Materials/effectRenderer.js";
import type { MultiRenderTarget } from "@babylonjs/core/Materials/Textures/multiRenderTarget.js";
import { RenderTargetTexture } from "@babylonjs/core/Materials/Textures/renderTargetTexture.js";
import type { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemSemanticOrder } from "../core/GemModel.js";
import { GemActivationCodes } from "./gemActivationCodes.js";
import type { GemBasisTextures } from "./GemBasisTextures.js";
import { computeSplatTextureSize } from "./gemTextureLayout.js";
import { createSplatDataTarget } from "./splatTargets.js";
import { gemFullscreenVertexShaderName } from "./shaders/glsl/gemFullscreen.vertex.js";
import { gemLinearCombinationFragmentShaderName } from "./shaders/glsl/gemLinearCombination.fragment.js";
import { gemSplatAssemblyFragmentShaderName } from "./shaders/glsl/gemSplatAssembly.fragment.js";
import { gemBandVertexShaderName } from "./shaders/glsl/gemBand.vertex.js";
import "./shaders/wgsl/gemBand.vertex.js";
import "./shaders/wgsl/gemFullscreen.vertex.js";
import "./shaders/wgsl/gemLinearCombination.fragment.js";
import "./shaders/wgsl/gemSplatAssembly.fragment.js";

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

/** One group's linear pass: its target, its shader and the uniform values of the next draw. */
interface LinearPass {
    target: RenderTargetTexture;
    wrapper: EffectWrapper;
    /** Sets the pass's uniforms on its effect (made once). */
    bind: (effect: Effect) => void;
    /** Weights as the shader's vec4 array takes them (filled in place, never reallocated). */
    weights: Float32Array;
    bias: number;
}

/** Colour-attachment bytes per sample of the splat target (RGBA32F + 2 × RGBA16F + RGBA8). */
const SplatTargetBytesPerSample = 40;

/** Assembly samplers, in semantic order. */
const AssemblySamplers = ["gemPositionValues", "gemOpacityValues", "gemScaleValues", "gemRotationValues", "gemColorValues"];

/**
 * Per-avatar GPU reconstruction, in two full-screen passes run only when the coefficients change:
 *
 * 1. linear: for each group with components, one fragment per RGBA texel of the flat attribute array computes
 *    mean + bias + Σ_k w_k · basis_k (each basis value read once, four channels per fetch);
 * 2. assembly: one fragment per Gaussian reads its reconstructed attributes, applies the activations and writes
 *    Babylon's four splat data textures (centre, covariance A and B, colour) through a multi-render target.
 *
 * The passes draw with Babylon's `EffectRenderer` quad and an `EffectWrapper` per pass (no mesh, material or render
 * list), binding their uniforms directly, so a frame with new coefficients allocates nothing. The splat mesh samples the textures for every
 * quad corner, in the colour, depth and shadow passes alike.
 */
export class GemReconstructionPass {
    /**
     * Whether an engine can run the pass: WebGL2 with several float render targets, or WebGPU (WGSL twins of the shaders)
     * with multi-render targets registered and 40 colour-attachment bytes per sample. Elsewhere avatars reconstruct on
     * the CPU.
     * @param engine the engine
     * @returns true when supported
     */
    public static IsSupported(engine: AbstractEngine): boolean {
        const caps = engine.getCaps();
        if (engine.isWebGPU) {
            // The splat target is RGBA32F + 2 × RGBA16F + RGBA8: 40 bytes per sample, over WebGPU's default limit of 32
            // (create the engine with `setMaximumLimits: true`); multi-render targets need the WebGPU extension import.
            const limits = (engine as unknown as { currentLimits?: { maxColorAttachmentBytesPerSample?: number } }).currentLimits;
            const multiRender = typeof (engine as unknown as { createMultipleRenderTarget?: unknown }).createMultipleRenderTarget === "function";
            return !!caps.textureFloatRender && multiRender && (limits?.maxColorAttachmentBytesPerSample ?? 0) >= SplatTargetBytesPerSample;
        }
        return !!caps.drawBuffersExtension && !!caps.textureFloatRender && engine.version >= 2;
    }

    /**
     * Why {@link IsSupported} says no for an engine (for a one-time warning), or null when it says yes.
     * @param engine the engine
     * @returns the reason
     */
    public static UnsupportedReason(engine: AbstractEngine): string | null {
        if (GemReconstructionPass.IsSupported(engine)) {
            return null;
        }
        if (engine.isWebGPU) {
            if (typeof (engine as unknown as { createMultipleRenderTarget?: unknown }).createMultipleRenderTarget !== "function") {
                return 'WebGPU multi-render targets are not registered: import "@babylonjs/core/Engines/WebGPU/Extensions/engine.multiRender.js"';
            }
            return `the splat target needs ${SplatTargetBytesPerSample} colour-attachment bytes per sample: create the WebGPUEngine with { setMaximumLimits: true }`;
        }
        return "WebGL2 with float render targets (EXT_color_buffer_float) is needed";
    }

    /**
     * Weights as the shaders' `vec4` uniform arrays take them: scaled from stored to sampled basis values and padded
     * to a multiple of four (at least one vec4).
     * @param weights per-component weights on stored values
     * @param sampledWeightScale the group's stored-to-sampled factor
     * @param out where to write them (length a multiple of four, at least the padded length); default a new array
     * @returns the uniform values
     */
    public static PackWeights(weights: Float32Array, sampledWeightScale: number, out?: Float32Array): Float32Array {
        const packed = out ?? new Float32Array(Math.max(1, Math.ceil(weights.length / 4)) * 4);
        packed.fill(0);
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

    private readonly _engine: AbstractEngine;
    private readonly _renderer: EffectRenderer;
    private readonly _linear: (LinearPass | null)[];
    private readonly _assembly: EffectWrapper;
    private readonly _bindAssembly: (effect: Effect) => void;
    private readonly _world = Matrix.Identity();
    private _gaussianCount: number;
    private _rowOffset = 0;
    private _bandClipLow = -1;
    private _bandClipHigh = 1;
    private _ready = false;
    private _savedDepthTest = true;
    private _savedStencilTest = false;
    private _disposed = false;

    /**
     * Creates the pass's targets and effects.
     * @param scene the scene
     * @param basis the model's shared textures (the pass takes one reference and releases it on dispose)
     * @param name prefix of created resources
     * @param band a band of a crowd's shared target to write instead of a target of its own
     */
    constructor(scene: Scene, basis: GemBasisTextures, name = "gem", band: GemSplatBand | null = null) {
        this.basis = basis;
        const model = basis.model;
        const engine = scene.getEngine();
        this._engine = engine;
        this._renderer = new EffectRenderer(engine);
        const shaderLanguage = engine.isWebGPU ? ShaderLanguage.WGSL : ShaderLanguage.GLSL;
        this._gaussianCount = model.gaussianCount;
        this._linear = model.groups.map((group, i) => {
            const textures = basis.groups[i];
            if (!textures.basis) {
                return null;
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
            const vec4s = Math.max(1, Math.ceil(group.components / 4));
            const wrapper = new EffectWrapper({
                engine,
                shaderLanguage,
                name: `${name}.${group.name}.linear`,
                useShaderStore: true,
                vertexShader: gemFullscreenVertexShaderName,
                fragmentShader: gemLinearCombinationFragmentShaderName,
                attributeNames: ["position"],
                uniformNames: ["gemWeights", "gemBias", "gemComponents", "gemRowsPerComponent"],
                samplerNames: ["gemMean", "gemBasis"],
                defines: [`#define GEM_MAX_COMPONENTS_VEC4 ${vec4s}`],
            });
            const mean = textures.mean;
            const basisTexture = textures.basis;
            const pass: LinearPass = {
                target,
                wrapper,
                weights: new Float32Array(vec4s * 4),
                bias: 0,
                bind: (effect) => {
                    effect.setTexture("gemMean", mean);
                    effect.setTexture("gemBasis", basisTexture);
                    effect.setFloatArray4("gemWeights", pass.weights);
                    effect.setFloat("gemBias", pass.bias);
                    effect.setInt("gemComponents", group.components);
                    effect.setInt("gemRowsPerComponent", rowsPerComponent);
                },
            };
            return pass;
        });

        this._band = band;
        if (band) {
            this._output = band.output;
            this.splatTextureSize = band.output.getSize();
        } else {
            this.splatTextureSize = computeSplatTextureSize(model.gaussianCount, engine.getCaps().maxTextureSize);
            this._output = createSplatDataTarget(scene, this.splatTextureSize, name);
        }
        this.bandRows = band ? Math.ceil(model.gaussianCount / this.splatTextureSize.width) : this.splatTextureSize.height;

        this._assembly = new EffectWrapper({
            engine,
            shaderLanguage,
            name: `${name}.assembly`,
            useShaderStore: true,
            vertexShader: gemBandVertexShaderName,
            fragmentShader: gemSplatAssemblyFragmentShaderName,
            attributeNames: ["position"],
            uniformNames: ["gemAttributeWidth", "gemSplatWidth", "gemGaussianCount", "gemRowOffset", "gemBandRows", "gemWorld", "gemBandClip"],
            samplerNames: AssemblySamplers,
            // GEM_ACTIVATION_POSITION ... GEM_ACTIVATION_COLOR: each group's activation code.
            defines: GemSemanticOrder.map((semantic, i) => `#define GEM_ACTIVATION_${semantic.toUpperCase()} ${GemActivationCodes[model.groups[i].activation]}`),
        });
        const values: Texture[] = AssemblySamplers.map((_, i) => this._linear[i]?.target ?? basis.groups[i].mean);
        const attributeWidth = basis.groups[0].layout.width;
        this._bindAssembly = (effect) => {
            for (let i = 0; i < AssemblySamplers.length; i++) {
                effect.setTexture(AssemblySamplers[i], values[i]);
            }
            effect.setInt("gemAttributeWidth", attributeWidth);
            effect.setInt("gemGaussianCount", this._gaussianCount);
            effect.setInt("gemBandRows", this.bandRows);
            effect.setInt("gemSplatWidth", this.splatTextureSize.width);
            effect.setInt("gemRowOffset", this._rowOffset);
            effect.setFloat2("gemBandClip", this._bandClipLow, this._bandClipHigh);
            effect.setMatrix("gemWorld", this._world);
        };
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
     * @param world local-to-crowd matrix (copied)
     */
    public setWorld(world: Matrix): void {
        this._world.copyFrom(world);
    }

    /** Writes zeros (invisible splats) over the band, for an avatar leaving a crowd. */
    public clearBand(): void {
        this._gaussianCount = 0;
        this._drawAssembly();
        this._gaussianCount = this.basis.model.gaussianCount;
    }

    private _placeBand(): void {
        const rowOffset = this._band?.rowOffset ?? 0;
        const height = this.splatTextureSize.height;
        this._rowOffset = rowOffset;
        this._bandClipLow = -1 + (2 * rowOffset) / height;
        this._bandClipHigh = -1 + (2 * (rowOffset + this.bandRows)) / height;
    }

    private _drawAssembly(): void {
        // A crowd's target holds other avatars' bands: this avatar's rows only, without clearing.
        this._beginDraws();
        this._draw(this._assembly, this._output, this._bindAssembly);
        this._endDraws();
    }

    /**
     * One full-screen draw, as EffectRenderer.render does it minus its apply observable (which allocates an event
     * object per draw): bind the target, the effect, the quad's buffers and the pass's uniforms, draw, unbind.
     */
    private _draw(wrapper: EffectWrapper, target: RenderTargetTexture, bind: (effect: Effect) => void): void {
        const effect = wrapper.effect;
        if (!effect.isReady()) {
            return;
        }
        const engine = this._engine;
        const renderTarget = target.renderTarget!;
        // The whole target, whatever viewport the last camera left (split screens, XR eyes).
        this._renderer.setViewport();
        engine.bindFramebuffer(renderTarget);
        engine.enableEffect(wrapper.drawWrapper);
        this._renderer.bindBuffers(effect);
        bind(effect);
        this._renderer.draw();
        engine.unBindFramebuffer(renderTarget);
    }

    /** Engine state for the passes' draws: no blending, culling, depth or stencil test (restored by {@link _endDraws}). */
    private _beginDraws(): void {
        const engine = this._engine;
        this._savedDepthTest = engine.depthCullingState.depthTest;
        this._savedStencilTest = engine.stencilState.stencilTest;
        engine.setAlphaMode(Constants.ALPHA_DISABLE);
        // No culling: the quad's winding as rasterised differs between WebGL and WebGPU (which flips y into textures).
        engine.setState(false);
        engine.depthCullingState.depthTest = false;
        engine.stencilState.stencilTest = false;
    }

    private _endDraws(): void {
        this._engine.depthCullingState.depthTest = this._savedDepthTest;
        this._engine.stencilState.stencilTest = this._savedStencilTest;
    }

    /** The four splat data textures, in the order Babylon's splat mesh takes them. */
    public get textures(): [Texture, Texture, Texture, Texture] {
        const t = this._output.textures;
        return [t[0], t[1], t[2], t[3]];
    }

    /**
     * Whether every shader has compiled (checked until it has, then remembered).
     * @returns true when {@link render} will draw
     */
    public isReady(): boolean {
        if (this._disposed) {
            return false;
        }
        if (this._ready) {
            return true;
        }
        for (const pass of this._linear) {
            if (pass && !pass.wrapper.isReady()) {
                return false;
            }
        }
        this._ready = this._assembly.isReady();
        return this._ready;
    }

    /**
     * Runs both passes. Call at a frame boundary (for example from `scene.onBeforeRenderObservable`), after {@link isReady}.
     * @param groupWeights weights per group in model order (ignored for static groups)
     */
    public render(groupWeights: readonly GemGroupWeights[]): void {
        this._beginDraws();
        for (let i = 0; i < this._linear.length; i++) {
            const pass = this._linear[i];
            if (!pass) {
                continue;
            }
            const { weights, bias } = groupWeights[i];
            GemReconstructionPass.PackWeights(weights, this.basis.groups[i].sampledWeightScale, pass.weights);
            pass.bias = bias;
            this._draw(pass.wrapper, pass.target, pass.bind);
        }
        this._draw(this._assembly, this._output, this._bindAssembly);
        this._endDraws();
        this.renderCount++;
    }

    /** Releases the targets, effects, the quad's buffers and this pass's reference to the basis textures. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        for (const pass of this._linear) {
            pass?.target.dispose();
            pass?.wrapper.dispose();
        }
        this._assembly.dispose();
        this._renderer.dispose();
        if (!this._band) {
            this._output.dispose();
        }
        this.basis.release();
    }
}
