/**
 * The GPU passes and their resources, for custom pipelines: the per-avatar reconstruction pass, shared basis textures
 * and their layout, the rigged-Gaussian pass and mesh-vertex capture. Exported as the `gpu` namespace of the package.
 */
export { GemReconstructionPass, type GemGroupWeights, type GemSplatBand } from "./GemReconstructionPass.js";
export { GemBasisTextures, type GemGroupTextures } from "./GemBasisTextures.js";
export * from "./gemTextureLayout.js";
export { GemActivationCodes, gemActivationDefines } from "./gemActivationCodes.js";
export { RiggedGaussianPass } from "./RiggedGaussianPass.js";
export { MeshVertexCapture } from "./MeshVertexCapture.js";
