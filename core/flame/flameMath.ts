/**
 * FLAME's forward model (shape, expression, pose correctives, linear blend skinning, landmarks), tracked parameter
 * sequences, Gaussians rigged to FLAME triangles and the rigid head pose of GEM heads. Exported as the `flame`
 * namespace of the package.
 */
export * from "./flameForward.js";
export * from "./flameTrack.js";
export * from "./riggedGaussians.js";
export * from "../headPose.js";
