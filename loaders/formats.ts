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
export { readNpz, readNpzAsync } from "./archives/npzArchive.js";
export type { NdArray } from "./archives/ndArray.js";
export { readTorchCheckpoint } from "./archives/torchCheckpoint.js";
