import { GaussianBlock } from "@babylonjs/core/Materials/Node/Blocks/GaussianSplatting/gaussianBlock.js";
import { SplatReaderBlock } from "@babylonjs/core/Materials/Node/Blocks/GaussianSplatting/splatReaderBlock.js";
import { TransformBlock } from "@babylonjs/core/Materials/Node/Blocks/transformBlock.js";
import { NodeMaterial } from "@babylonjs/core/Materials/Node/nodeMaterial.js";
import { SetToDefaultGaussianSplatting } from "@babylonjs/core/Materials/Node/nodeMaterialDefault.js";
import { ShaderLanguage } from "@babylonjs/core/Materials/shaderLanguage.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemEigenBlock } from "./GemEigenBlock.js";

/**
 * Babylon's default Gaussian-splatting node material with a {@link GemEigenBlock} between the splat reader and the
 * splat's transform and colour: the graph the Node Material Editor shows for an avatar, to build on (the block's
 * outputs also give scale, rotation and opacity per splat). Assign it to an avatar's mesh; on any other splat mesh it
 * renders as the default material does.
 * @param name material name
 * @param scene the scene
 * @returns the built material and its block
 */
export function CreateGemEigenNodeMaterial(name: string, scene: Scene): { material: NodeMaterial; block: GemEigenBlock } {
    const engine = scene.getEngine();
    const material = new NodeMaterial(name, scene, { shaderLanguage: engine.isWebGPU ? ShaderLanguage.WGSL : ShaderLanguage.GLSL });
    SetToDefaultGaussianSplatting(material);
    material.build(false);
    const reader = material.getBlockByPredicate((b) => b instanceof SplatReaderBlock) as SplatReaderBlock;
    const worldPosition = material.getBlockByPredicate((b) => b instanceof TransformBlock) as TransformBlock;
    const gaussian = material.getBlockByPredicate((b) => b instanceof GaussianBlock) as GaussianBlock;
    const block = new GemEigenBlock("GEM eigen reconstruction");
    reader.splatPosition.connectTo(block.splatPositionIn);
    reader.splatColor.connectTo(block.splatColorIn);
    reader.splatPosition.disconnectFrom(worldPosition.vector);
    reader.splatColor.disconnectFrom(gaussian.splatColor);
    block.splatPosition.connectTo(worldPosition.vector);
    block.splatColor.connectTo(gaussian.splatColor);
    material.build(false);
    return { material, block };
}
