import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { riggedGaussianAssemblyFragmentShaderName } from "../glsl/riggedGaussianAssembly.fragment.js";
import "./gemAttributeFunctions.js";

/** WGSL twin of the GLSL rigged-Gaussian assembly: each Gaussian placed on its deformed parent face. */
export const riggedGaussianAssemblyFragmentShaderWGSL = /* wgsl */ `var riggedVertices: texture_2d<f32>;
var riggedFaces: texture_2d<f32>;
var riggedPositionOpacity: texture_2d<f32>;
var riggedScaleBinding: texture_2d<f32>;
var riggedRotation: texture_2d<f32>;
var riggedColor: texture_2d<f32>;
uniform riggedVertexWidth: i32;
uniform riggedFaceWidth: i32;
uniform riggedWidth: i32;
uniform riggedCount: i32;
uniform riggedSplatWidth: i32;
#include<gemAttributeFunctions>
fn riggedQuaternion(m: mat3x3f) -> vec4f {
    let trace = m[0][0] + m[1][1] + m[2][2];
    var q: vec4f;
    if (trace > 0.0) {
        let s = sqrt(trace + 1.0) * 2.0;
        q = vec4f(0.25 * s, (m[1][2] - m[2][1]) / s, (m[2][0] - m[0][2]) / s, (m[0][1] - m[1][0]) / s);
    } else if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
        let s = sqrt(1.0 + m[0][0] - m[1][1] - m[2][2]) * 2.0;
        q = vec4f((m[1][2] - m[2][1]) / s, 0.25 * s, (m[1][0] + m[0][1]) / s, (m[2][0] + m[0][2]) / s);
    } else if (m[1][1] > m[2][2]) {
        let s = sqrt(1.0 + m[1][1] - m[0][0] - m[2][2]) * 2.0;
        q = vec4f((m[2][0] - m[0][2]) / s, (m[1][0] + m[0][1]) / s, 0.25 * s, (m[2][1] + m[1][2]) / s);
    } else {
        let s = sqrt(1.0 + m[2][2] - m[0][0] - m[1][1]) * 2.0;
        q = vec4f((m[0][1] - m[1][0]) / s, (m[2][0] + m[0][2]) / s, (m[2][1] + m[1][2]) / s, 0.25 * s);
    }
    return select(q, -q, q.x < 0.0);
}
fn riggedMultiply(a: vec4f, b: vec4f) -> vec4f {
    return vec4f(a.x * b.x - dot(a.yzw, b.yzw), a.x * b.yzw + b.x * a.yzw + cross(a.yzw, b.yzw));
}
@fragment
fn main(input: FragmentInputs) -> FragmentOutputs {
    let p = vec2i(fragmentInputs.position.xy);
    let i = p.y * uniforms.riggedSplatWidth + p.x;
    if (i >= uniforms.riggedCount) {
        fragmentOutputs.fragData0 = vec4f(0.0);
        fragmentOutputs.fragData1 = vec4f(0.0);
        fragmentOutputs.fragData2 = vec4f(0.0);
        fragmentOutputs.fragData3 = vec4f(0.0);
        return fragmentOutputs;
    }
    let positionOpacity = gemTexel(riggedPositionOpacity, i, uniforms.riggedWidth);
    let scaleBinding = gemTexel(riggedScaleBinding, i, uniforms.riggedWidth);
    let localRotation = gemTexel(riggedRotation, i, uniforms.riggedWidth);
    let dc = gemTexel(riggedColor, i, uniforms.riggedWidth).xyz;
    let face = gemTexel(riggedFaces, i32(scaleBinding.w + 0.5), uniforms.riggedFaceWidth).xyz;
    let v0 = gemTexel(riggedVertices, i32(face.x + 0.5), uniforms.riggedVertexWidth).xyz;
    let v1 = gemTexel(riggedVertices, i32(face.y + 0.5), uniforms.riggedVertexWidth).xyz;
    let v2 = gemTexel(riggedVertices, i32(face.z + 0.5), uniforms.riggedVertexWidth).xyz;
    let a0 = normalize(v1 - v0);
    let a1 = normalize(cross(a0, v2 - v0));
    let a2 = -normalize(cross(a1, a0));
    let R = mat3x3f(a0, a1, a2);
    let k = (length(v1 - v0) + abs(dot(a2, v2 - v0))) * 0.5;
    let position = k * (R * positionOpacity.xyz) + (v0 + v1 + v2) / 3.0;
    let scale = exp(scaleBinding.xyz) * k;
    let q = riggedMultiply(riggedQuaternion(R), normalize(localRotation));
    let opacity = 1.0 / (1.0 + exp(-positionOpacity.w));
    let color = 0.5 + 0.28209479177387814 * dc;
    let identity = mat4x4f(1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0);
    let texels = gemSplatTexelsTransformed(identity, position, scale, q, vec4f(color, opacity));
    fragmentOutputs.fragData0 = texels[0];
    fragmentOutputs.fragData1 = texels[1];
    fragmentOutputs.fragData2 = texels[2];
    fragmentOutputs.fragData3 = texels[3];
}
`;

ShaderStore.ShadersStoreWGSL[`${riggedGaussianAssemblyFragmentShaderName}PixelShader`] ??= riggedGaussianAssemblyFragmentShaderWGSL;
