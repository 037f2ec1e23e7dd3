import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";

/** Name of the vertex shader that squeezes the full-screen triangle onto a band of rows. */
export const gemBandVertexShaderName = "gemBand";

/**
 * Maps the full-screen triangle's y from [-1, 1] to [gemBandClip.x, gemBandClip.y] (clip space), so an avatar's
 * assembly pass into a crowd's shared target rasterises its own rows (plus at most as many again above them, which
 * the fragment shader discards) instead of the whole target.
 */
export const gemBandVertexShader = /* glsl */ `precision highp float;
attribute vec3 position;
uniform vec2 gemBandClip;
void main(void) {
    float y = gemBandClip.x + (position.y + 1.0) * 0.5 * (gemBandClip.y - gemBandClip.x);
    gl_Position = vec4(position.x, y, 0.0, 1.0);
}
`;

ShaderStore.ShadersStore[`${gemBandVertexShaderName}VertexShader`] ??= gemBandVertexShader;
