/**
 * The CPU reference of the reconstruction (what the GPU passes are tested against), half floats, the coefficient
 * drivers, Babylon's `.splat` row packing and the headset performance model. Exported as the `reconstruction`
 * namespace of the package.
 */
export * from "./gemReconstruction.js";
export * from "./gemDrivers.js";
export { toHalf, fromHalf, toHalfArray, fromHalfArray } from "./halfFloat.js";
export { packSplatRows } from "./splatRows.js";
export * from "./performanceModel.js";
