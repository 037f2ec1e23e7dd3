import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { gemActivationDefines } from "../../gemActivationCodes.js";

/** Name of the GLSL include with the GEM attribute fetches, activations and covariance. */
export const gemAttributeFunctionsIncludeName = "gemAttributeFunctions";

/**
 * Attribute arrays are stored flat (element e = gaussian * channels + channel), four elements per RGBA texel,
 * `width` texels per row; `texelOffset` selects a component's block inside a basis texture.
 * Activation codes are the `GEM_ACTIVATION_*` defines emitted from `GemActivationCodes`.
 */
export const gemAttributeFunctions = /* glsl */ `
#ifndef GEM_ACTIVATION_NONE
${gemActivationDefines}
#endif
vec4 gemTexel(sampler2D tex, int texel, int width) {
    return texelFetch(tex, ivec2(texel % width, texel / width), 0);
}
float gemLane(vec4 v, int lane) {
    return lane == 0 ? v.x : (lane == 1 ? v.y : (lane == 2 ? v.z : v.w));
}
float gemFetch1(sampler2D tex, int index, int width, int texelOffset) {
    return gemLane(gemTexel(tex, texelOffset + (index >> 2), width), index & 3);
}
vec3 gemFetch3(sampler2D tex, int index, int width, int texelOffset) {
    int e = index * 3;
    int t = texelOffset + (e >> 2);
    vec4 a = gemTexel(tex, t, width);
    int lane = e & 3;
    if (lane == 0) { return a.xyz; }
    if (lane == 1) { return a.yzw; }
    vec4 b = gemTexel(tex, t + 1, width);
    return lane == 2 ? vec3(a.zw, b.x) : vec3(a.w, b.xy);
}
vec4 gemFetch4(sampler2D tex, int index, int width, int texelOffset) {
    return gemTexel(tex, texelOffset + index, width);
}
float gemActivate1(float x, int mode) {
    if (mode == GEM_ACTIVATION_EXP) { return exp(x); }
    if (mode == GEM_ACTIVATION_SIGMOID) { return 1.0 / (1.0 + exp(-x)); }
    return x;
}
vec3 gemActivate3(vec3 x, int mode) {
    if (mode == GEM_ACTIVATION_EXP) { return exp(x); }
    if (mode == GEM_ACTIVATION_SIGMOID) { return vec3(1.0) / (vec3(1.0) + exp(-x)); }
    if (mode == GEM_ACTIVATION_NORMALIZE) { float n = length(x); return n > 0.0 ? x / n : vec3(1.0, 0.0, 0.0); }
    return x;
}
vec4 gemActivate4(vec4 x, int mode) {
    if (mode == GEM_ACTIVATION_EXP) { return exp(x); }
    if (mode == GEM_ACTIVATION_SIGMOID) { return vec4(1.0) / (vec4(1.0) + exp(-x)); }
    if (mode == GEM_ACTIVATION_NORMALIZE) { float n = length(x); return n > 0.0 ? x / n : vec4(1.0, 0.0, 0.0, 0.0); }
    return x;
}
// Babylon's splat covariance: Sigma = L R diag(2s)^2 R^T L^T for the quaternion q = (w, x, y, z), where L is the
// linear part of a transform baked into the splat (identity for an avatar drawn with its own mesh's world matrix).
void gemCovarianceTransformed(mat3 L, vec3 s, vec4 q, out vec4 covA, out vec4 covB) {
    float n = length(q);
    q = n > 0.0 ? q / n : vec4(1.0, 0.0, 0.0, 0.0);
    float w = q.x; float x = q.y; float y = q.z; float z = q.w;
    mat3 R = mat3(
        1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y),
        2.0 * (x * y - w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z + w * x),
        2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y));
    mat3 M = L * R * mat3(2.0 * s.x, 0.0, 0.0, 0.0, 2.0 * s.y, 0.0, 0.0, 0.0, 2.0 * s.z);
    mat3 S = M * transpose(M);
    covA = vec4(S[0][0], S[0][1], S[0][2], S[1][1]);
    covB = vec4(S[1][2], S[2][2], 0.0, 0.0);
}
void gemCovariance(vec3 s, vec4 q, out vec4 covA, out vec4 covB) {
    gemCovarianceTransformed(mat3(1.0), s, q, covA, covB);
}
// The four texels of one splat in Babylon's data textures. Half-float covariance loses tiny splats (4s^2 falls into
// float16 subnormals), so it is stored divided by its largest element, kept in centre.w, which Babylon's readSplat
// multiplies back (as its own CPU path does).
void gemSplatTexelsTransformed(mat4 world, vec3 position, vec3 scale, vec4 rotation, vec4 rgba, out vec4 center, out vec4 covA, out vec4 covB, out vec4 color) {
    gemCovarianceTransformed(mat3(world), scale, rotation, covA, covB);
    position = (world * vec4(position, 1.0)).xyz;
    float covScale = max(max(max(abs(covA.x), abs(covA.y)), max(abs(covA.z), abs(covA.w))), max(abs(covB.x), abs(covB.y)));
    covScale = covScale > 0.0 ? covScale : 1.0;
    center = vec4(position, covScale);
    covA /= covScale;
    covB /= covScale;
    color = clamp(rgba, 0.0, 1.0);
}
void gemSplatTexels(vec3 position, vec3 scale, vec4 rotation, vec4 rgba, out vec4 center, out vec4 covA, out vec4 covB, out vec4 color) {
    gemSplatTexelsTransformed(mat4(1.0), position, scale, rotation, rgba, center, covA, covB, color);
}
`;

ShaderStore.IncludesShadersStore[gemAttributeFunctionsIncludeName] ??= gemAttributeFunctions;
