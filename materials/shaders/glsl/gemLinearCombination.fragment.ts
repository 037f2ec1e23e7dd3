import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";

/** Name of the pass that evaluates mean + bias + Σ_k w_k · basis_k for every texel of one attribute group. */
export const gemLinearCombinationFragmentShaderName = "gemLinearCombination";

/**
 * One fragment per RGBA texel of the flat attribute array: the output texel and its K basis texels share (x, y),
 * component k lying `k * gemRowsPerComponent` rows lower, so every basis value is fetched exactly once.
 * GEM_MAX_COMPONENTS_VEC4 sizes the weight array (set per group).
 */
export const gemLinearCombinationFragmentShader = /* glsl */ `precision highp float;
precision highp int;
uniform sampler2D gemMean;
uniform sampler2D gemBasis;
uniform vec4 gemWeights[GEM_MAX_COMPONENTS_VEC4];
uniform float gemBias;
uniform int gemComponents;
uniform int gemRowsPerComponent;
void main(void) {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec4 acc = texelFetch(gemMean, p, 0) + vec4(gemBias);
    for (int k = 0; k < GEM_MAX_COMPONENTS_VEC4 * 4; k++) {
        if (k >= gemComponents) { break; }
        acc += gemWeights[k >> 2][k & 3] * texelFetch(gemBasis, ivec2(p.x, p.y + k * gemRowsPerComponent), 0);
    }
    gl_FragColor = acc;
}
`;

ShaderStore.ShadersStore[`${gemLinearCombinationFragmentShaderName}PixelShader`] ??= gemLinearCombinationFragmentShader;
