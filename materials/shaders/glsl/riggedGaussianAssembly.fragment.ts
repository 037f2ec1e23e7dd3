import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import "./gemAttributeFunctions.js";

/** Name of the pass that places FLAME-rigged Gaussians on the deformed mesh and writes Babylon's splat textures. */
export const riggedGaussianAssemblyFragmentShaderName = "riggedGaussianAssembly";

/**
 * One fragment per Gaussian: its parent face's three deformed vertices (from the vertex capture), the face frame
 * (a0 = normalize(v1 − v0), a1 = normalize(a0 × (v2 − v0)), a2 = −normalize(a1 × a0)), scale and centre, then
 * μ = k R μ_local + c, s = exp(s_local) k, q = q(R) ⊗ normalize(q_local), sigmoid opacity, 0.5 + C0 f_dc colour.
 */
export const riggedGaussianAssemblyFragmentShader = /* glsl */ `precision highp float;
precision highp int;
uniform sampler2D riggedVertices;
uniform sampler2D riggedFaces;
uniform sampler2D riggedPositionOpacity;
uniform sampler2D riggedScaleBinding;
uniform sampler2D riggedRotation;
uniform sampler2D riggedColor;
uniform int riggedVertexWidth;
uniform int riggedFaceWidth;
uniform int riggedWidth;
uniform int riggedCount;
uniform int riggedSplatWidth;
layout(location = 0) out vec4 glFragData[4];
#include<gemAttributeFunctions>
vec4 riggedQuaternion(mat3 m) {
    float trace = m[0][0] + m[1][1] + m[2][2];
    vec4 q;
    if (trace > 0.0) {
        float s = sqrt(trace + 1.0) * 2.0;
        q = vec4(0.25 * s, (m[1][2] - m[2][1]) / s, (m[2][0] - m[0][2]) / s, (m[0][1] - m[1][0]) / s);
    } else if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
        float s = sqrt(1.0 + m[0][0] - m[1][1] - m[2][2]) * 2.0;
        q = vec4((m[1][2] - m[2][1]) / s, 0.25 * s, (m[1][0] + m[0][1]) / s, (m[2][0] + m[0][2]) / s);
    } else if (m[1][1] > m[2][2]) {
        float s = sqrt(1.0 + m[1][1] - m[0][0] - m[2][2]) * 2.0;
        q = vec4((m[2][0] - m[0][2]) / s, (m[1][0] + m[0][1]) / s, 0.25 * s, (m[2][1] + m[1][2]) / s);
    } else {
        float s = sqrt(1.0 + m[2][2] - m[0][0] - m[1][1]) * 2.0;
        q = vec4((m[0][1] - m[1][0]) / s, (m[2][0] + m[0][2]) / s, (m[2][1] + m[1][2]) / s, 0.25 * s);
    }
    return q.x < 0.0 ? -q : q;
}
vec4 riggedMultiply(vec4 a, vec4 b) {
    return vec4(a.x * b.x - dot(a.yzw, b.yzw), a.x * b.yzw + b.x * a.yzw + cross(a.yzw, b.yzw));
}
void main(void) {
    ivec2 p = ivec2(gl_FragCoord.xy);
    int i = p.y * riggedSplatWidth + p.x;
    if (i >= riggedCount) {
        glFragData[0] = vec4(0.0);
        glFragData[1] = vec4(0.0);
        glFragData[2] = vec4(0.0);
        glFragData[3] = vec4(0.0);
        return;
    }
    vec4 positionOpacity = gemTexel(riggedPositionOpacity, i, riggedWidth);
    vec4 scaleBinding = gemTexel(riggedScaleBinding, i, riggedWidth);
    vec4 localRotation = gemTexel(riggedRotation, i, riggedWidth);
    vec3 dc = gemTexel(riggedColor, i, riggedWidth).xyz;
    vec3 face = gemTexel(riggedFaces, int(scaleBinding.w + 0.5), riggedFaceWidth).xyz;
    vec3 v0 = gemTexel(riggedVertices, int(face.x + 0.5), riggedVertexWidth).xyz;
    vec3 v1 = gemTexel(riggedVertices, int(face.y + 0.5), riggedVertexWidth).xyz;
    vec3 v2 = gemTexel(riggedVertices, int(face.z + 0.5), riggedVertexWidth).xyz;
    vec3 a0 = normalize(v1 - v0);
    vec3 a1 = normalize(cross(a0, v2 - v0));
    vec3 a2 = -normalize(cross(a1, a0));
    mat3 R = mat3(a0, a1, a2);
    float k = (length(v1 - v0) + abs(dot(a2, v2 - v0))) * 0.5;
    vec3 position = k * (R * positionOpacity.xyz) + (v0 + v1 + v2) / 3.0;
    vec3 scale = exp(scaleBinding.xyz) * k;
    vec4 q = riggedMultiply(riggedQuaternion(R), normalize(localRotation));
    float opacity = 1.0 / (1.0 + exp(-positionOpacity.w));
    vec3 color = 0.5 + 0.28209479177387814 * dc;
    gemSplatTexels(position, scale, q, vec4(color, opacity), glFragData[0], glFragData[1], glFragData[2], glFragData[3]);
}
`;

ShaderStore.ShadersStore[`${riggedGaussianAssemblyFragmentShaderName}PixelShader`] ??= riggedGaussianAssemblyFragmentShader;
