/**
 * Reads GPU-skinned, GPU-morphed vertex positions back: every vertex is drawn as one point at pixel (id % W, id / W)
 * of a float target, carrying its world position through Babylon's own morph-target and bone shader includes.
 */
import "@babylonjs/core/Shaders/ShadersInclude/bonesDeclaration";
import "@babylonjs/core/Shaders/ShadersInclude/bonesVertex";
import "@babylonjs/core/Shaders/ShadersInclude/morphTargetsVertexGlobalDeclaration";
import "@babylonjs/core/Shaders/ShadersInclude/morphTargetsVertexDeclaration";
import "@babylonjs/core/Shaders/ShadersInclude/morphTargetsVertexGlobal";
import "@babylonjs/core/Shaders/ShadersInclude/morphTargetsVertex";
import "@babylonjs/core/Shaders/ShadersInclude/bakedVertexAnimationDeclaration";
import "@babylonjs/core/Shaders/ShadersInclude/bakedVertexAnimation";
import { Constants } from "@babylonjs/core/Engines/constants";
import { ShaderStore } from "@babylonjs/core/Engines/shaderStore";
import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial";
import { RenderTargetTexture } from "@babylonjs/core/Materials/Textures/renderTargetTexture";
import { Color4 } from "@babylonjs/core/Maths/math.color";
import type { Mesh } from "@babylonjs/core/Meshes/mesh";
import type { Scene } from "@babylonjs/core/scene";

ShaderStore.ShadersStore["vertexReadbackVertexShader"] = `precision highp float;
attribute vec3 position;
#include<bonesDeclaration>
#include<bakedVertexAnimationDeclaration>
#include<morphTargetsVertexGlobalDeclaration>
#include<morphTargetsVertexDeclaration>[0..maxSimultaneousMorphTargets]
uniform mat4 world;
uniform vec2 targetSize;
varying vec3 vWorld;
void main(void) {
    vec3 positionUpdated = position;
#include<morphTargetsVertexGlobal>
#include<morphTargetsVertex>[0..maxSimultaneousMorphTargets]
    mat4 finalWorld = world;
#include<bonesVertex>
    vWorld = (finalWorld * vec4(positionUpdated, 1.0)).xyz;
    float id = float(gl_VertexID);
    vec2 pixel = vec2(mod(id, targetSize.x), floor(id / targetSize.x)) + 0.5;
    gl_Position = vec4(pixel / targetSize * 2.0 - 1.0, 0.0, 1.0);
    gl_PointSize = 1.0;
}
`;
ShaderStore.ShadersStore["vertexReadbackPixelShader"] = `precision highp float;
varying vec3 vWorld;
void main(void) {
    gl_FragColor = vec4(vWorld, 1.0);
}
`;

/**
 * Renders a mesh's vertices into a float target and reads them back.
 * @param scene the scene
 * @param mesh a mesh with morph targets and/or a skeleton
 * @returns xyz per vertex, as the GPU computed them
 */
export async function readGpuVertexPositions(scene: Scene, mesh: Mesh): Promise<number[]> {
    const count = mesh.getTotalVertices();
    const width = 64;
    const height = Math.ceil(count / width);
    const target = new RenderTargetTexture("vertexReadback", { width, height }, scene, { type: Constants.TEXTURETYPE_FLOAT, generateMipMaps: false, generateDepthBuffer: false, samplingMode: Constants.TEXTURE_NEAREST_SAMPLINGMODE });
    target.clearColor = new Color4(0, 0, 0, 0);
    const material = new ShaderMaterial("vertexReadback", scene, { vertex: "vertexReadback", fragment: "vertexReadback" }, { attributes: ["position"], uniforms: ["world", "targetSize"] });
    material.pointsCloud = true;
    material.backFaceCulling = false;
    material.disableDepthWrite = true;
    material.setVector2("targetSize", { x: width, y: height } as never);
    target.renderList = [mesh];
    target.setMaterialForRendering(mesh, material);
    for (let i = 0; i < 200 && !material.isReady(mesh); i++) {
        await new Promise((r) => requestAnimationFrame(r));
    }
    scene.render();
    target.render();
    const pixels = (await target.readPixels()) as Float32Array;
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
        out.push(pixels[4 * i], pixels[4 * i + 1], pixels[4 * i + 2]);
    }
    target.dispose();
    material.dispose();
    return out;
}
