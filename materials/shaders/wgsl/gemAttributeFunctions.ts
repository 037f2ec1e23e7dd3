import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { gemActivationDefines } from "../../gemActivationCodes.js";
import { gemAttributeFunctionsIncludeName } from "../glsl/gemAttributeFunctions.js";

/** WGSL twin of the GLSL include: flat-attribute fetches, activations, covariance and splat texels. */
export const gemAttributeFunctionsWGSL = /* wgsl */ `
#ifndef GEM_ACTIVATION_NONE
${gemActivationDefines}
#endif
fn gemTexel(tex: texture_2d<f32>, texel: i32, width: i32) -> vec4f {
    return textureLoad(tex, vec2i(texel % width, texel / width), 0);
}
fn gemFetch1(tex: texture_2d<f32>, index: i32, width: i32, texelOffset: i32) -> f32 {
    return gemTexel(tex, texelOffset + (index >> 2u), width)[index & 3];
}
fn gemFetch3(tex: texture_2d<f32>, index: i32, width: i32, texelOffset: i32) -> vec3f {
    let e = index * 3;
    let t = texelOffset + (e >> 2u);
    let a = gemTexel(tex, t, width);
    let lane = e & 3;
    if (lane == 0) {
        return a.xyz;
    }
    if (lane == 1) {
        return a.yzw;
    }
    let b = gemTexel(tex, t + 1, width);
    if (lane == 2) {
        return vec3f(a.zw, b.x);
    }
    return vec3f(a.w, b.xy);
}
fn gemFetch4(tex: texture_2d<f32>, index: i32, width: i32, texelOffset: i32) -> vec4f {
    return gemTexel(tex, texelOffset + index, width);
}
fn gemActivate1(x: f32, mode: i32) -> f32 {
    if (mode == GEM_ACTIVATION_EXP) {
        return exp(x);
    }
    if (mode == GEM_ACTIVATION_SIGMOID) {
        return 1.0 / (1.0 + exp(-x));
    }
    return x;
}
fn gemActivate3(x: vec3f, mode: i32) -> vec3f {
    if (mode == GEM_ACTIVATION_EXP) {
        return exp(x);
    }
    if (mode == GEM_ACTIVATION_SIGMOID) {
        return vec3f(1.0) / (vec3f(1.0) + exp(-x));
    }
    if (mode == GEM_ACTIVATION_NORMALIZE) {
        let n = length(x);
        return select(vec3f(1.0, 0.0, 0.0), x / n, n > 0.0);
    }
    return x;
}
fn gemActivate4(x: vec4f, mode: i32) -> vec4f {
    if (mode == GEM_ACTIVATION_EXP) {
        return exp(x);
    }
    if (mode == GEM_ACTIVATION_SIGMOID) {
        return vec4f(1.0) / (vec4f(1.0) + exp(-x));
    }
    if (mode == GEM_ACTIVATION_NORMALIZE) {
        let n = length(x);
        return select(vec4f(1.0, 0.0, 0.0, 0.0), x / n, n > 0.0);
    }
    return x;
}
// Babylon's splat covariance: Sigma = L R diag(2s)^2 R^T L^T for q = (w, x, y, z); L is the linear part of a
// transform baked into the splat. Returns covariance A in the first column, B in the second.
fn gemCovarianceTransformed(L: mat3x3f, s: vec3f, rotation: vec4f) -> mat2x4f {
    let n = length(rotation);
    let q = select(vec4f(1.0, 0.0, 0.0, 0.0), rotation / n, n > 0.0);
    let w = q.x;
    let x = q.y;
    let y = q.z;
    let z = q.w;
    let R = mat3x3f(
        1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y),
        2.0 * (x * y - w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z + w * x),
        2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y));
    let M = L * R * mat3x3f(2.0 * s.x, 0.0, 0.0, 0.0, 2.0 * s.y, 0.0, 0.0, 0.0, 2.0 * s.z);
    let S = M * transpose(M);
    return mat2x4f(vec4f(S[0][0], S[0][1], S[0][2], S[1][1]), vec4f(S[1][2], S[2][2], 0.0, 0.0));
}
fn gemCovariance(s: vec3f, rotation: vec4f) -> mat2x4f {
    return gemCovarianceTransformed(mat3x3f(1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0), s, rotation);
}
// The four texels of one splat in Babylon's data textures (centre, covariance A, covariance B, colour). Covariance is
// stored divided by its largest element, kept in centre.w, which Babylon's readSplat multiplies back.
fn gemSplatTexelsTransformed(world: mat4x4f, position: vec3f, scale: vec3f, rotation: vec4f, rgba: vec4f) -> mat4x4f {
    let cov = gemCovarianceTransformed(mat3x3f(world[0].xyz, world[1].xyz, world[2].xyz), scale, rotation);
    let moved = (world * vec4f(position, 1.0)).xyz;
    let a = cov[0];
    let b = cov[1];
    var covScale = max(max(max(abs(a.x), abs(a.y)), max(abs(a.z), abs(a.w))), max(abs(b.x), abs(b.y)));
    covScale = select(1.0, covScale, covScale > 0.0);
    return mat4x4f(vec4f(moved, covScale), a / covScale, b / covScale, clamp(rgba, vec4f(0.0), vec4f(1.0)));
}
`;

ShaderStore.IncludesShadersStoreWGSL[gemAttributeFunctionsIncludeName] ??= gemAttributeFunctionsWGSL;
