import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { gemBandVertexShaderName } from "../glsl/gemBand.vertex.js";

/**
 * WGSL twin of the GLSL band vertex shader. (WebGPU's framebuffer rows grow downwards from clip y = +1, WebGL's
 * upwards from -1; Babylon's WGSL vertex epilogue flips y when drawing into a texture, so the same clip range covers
 * the same stored rows on both.)
 */
export const gemBandVertexShaderWGSL = /* wgsl */ `attribute position: vec2f;
uniform gemBandClip: vec2f;
@vertex
fn main(input: VertexInputs) -> FragmentInputs {
    let y = uniforms.gemBandClip.x + (vertexInputs.position.y + 1.0) * 0.5 * (uniforms.gemBandClip.y - uniforms.gemBandClip.x);
    vertexOutputs.position = vec4f(vertexInputs.position.x, y, 0.0, 1.0);
}
`;

ShaderStore.ShadersStoreWGSL[`${gemBandVertexShaderName}VertexShader`] ??= gemBandVertexShaderWGSL;
