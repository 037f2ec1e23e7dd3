import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { gemSplatAssemblyFragmentShaderName } from "../glsl/gemSplatAssembly.fragment.js";
import "./gemAttributeFunctions.js";

/** WGSL twin of the GLSL assembly pass: one fragment per Gaussian writes its four splat texels. */
export const gemSplatAssemblyFragmentShaderWGSL = /* wgsl */ `var gemPositionValues: texture_2d<f32>;
var gemOpacityValues: texture_2d<f32>;
var gemScaleValues: texture_2d<f32>;
var gemRotationValues: texture_2d<f32>;
var gemColorValues: texture_2d<f32>;
uniform gemAttributeWidth: i32;
uniform gemSplatWidth: i32;
uniform gemGaussianCount: i32;
uniform gemRowOffset: i32;
uniform gemBandRows: i32;
uniform gemWorld: mat4x4f;
#include<gemAttributeFunctions>
@fragment
fn main(input: FragmentInputs) -> FragmentOutputs {
    let p = vec2i(fragmentInputs.position.xy);
    let row = p.y - uniforms.gemRowOffset;
    if (row < 0 || row >= uniforms.gemBandRows) {
        discard;
    }
    let i = row * uniforms.gemSplatWidth + p.x;
    if (i >= uniforms.gemGaussianCount) {
        fragmentOutputs.fragData0 = vec4f(0.0);
        fragmentOutputs.fragData1 = vec4f(0.0);
        fragmentOutputs.fragData2 = vec4f(0.0);
        fragmentOutputs.fragData3 = vec4f(0.0);
        return fragmentOutputs;
    }
    let width = uniforms.gemAttributeWidth;
    let position = gemActivate3(gemFetch3(gemPositionValues, i, width, 0), GEM_ACTIVATION_POSITION);
    let opacity = gemActivate1(gemFetch1(gemOpacityValues, i, width, 0), GEM_ACTIVATION_OPACITY);
    let scale = gemActivate3(gemFetch3(gemScaleValues, i, width, 0), GEM_ACTIVATION_SCALE);
    let rotation = gemActivate4(gemFetch4(gemRotationValues, i, width, 0), GEM_ACTIVATION_ROTATION);
    let color = gemActivate3(gemFetch3(gemColorValues, i, width, 0), GEM_ACTIVATION_COLOR);
    let texels = gemSplatTexelsTransformed(uniforms.gemWorld, position, scale, rotation, vec4f(color, opacity));
    fragmentOutputs.fragData0 = texels[0];
    fragmentOutputs.fragData1 = texels[1];
    fragmentOutputs.fragData2 = texels[2];
    fragmentOutputs.fragData3 = texels[3];
}
`;

ShaderStore.ShadersStoreWGSL[`${gemSplatAssemblyFragmentShaderName}PixelShader`] ??= gemSplatAssemblyFragmentShaderWGSL;
