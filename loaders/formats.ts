/**
 * The file formats, engine-free: parsers and writers that take bytes and return core types (`GemModel`, `FlameModel`,
 * tracks, rigged Gaussians). Exported as the `formats` namespace of the package.
 */
export * from "./gem/gemContainer.js";
export { gemModelFromUpstreamCheckpoint, gemModelFromNpzArrays } from "./gem/upstreamGem.js";
export * from "./flame/flameModelFile.js";
export * from "./flame/flameTrackFile.js";
export * from "./flame/riggedGaussiansNpz.js";
export { parseGaussianAvatarsPly } from "./flame/gaussianAvatarsPly.js";
export { readNpz, readNpzAsync, NpzArrays } from "./archives/npzArchive.js";
export { readLamArchive, type LamArchive } from "./lam/lamArchive.js";
export { parseLamOffsetPly, lamGemModel, type LamSkin } from "./lam/lamGaussians.js";
export { parseGaussianPly, type GaussianPlyOptions } from "./ply/gaussianPly.js";
export { landmarkModelFromArrays } from "./tracking/landmarkModelFile.js";
export type { NdArray } from "./archives/ndArray.js";
export { readTorchCheckpoint } from "./archives/torchCheckpoint.js";
