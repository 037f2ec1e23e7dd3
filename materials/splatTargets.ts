/**
 * Render targets shared by the passes that write Babylon's splat data textures (GEM reconstruction, FLAME-rigged
 * Gaussians): a full-screen triangle and the four-attachment splat-data target.
 */
import { Constants } from "@babylonjs/core/Engines/constants.js";
import "@babylonjs/core/Engines/Extensions/engine.multiRender.js";
import { MultiRenderTarget } from "@babylonjs/core/Materials/Textures/multiRenderTarget.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import type { Scene } from "@babylonjs/core/scene.js";

/**
 * A triangle covering the whole target, kept out of the scene (drawn only into pass targets).
 * @param scene the scene
 * @param name mesh name
 * @returns the mesh
 */
export function createFullscreenTriangle(scene: Scene, name: string): Mesh {
    const quad = new Mesh(name, scene);
    const data = new VertexData();
    data.positions = [-1, -1, 0, 3, -1, 0, -1, 3, 0];
    data.indices = [0, 1, 2];
    data.applyToMesh(quad);
    scene.removeMesh(quad);
    quad.doNotSyncBoundingInfo = true;
    return quad;
}

/**
 * The splat-data target in Babylon's layout: centres RGBA32F (w = covariance scale), covariance A and B RGBA16F
 * (normalised), colours RGBA8.
 * @param scene the scene
 * @param size width and height
 * @param name resource name prefix
 * @returns the multi-render target
 */
export function createSplatDataTarget(scene: Scene, size: { width: number; height: number }, name: string): MultiRenderTarget {
    const covarianceType = scene.getEngine().getCaps().textureHalfFloatRender ? Constants.TEXTURETYPE_HALF_FLOAT : Constants.TEXTURETYPE_FLOAT;
    const nearest = Constants.TEXTURE_NEAREST_SAMPLINGMODE;
    const target = new MultiRenderTarget(
        `${name}.splatData`,
        size,
        4,
        scene,
        {
            types: [Constants.TEXTURETYPE_FLOAT, covarianceType, covarianceType, Constants.TEXTURETYPE_UNSIGNED_BYTE],
            samplingModes: [nearest, nearest, nearest, nearest],
            formats: [Constants.TEXTUREFORMAT_RGBA, Constants.TEXTUREFORMAT_RGBA, Constants.TEXTUREFORMAT_RGBA, Constants.TEXTUREFORMAT_RGBA],
            generateDepthBuffer: false,
            generateDepthTexture: false,
            generateMipMaps: false,
            doNotChangeAspectRatio: true,
        },
        [`${name}.centers`, `${name}.covariancesA`, `${name}.covariancesB`, `${name}.colors`]
    );
    target.clearColor = new Color4(0, 0, 0, 0);
    target.ignoreCameraViewport = true;
    return target;
}
