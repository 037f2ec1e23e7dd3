import "@babylonjs/core/Shaders/ShadersInclude/bonesDeclaration.js";
import "@babylonjs/core/Shaders/ShadersInclude/bonesVertex.js";
import "@babylonjs/core/Shaders/ShadersInclude/morphTargetsVertexGlobalDeclaration.js";
import "@babylonjs/core/Shaders/ShadersInclude/morphTargetsVertexDeclaration.js";
import "@babylonjs/core/Shaders/ShadersInclude/morphTargetsVertexGlobal.js";
import "@babylonjs/core/Shaders/ShadersInclude/morphTargetsVertex.js";
import "@babylonjs/core/Shaders/ShadersInclude/bakedVertexAnimationDeclaration.js";
import "@babylonjs/core/Shaders/ShadersInclude/bakedVertexAnimation.js";
import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";

/** Name of the shaders that write each vertex's deformed position into one texel of a float target. */
export const meshVertexCaptureShaderName = "meshVertexCapture";

/**
 * Draws every vertex as a point at texel (id % width, id / width), carrying its position after Babylon's own morph
 * targets and skinning (the includes the standard material uses), in the mesh's local space when `world` is identity.
 */
export const meshVertexCaptureVertexShader = /* glsl */ `precision highp float;
attribute vec3 position;
#include<bonesDeclaration>
#include<bakedVertexAnimationDeclaration>
#include<morphTargetsVertexGlobalDeclaration>
#include<morphTargetsVertexDeclaration>[0..maxSimultaneousMorphTargets]
uniform mat4 world;
uniform vec2 targetSize;
varying vec3 vCaptured;
void main(void) {
    vec3 positionUpdated = position;
#include<morphTargetsVertexGlobal>
#include<morphTargetsVertex>[0..maxSimultaneousMorphTargets]
    mat4 finalWorld = world;
#include<bonesVertex>
    vCaptured = (finalWorld * vec4(positionUpdated, 1.0)).xyz;
    float id = float(gl_VertexID);
    vec2 texel = vec2(mod(id, targetSize.x), floor(id / targetSize.x)) + 0.5;
    gl_Position = vec4(texel / targetSize * 2.0 - 1.0, 0.0, 1.0);
    gl_PointSize = 1.0;
}
`;

/** Writes the captured position. */
export const meshVertexCaptureFragmentShader = /* glsl */ `precision highp float;
varying vec3 vCaptured;
void main(void) {
    gl_FragColor = vec4(vCaptured, 1.0);
}
`;

ShaderStore.ShadersStore[`${meshVertexCaptureShaderName}VertexShader`] ??= meshVertexCaptureVertexShader;
ShaderStore.ShadersStore[`${meshVertexCaptureShaderName}PixelShader`] ??= meshVertexCaptureFragmentShader;
