import "@babylonjs/core/ShadersWGSL/ShadersInclude/bonesDeclaration.js";
import "@babylonjs/core/ShadersWGSL/ShadersInclude/bonesVertex.js";
import "@babylonjs/core/ShadersWGSL/ShadersInclude/morphTargetsVertexGlobalDeclaration.js";
import "@babylonjs/core/ShadersWGSL/ShadersInclude/morphTargetsVertexDeclaration.js";
import "@babylonjs/core/ShadersWGSL/ShadersInclude/morphTargetsVertexGlobal.js";
import "@babylonjs/core/ShadersWGSL/ShadersInclude/morphTargetsVertex.js";
import "@babylonjs/core/ShadersWGSL/ShadersInclude/bakedVertexAnimationDeclaration.js";
import "@babylonjs/core/ShadersWGSL/ShadersInclude/bakedVertexAnimation.js";
import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { meshVertexCaptureShaderName } from "../glsl/meshVertexCapture.js";

/** WGSL twin of the GLSL vertex capture: each vertex, after Babylon's morph targets and skinning, as one texel. */
export const meshVertexCaptureVertexShaderWGSL = /* wgsl */ `attribute position: vec3f;
#include<bonesDeclaration>
#include<bakedVertexAnimationDeclaration>
#include<morphTargetsVertexGlobalDeclaration>
#include<morphTargetsVertexDeclaration>[0..maxSimultaneousMorphTargets]
uniform world: mat4x4f;
uniform targetSize: vec2f;
varying vCaptured: vec3f;
@vertex
fn main(input: VertexInputs) -> FragmentInputs {
    var positionUpdated: vec3f = vertexInputs.position;
#include<morphTargetsVertexGlobal>
#include<morphTargetsVertex>[0..maxSimultaneousMorphTargets]
    var finalWorld: mat4x4f = uniforms.world;
#include<bonesVertex>
    vertexOutputs.vCaptured = (finalWorld * vec4f(positionUpdated, 1.0)).xyz;
    let id = f32(vertexInputs.vertexIndex);
    let texel = vec2f(id % uniforms.targetSize.x, floor(id / uniforms.targetSize.x)) + 0.5;
    vertexOutputs.position = vec4f(texel / uniforms.targetSize * 2.0 - 1.0, 0.0, 1.0);
}
`;

/** Writes the captured position. */
export const meshVertexCaptureFragmentShaderWGSL = /* wgsl */ `varying vCaptured: vec3f;
@fragment
fn main(input: FragmentInputs) -> FragmentOutputs {
    fragmentOutputs.color = vec4f(fragmentInputs.vCaptured, 1.0);
}
`;

ShaderStore.ShadersStoreWGSL[`${meshVertexCaptureShaderName}VertexShader`] ??= meshVertexCaptureVertexShaderWGSL;
ShaderStore.ShadersStoreWGSL[`${meshVertexCaptureShaderName}PixelShader`] ??= meshVertexCaptureFragmentShaderWGSL;
