/**
 * Babylon.js plugin for Gaussian head avatars: GEM eigen-models reconstructed on the GPU.
 * Importing this entry registers the `.gem`/`.ptk` and FLAME `.npz` loaders (lazily) and the node-material blocks;
 * `babylon-gem-avatars/pure` exports the same without registering anything.
 */
import "./register.js";

export * from "./pure.js";
