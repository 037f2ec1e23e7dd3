import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import "./gemAttributeFunctions.js";

/** Name of the pass that turns reconstructed attributes into Babylon's four splat data textures. */
export const gemSplatAssemblyFragmentShaderName = "gemSplatAssembly";

/**
 * One fragment per Gaussian: reads its reconstructed attributes (after the linear pass), applies the activations
 * (GEM_ACTIVATION_* defines) and writes centre, covariance and colour in the layout of Babylon's splat textures.
 * Covariances are stored divided by their largest element, which goes to centre.w (Babylon's convention).
 * Texels past the last Gaussian are written as zeros: the sort's padding index reads one of them.
 * A crowd draws each avatar into its own band of rows of one shared target (gemRowOffset, gemBandRows), with the
 * avatar's transform baked in (gemWorld); fragments outside the band are discarded.
 */
export const gemSplatAssemblyFragmentShader = /* glsl */ `precision highp float;
precision highp int;
uniform sampler2D gemPositionValues;
uniform sampler2D gemOpacityValues;
uniform sampler2D gemScaleValues;
uniform sampler2D gemRotationValues;
uniform sampler2D gemColorValues;
uniform int gemAttributeWidth;
uniform int gemSplatWidth;
uniform int gemGaussianCount;
uniform int gemRowOffset;
uniform int gemBandRows;
uniform mat4 gemWorld;
layout(location = 0) out vec4 glFragData[4];
#include<gemAttributeFunctions>
void main(void) {
    ivec2 p = ivec2(gl_FragCoord.xy);
    int row = p.y - gemRowOffset;
    if (row < 0 || row >= gemBandRows) {
        discard;
    }
    int i = row * gemSplatWidth + p.x;
    if (i >= gemGaussianCount) {
        glFragData[0] = vec4(0.0);
        glFragData[1] = vec4(0.0);
        glFragData[2] = vec4(0.0);
        glFragData[3] = vec4(0.0);
        return;
    }
    vec3 position = gemActivate3(gemFetch3(gemPositionValues, i, gemAttributeWidth, 0), GEM_ACTIVATION_POSITION);
    float opacity = gemActivate1(gemFetch1(gemOpacityValues, i, gemAttributeWidth, 0), GEM_ACTIVATION_OPACITY);
    vec3 scale = gemActivate3(gemFetch3(gemScaleValues, i, gemAttributeWidth, 0), GEM_ACTIVATION_SCALE);
    vec4 rotation = gemActivate4(gemFetch4(gemRotationValues, i, gemAttributeWidth, 0), GEM_ACTIVATION_ROTATION);
    vec3 color = gemActivate3(gemFetch3(gemColorValues, i, gemAttributeWidth, 0), GEM_ACTIVATION_COLOR);
    gemSplatTexelsTransformed(gemWorld, position, scale, rotation, vec4(color, opacity), glFragData[0], glFragData[1], glFragData[2], glFragData[3]);
}
`;

ShaderStore.ShadersStore[`${gemSplatAssemblyFragmentShaderName}PixelShader`] ??= gemSplatAssemblyFragmentShader;
