import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { gemLinearCombinationFragmentShaderName } from "../glsl/gemLinearCombination.fragment.js";

/** WGSL twin of the GLSL linear pass: mean + bias + Σ_k w_k · basis_k for every RGBA texel of one attribute group. */
export const gemLinearCombinationFragmentShaderWGSL = /* wgsl */ `var gemMean: texture_2d<f32>;
var gemBasis: texture_2d<f32>;
uniform gemWeights: array<vec4f, GEM_MAX_COMPONENTS_VEC4>;
uniform gemBias: f32;
uniform gemComponents: i32;
uniform gemRowsPerComponent: i32;
@fragment
fn main(input: FragmentInputs) -> FragmentOutputs {
    let p = vec2i(fragmentInputs.position.xy);
    var acc = textureLoad(gemMean, p, 0) + vec4f(uniforms.gemBias);
    for (var k = 0; k < GEM_MAX_COMPONENTS_VEC4 * 4; k++) {
        if (k >= uniforms.gemComponents) {
            break;
        }
        acc += uniforms.gemWeights[k >> 2u][k & 3] * textureLoad(gemBasis, vec2i(p.x, p.y + k * uniforms.gemRowsPerComponent), 0);
    }
    fragmentOutputs.color = acc;
}
`;

ShaderStore.ShadersStoreWGSL[`${gemLinearCombinationFragmentShaderName}PixelShader`] ??= gemLinearCombinationFragmentShaderWGSL;
