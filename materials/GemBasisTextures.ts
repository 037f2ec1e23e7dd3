import { Constants } from "@babylonjs/core/Engines/constants.js";
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { GemModel } from "../core/GemModel.js";
import { computeGroupLayout, packComponents, type GemGroupLayout } from "./gemTextureLayout.js";

/** GPU copy of one attribute group. */
export interface GemGroupTextures {
    /** Layout shared by mean, basis and reconstructed values. */
    layout: GemGroupLayout;
    /** Mean (float32, always). */
    mean: RawTexture;
    /** Basis (float32, float16 or normalised uint8), null for static groups. */
    basis: RawTexture | null;
    /** Factor that turns a weight on stored values into a weight on sampled values (255 for normalised uint8). */
    sampledWeightScale: number;
}

/**
 * The GPU-resident mean and basis textures of one {@link GemModel} on one engine, shared by every avatar of that
 * model and released when the last one lets go.
 */
export class GemBasisTextures {
    private static readonly _Shared = new WeakMap<GemModel, Map<AbstractEngine, GemBasisTextures>>();

    /** Per group, in model order. */
    public readonly groups: readonly GemGroupTextures[];
    /** The model. */
    public readonly model: GemModel;
    private _references = 0;
    private readonly _engine: AbstractEngine;

    /**
     * Returns the shared textures of a model, uploading them on first use.
     * @param model the model
     * @param scene a scene of the engine to upload to
     * @returns the shared textures (call {@link release} when done)
     */
    public static Acquire(model: GemModel, scene: Scene): GemBasisTextures {
        const engine = scene.getEngine();
        let perEngine = GemBasisTextures._Shared.get(model);
        if (!perEngine) {
            perEngine = new Map();
            GemBasisTextures._Shared.set(model, perEngine);
        }
        let textures = perEngine.get(engine);
        if (!textures) {
            textures = new GemBasisTextures(model, scene);
            perEngine.set(engine, textures);
        }
        textures._references++;
        return textures;
    }

    private constructor(model: GemModel, scene: Scene) {
        this.model = model;
        this._engine = scene.getEngine();
        const maxTextureSize = this._engine.getCaps().maxTextureSize;
        const create = (data: ArrayBufferView, layout: GemGroupLayout, rows: number, type: number) => {
            const texture = new RawTexture(data, layout.width, rows, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Constants.TEXTURE_NEAREST_SAMPLINGMODE, type);
            texture.wrapU = Constants.TEXTURE_CLAMP_ADDRESSMODE;
            texture.wrapV = Constants.TEXTURE_CLAMP_ADDRESSMODE;
            return texture;
        };
        this.groups = model.groups.map((group) => {
            const n = group.mean.length;
            const layout = computeGroupLayout(n, maxTextureSize);
            if (layout.rowsPerComponent * Math.max(group.components, 1) > maxTextureSize) {
                throw new RangeError(
                    `GEM group "${group.name}": ${group.components} components of ${n} values need ${layout.rowsPerComponent * group.components} texture rows; this device allows ${maxTextureSize}`
                );
            }
            const mean = create(packComponents(group.mean, 1, n, layout, Float32Array), layout, layout.rowsPerComponent, Constants.TEXTURETYPE_FLOAT);
            mean.name = `gem.${group.name}.mean`;
            let basis: RawTexture | null = null;
            let sampledWeightScale = 1;
            if (group.basis && group.components > 0) {
                const rows = layout.rowsPerComponent * group.components;
                const stored = group.basis;
                if (stored.dtype === "float32") {
                    basis = create(packComponents(stored.data, group.components, n, layout, Float32Array), layout, rows, Constants.TEXTURETYPE_FLOAT);
                } else if (stored.dtype === "float16") {
                    basis = create(packComponents(stored.data, group.components, n, layout, Uint16Array), layout, rows, Constants.TEXTURETYPE_HALF_FLOAT);
                } else {
                    basis = create(packComponents(stored.data, group.components, n, layout, Uint8Array), layout, rows, Constants.TEXTURETYPE_UNSIGNED_BYTE);
                    sampledWeightScale = 255;
                }
                basis.name = `gem.${group.name}.basis`;
            }
            return { layout, mean, basis, sampledWeightScale };
        });
    }

    /** Number of avatars holding these textures. */
    public get referenceCount(): number {
        return this._references;
    }

    /** Bytes of basis data resident on the GPU (what a full reconstruction reads). */
    public get basisByteLength(): number {
        let total = 0;
        this.model.groups.forEach((group, i) => {
            const texture = this.groups[i].basis;
            if (texture && group.basis) {
                const bytes = group.basis.dtype === "float32" ? 4 : group.basis.dtype === "float16" ? 2 : 1;
                total += this.groups[i].layout.rowsPerComponent * this.groups[i].layout.width * 4 * group.components * bytes;
            }
        });
        return total;
    }

    /** Lets go of one reference; the textures are disposed with the last one. */
    public release(): void {
        if (this._references <= 0) {
            return;
        }
        this._references--;
        if (this._references === 0) {
            for (const group of this.groups) {
                group.mean.dispose();
                group.basis?.dispose();
            }
            GemBasisTextures._Shared.get(this.model)?.delete(this._engine);
        }
    }
}
