import type { Effect } from "@babylonjs/core/Materials/effect.js";
import { NodeMaterialBlockConnectionPointTypes } from "@babylonjs/core/Materials/Node/Enums/nodeMaterialBlockConnectionPointTypes.js";
import { NodeMaterialBlockTargets } from "@babylonjs/core/Materials/Node/Enums/nodeMaterialBlockTargets.js";
import type { NodeMaterial, NodeMaterialDefines } from "@babylonjs/core/Materials/Node/nodeMaterial.js";
import { NodeMaterialBlock } from "@babylonjs/core/Materials/Node/nodeMaterialBlock.js";
import type { NodeMaterialBuildState } from "@babylonjs/core/Materials/Node/nodeMaterialBuildState.js";
import type { NodeMaterialConnectionPoint } from "@babylonjs/core/Materials/Node/nodeMaterialBlockConnectionPoint.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { RegisterClass } from "@babylonjs/core/Misc/typeStore.js";
import { ShaderLanguage } from "@babylonjs/core/Materials/shaderLanguage.js";
import { editableInPropertyPage, PropertyTypeForEdition } from "@babylonjs/core/Decorators/nodeDecorator.js";
import { MetadataSymbol } from "@babylonjs/core/Misc/decorators.functions.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemSemanticChannels, GemSemanticOrder, type GemModel } from "../core/GemModel.js";
import { GemActivationCodes } from "./gemActivationCodes.js";
import { GemReconstructionPass, type GemGroupWeights } from "./GemReconstructionPass.js";
import "./shaders/wgsl/gemAttributeFunctions.js";
import { gemAttributeFunctionsIncludeName } from "./shaders/glsl/gemAttributeFunctions.js";

/** Attribute groups, in the model's order (position, opacity, scale, rotation, colour). */
const groupCount = GemSemanticOrder.length;

/**
 * What the block reads from the avatar a mesh belongs to (a `GemAvatar` is one): its model, its GPU pass (null on the
 * CPU fallback) and its current per-group weights. The block finds it as `gemAvatar` on the mesh or on the splat
 * mesh the mesh was made from, so materials need not know the plugin's classes.
 */
export interface GemEigenSource {
    /** The GEM model. */
    readonly model: GemModel;
    /** The GPU reconstruction pass, holding the basis textures; null without one. */
    readonly reconstructionPass: GemReconstructionPass | null;
    /** Current weights per attribute group. */
    readonly groupWeights: readonly GemGroupWeights[];
}

/**
 * Node-material block (vertex stage, Gaussian-splatting mode) that reconstructs each splat of a GEM avatar from its
 * eigenbases: `mean + Σ_k c_k σ_k basis_k` per attribute group, then the activations, then the covariance.
 *
 * Wire it after `SplatReaderBlock`: its `splatPosition`/`splatColor` inputs come from the reader, its outputs go where
 * the reader's went (the world transform and `GaussianSplattingBlock`, and `GaussianBlock`). It also overwrites the
 * `covA`/`covB` variables the reader declares, which `GaussianSplattingBlock` projects. On a mesh that is not a GEM
 * avatar it passes the reader's values through, so graphs stay valid in the Node Material Editor.
 *
 * This evaluates the bases per quad corner (4 × per splat per frame) and suits editing and small K; at runtime a
 * `GemAvatar` reconstructs once per coefficient change in {@link GemReconstructionPass} and the stock
 * `SplatReaderBlock` reads the result. GLSL only for now (WebGPU needs a WGSL port of the include).
 */
export class GemEigenBlock extends NodeMaterialBlock {
    /**
     * Multiplies every eigen term (Σ c_k σ_k basis_k) before the activations: 1 shows the avatar's coefficients as
     * they are, 0 its mean face, above 1 exaggerates. Editable in the Node Material Editor; saved with the material.
     */
    public expressionScale = 1;

    private readonly _packedWeights: Float32Array[] = [];

    /**
     * Creates the block.
     * @param name block name
     */
    constructor(name: string) {
        super(name, NodeMaterialBlockTargets.Vertex);
        this.registerInput("splatPosition", NodeMaterialBlockConnectionPointTypes.Vector3, false, NodeMaterialBlockTargets.Vertex);
        this.registerInput("splatColor", NodeMaterialBlockConnectionPointTypes.Color4, true, NodeMaterialBlockTargets.Vertex);
        this.registerOutput("splatPosition", NodeMaterialBlockConnectionPointTypes.Vector3, NodeMaterialBlockTargets.Vertex);
        this.registerOutput("splatColor", NodeMaterialBlockConnectionPointTypes.Color4, NodeMaterialBlockTargets.Vertex);
        this.registerOutput("scale", NodeMaterialBlockConnectionPointTypes.Vector3, NodeMaterialBlockTargets.Vertex);
        this.registerOutput("rotation", NodeMaterialBlockConnectionPointTypes.Vector4, NodeMaterialBlockTargets.Vertex);
        this.registerOutput("opacity", NodeMaterialBlockConnectionPointTypes.Float, NodeMaterialBlockTargets.Vertex);
    }

    /** @returns "GemEigenBlock" */
    public override getClassName(): string {
        return "GemEigenBlock";
    }

    /** Rest splat centre from `SplatReaderBlock` (also orders this block after the reader). */
    public get splatPositionIn(): NodeMaterialConnectionPoint {
        return this._inputs[0];
    }
    /** Rest splat colour from `SplatReaderBlock`. */
    public get splatColorIn(): NodeMaterialConnectionPoint {
        return this._inputs[1];
    }
    /** Reconstructed centre, in the mesh's local space. */
    public get splatPosition(): NodeMaterialConnectionPoint {
        return this._outputs[0];
    }
    /** Reconstructed colour and opacity. */
    public get splatColor(): NodeMaterialConnectionPoint {
        return this._outputs[1];
    }
    /** Reconstructed linear scale. */
    public get scale(): NodeMaterialConnectionPoint {
        return this._outputs[2];
    }
    /** Reconstructed unit quaternion (w, x, y, z). */
    public get rotation(): NodeMaterialConnectionPoint {
        return this._outputs[3];
    }
    /** Reconstructed opacity. */
    public get opacity(): NodeMaterialConnectionPoint {
        return this._outputs[4];
    }

    /**
     * Reserves the names this block declares.
     * @param state build state
     */
    public override initialize(state: NodeMaterialBuildState): void {
        for (let i = 0; i < groupCount; i++) {
            for (const prefix of ["gemMean", "gemBasis", "gemWeights", "gemBias", "gemComponentTexels"]) {
                state._excludeVariableName(`${prefix}${i}`);
            }
        }
        state._excludeVariableName("gemAttributeWidth");
        state._excludeVariableName("gemGaussianCount");
        state._excludeVariableName("gemExpressionScale");
    }

    /**
     * Sets the GEM defines from the avatar the mesh belongs to.
     */
    public override prepareDefines(defines: NodeMaterialDefines, _nodeMaterial: NodeMaterial, mesh?: AbstractMesh): void {
        const avatar = GemEigenBlock._FindAvatar(mesh);
        defines.setValue("GEM_EIGEN", !!avatar, true);
        for (let i = 0; i < groupCount; i++) {
            const group = avatar?.model.groups[i];
            const k = group?.components ?? 0;
            defines.setValue(`GEM_K_${i}`, k, true);
            defines.setValue(`GEM_K4_${i}`, Math.max(1, Math.ceil(k / 4)), true);
            defines.setValue(`GEM_ACT_${i}`, group ? GemActivationCodes[group.activation] : 0, true);
        }
    }

    /**
     * Binds the avatar's basis textures and current weights.
     */
    public override bind(effect: Effect, _nodeMaterial: NodeMaterial, mesh?: Mesh): void {
        // Packed weights per group, reused from draw to draw.
        const avatar = GemEigenBlock._FindAvatar(mesh);
        if (!avatar) {
            return;
        }
        const textures = avatar.reconstructionPass?.basis;
        if (!textures) {
            return;
        }
        const weights = avatar.groupWeights;
        for (let i = 0; i < groupCount; i++) {
            const group = textures.groups[i];
            effect.setTexture(`gemMean${i}`, group.mean);
            effect.setTexture(`gemBasis${i}`, group.basis ?? group.mean);
            const length = Math.max(1, Math.ceil(weights[i].weights.length / 4)) * 4;
            if (this._packedWeights[i]?.length !== length) this._packedWeights[i] = new Float32Array(length);
            effect.setFloatArray4(`gemWeights${i}`, GemReconstructionPass.PackWeights(weights[i].weights, group.sampledWeightScale, this._packedWeights[i]));
            effect.setFloat(`gemBias${i}`, weights[i].bias);
            effect.setInt(`gemComponentTexels${i}`, group.layout.rowsPerComponent * group.layout.width);
        }
        effect.setInt("gemAttributeWidth", textures.groups[0].layout.width);
        effect.setFloat("gemExpressionScale", this.expressionScale);
        effect.setFloat("gemGaussianCount", avatar.model.gaussianCount);
    }

    protected override _buildBlock(state: NodeMaterialBuildState): this {
        super._buildBlock(state);
        if (state.target === NodeMaterialBlockTargets.Fragment) {
            return this;
        }
        const wgsl = state.shaderLanguage === ShaderLanguage.WGSL;
        state.sharedData.bindableBlocks.push(this);
        state.sharedData.blocksWithDefines.push(this);
        const comments = `//${this.name}`;
        state._emitFunctionFromInclude(gemAttributeFunctionsIncludeName, comments);
        let declarations = wgsl
            ? "#ifdef GEM_EIGEN\nuniform gemAttributeWidth: i32;\nuniform gemGaussianCount: f32;\nuniform gemExpressionScale: f32;\n"
            : "#ifdef GEM_EIGEN\nuniform int gemAttributeWidth;\nuniform float gemGaussianCount;\nuniform float gemExpressionScale;\n";
        for (let i = 0; i < groupCount; i++) {
            state._emit2DSampler(`gemMean${i}`, "GEM_EIGEN");
            state._emit2DSampler(`gemBasis${i}`, "GEM_EIGEN");
            declarations += wgsl
                ? `uniform gemWeights${i}: array<vec4f, GEM_K4_${i}>;\nuniform gemBias${i}: f32;\nuniform gemComponentTexels${i}: i32;\n`
                : `uniform vec4 gemWeights${i}[GEM_K4_${i}];\nuniform float gemBias${i};\nuniform int gemComponentTexels${i};\n`;
            state.uniforms.push(`gemWeights${i}`, `gemBias${i}`, `gemComponentTexels${i}`);
        }
        declarations += "#endif\n";
        state.uniforms.push("gemAttributeWidth", "gemGaussianCount", "gemExpressionScale");
        state._emitFunction("gemEigenDeclarations", declarations, comments);

        const position = this.splatPosition.associatedVariableName;
        const color = this.splatColor.associatedVariableName;
        const scale = this.scale.associatedVariableName;
        const rotation = this.rotation.associatedVariableName;
        const opacity = this.opacity.associatedVariableName;
        const group = (semantic: (typeof GemSemanticOrder)[number]) => GemSemanticOrder.indexOf(semantic);
        // WGSL reads uniforms through `uniforms.`; GLSL by name.
        const u = wgsl ? "uniforms." : "";
        const vec = (n: number) => (wgsl ? `vec${n}f` : `vec${n}`);
        const colorIn = this.splatColorIn.isConnected ? this.splatColorIn.associatedVariableName : `${vec(4)}(1.0)`;
        // One reconstruction per group, in GemSemanticOrder: gemValue<i> = mean + bias + Σ_k w_k basis_k.
        const reconstruct = GemSemanticOrder.map((semantic, i) => {
            const channels = GemSemanticChannels[semantic];
            const type = channels === 1 ? (wgsl ? "f32" : "float") : vec(channels);
            const f = `gemFetch${channels}`;
            const first = `${f}(gemMean${i}, gemIndex, ${u}gemAttributeWidth, 0) + ${type}(${u}gemBias${i})`;
            const term = `${u}gemExpressionScale * ${u}gemWeights${i}[k >> ${wgsl ? "2u" : "2"}][k & 3] * ${f}(gemBasis${i}, gemIndex, ${u}gemAttributeWidth, k * ${u}gemComponentTexels${i})`;
            return wgsl
                ? `var gemValue${i}: ${type} = ${first};\nfor (var k = 0; k < GEM_K_${i}; k++) { gemValue${i} += ${term}; }\n`
                : `${type} gemValue${i} = ${first};\nfor (int k = 0; k < GEM_K_${i}; k++) { gemValue${i} += ${term}; }\n`;
        }).join("");
        const activations = `${position} = gemActivate3(gemValue${group("position")}, GEM_ACT_${group("position")});
${opacity} = gemActivate1(gemValue${group("opacity")}, GEM_ACT_${group("opacity")});
${scale} = gemActivate3(gemValue${group("scale")}, GEM_ACT_${group("scale")});
${rotation} = gemActivate4(gemValue${group("rotation")}, GEM_ACT_${group("rotation")});
`;
        const covariance = wgsl
            ? `${color} = clamp(vec4f(gemActivate3(gemValue${group("color")}, GEM_ACT_${group("color")}), ${opacity}), vec4f(0.0), vec4f(1.0));
let gemCov = gemCovariance(${scale}, ${rotation});
covA = gemCov[0].xyz; covB = vec3f(gemCov[0].w, gemCov[1].xy);
if (f32(gemIndex) >= uniforms.gemGaussianCount) { ${color} = vec4f(0.0); covA = vec3f(0.0); covB = vec3f(0.0); }
`
            : `${color} = clamp(vec4(gemActivate3(gemValue${group("color")}, GEM_ACT_${group("color")}), ${opacity}), 0.0, 1.0);
vec4 gemCovA; vec4 gemCovB;
gemCovariance(${scale}, ${rotation}, gemCovA, gemCovB);
covA = gemCovA.xyz; covB = vec3(gemCovA.w, gemCovB.xy);
if (float(gemIndex) >= gemGaussianCount) { ${color} = vec4(0.0); covA = vec3(0.0); covB = vec3(0.0); }
`;
        state.compilationString += `${state._declareOutput(this.splatPosition)} = ${this.splatPositionIn.associatedVariableName};
${state._declareOutput(this.splatColor)} = ${colorIn};
${state._declareOutput(this.scale)} = ${vec(3)}(0.0);
${state._declareOutput(this.rotation)} = ${vec(4)}(1.0, 0.0, 0.0, 0.0);
${state._declareOutput(this.opacity)} = ${color}.a;
#ifdef GEM_EIGEN
{
${wgsl ? "let gemIndex = i32(splatIndex + 0.5);" : "int gemIndex = int(splatIndex + 0.5);"}
${reconstruct}${activations}${covariance}}
#endif
`;
        return this;
    }

    /**
     * Saves the block with its expression scale.
     * @returns the serialized block
     */
    public override serialize(): ReturnType<NodeMaterialBlock["serialize"]> {
        const serializationObject = super.serialize();
        serializationObject.expressionScale = this.expressionScale;
        return serializationObject;
    }

    /** @internal */
    public override _deserialize(serializationObject: Parameters<NodeMaterialBlock["_deserialize"]>[0], scene: Scene, rootUrl: string): void {
        super._deserialize(serializationObject, scene, rootUrl);
        const scale = (serializationObject as { expressionScale?: unknown }).expressionScale;
        this.expressionScale = typeof scale === "number" && Number.isFinite(scale) ? scale : 1;
    }

    protected override _dumpPropertiesCode(): string {
        return `${super._dumpPropertiesCode()}${this._codeVariableName}.expressionScale = ${this.expressionScale};\n`;
    }

    private static _FindAvatar(mesh: AbstractMesh | null | undefined): GemEigenSource | null {
        if (!mesh) {
            return null;
        }
        const source = (mesh.reservedDataStore?._gaussianSplattingSourceMesh ?? mesh) as { gemAvatar?: GemEigenSource | null };
        // Without the GPU pass (WebGL1, NullEngine) there are no basis textures to read.
        return source.gemAvatar?.reconstructionPass ? source.gemAvatar : null;
    }
}

// The Node Material Editor's property pane lists what Babylon's `editableInPropertyPage` decorator records in the
// class's decorator metadata. Applied by hand: not every TypeScript toolchain that builds this package (esbuild in
// tests) lowers decorators.
{
    // Babylon installs Symbol.metadata (the UMD build does not export its MetadataSymbol, which is the same symbol).
    const metadataSymbol = (Symbol as unknown as { metadata?: symbol }).metadata ?? MetadataSymbol;
    const ctor = GemEigenBlock as unknown as Record<symbol, object | undefined>;
    const metadata = Object.create(ctor[metadataSymbol] ?? null) as DecoratorMetadataObject;
    editableInPropertyPage("Expression scale", PropertyTypeForEdition.Float, "GEM", { min: 0, max: 2, notifiers: { update: true } })(undefined, {
        kind: "field",
        name: "expressionScale",
        static: false,
        private: false,
        metadata,
    } as unknown as Parameters<ReturnType<typeof editableInPropertyPage>>[1]);
    Object.defineProperty(GemEigenBlock, metadataSymbol, { value: metadata, configurable: true, enumerable: true, writable: true });
}

let registered = false;

/**
 * Registers {@link GemEigenBlock} with Babylon's type store (once), so `NodeMaterial.Parse`, snippets and the Node
 * Material Editor can create it by class name. The package entry calls it; the side-effect-free `pure` entry does not.
 */
export function RegisterGemEigenBlock(): void {
    if (registered) {
        return;
    }
    registered = true;
    RegisterClass("BABYLON.GemEigenBlock", GemEigenBlock);
}
