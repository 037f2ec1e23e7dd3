import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";

/** Name of the full-screen-triangle vertex shader shared by the GEM reconstruction passes. */
export const gemFullscreenVertexShaderName = "gemFullscreen";

/** Passes clip-space positions through: the passes draw one triangle covering the target. */
export const gemFullscreenVertexShader = /* glsl */ `precision highp float;
attribute vec3 position;
void main(void) {
    gl_Position = vec4(position.xy, 0.0, 1.0);
}
`;

ShaderStore.ShadersStore[`${gemFullscreenVertexShaderName}VertexShader`] ??= gemFullscreenVertexShader;
