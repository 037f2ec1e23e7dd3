import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { gemFullscreenVertexShaderName } from "../glsl/gemFullscreen.vertex.js";

/** WGSL twin of the GLSL full-screen vertex shader: clip-space positions of the pass quad, passed through. */
export const gemFullscreenVertexShaderWGSL = /* wgsl */ `attribute position: vec2f;
@vertex
fn main(input: VertexInputs) -> FragmentInputs {
    vertexOutputs.position = vec4f(vertexInputs.position, 0.0, 1.0);
}
`;

ShaderStore.ShadersStoreWGSL[`${gemFullscreenVertexShaderName}VertexShader`] ??= gemFullscreenVertexShaderWGSL;
