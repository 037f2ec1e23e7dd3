import type { Material } from "@babylonjs/core/Materials/material.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { Vector3, type Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { GaussianSplattingMesh } from "@babylonjs/core/Meshes/GaussianSplatting/gaussianSplattingMesh.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { GemAvatar } from "./GemAvatar.js";
import type { GemGaussians } from "../core/gemReconstruction.js";
import { packSplatRows } from "../core/splatRows.js";

/**
 * A Gaussian-splatting mesh whose splat data textures are written on the GPU by a GEM reconstruction pass, and whose
 * depth sort uses the deformed centres rather than the rest pose. It renders with Babylon's own splat pipeline
 * (default material, node materials, depth and shadow passes).
 *
 * The class name stays `GaussianSplattingMesh` on purpose: Babylon's splat code paths test for it.
 */
export class GemSplatMesh extends GaussianSplattingMesh {
    /** The avatar driving this mesh, if any. */
    public gemAvatar: GemAvatar | null = null;
    /**
     * Margin added around the centres' box: splats reach past their centres, and a box of zero size (splats on a
     * line) would be culled.
     */
    public boundsPadding = 0.01;
    private _sortPositions: Float32Array | null = null;
    private _gaussianCount = 0;
    private readonly _createdMaterial: Material | null;

    /**
     * Creates an empty mesh; {@link attachSplatTextures} gives it data.
     * @param name mesh name
     * @param scene the scene
     */
    constructor(name: string, scene: Scene) {
        super(name, null, scene, false);
        this._createdMaterial = this.material;
    }

    /**
     * Disposes the mesh and the splat material it created for itself. Babylon's splat material also builds a
     * shadow-depth wrapper around a material of its own and leaves both behind on dispose; they go with it.
     * @param doNotRecurse keep children
     */
    public override dispose(doNotRecurse?: boolean): void {
        super.dispose(doNotRecurse);
        const material = this._createdMaterial;
        if (material) {
            const wrapper = material.shadowDepthWrapper;
            material.dispose();
            wrapper?.baseMaterial.dispose();
            wrapper?.dispose();
        }
    }

    /** Number of Gaussians drawn (without Babylon's padding to a multiple of 16). */
    public get gaussianCount(): number {
        return this._gaussianCount;
    }

    /**
     * Points the mesh at externally rendered splat data textures.
     * @param textures centres (RGBA32F, w = 1), covariance A and B (full Σ), colours (RGBA8)
     * @param positions the centres on the CPU (xyz per Gaussian) for depth sorting and bounds
     */
    public attachSplatTextures(textures: readonly [BaseTexture, BaseTexture, BaseTexture, BaseTexture], positions: Float32Array): void {
        const count = positions.length / 3;
        this._gaussianCount = count;
        this._sortPositions = new Float32Array(count * 4);
        this._copyPositions(positions);
        this._setExternalWorkBuffer(textures[0], textures[1], textures[2], textures[3], this._sortPositions, count);
        this._updateBounds(positions);
    }

    /**
     * Replaces the centres used by the depth sort (the deformed positions) and requests a new sort.
     * @param positions xyz per Gaussian
     */
    public updateSortPositions(positions: Float32Array): void {
        if (!this._sortPositions || positions.length !== this._gaussianCount * 3) {
            throw new RangeError(`GemSplatMesh.updateSortPositions: expected ${this._gaussianCount * 3} values, got ${positions.length}`);
        }
        this._copyPositions(positions);
        this._updateBounds(positions);
        if (this.disableDepthSort) {
            return;
        }
        this._postWorkerPositionsRange(0, this._gaussianCount);
        this._postToWorker(true);
    }

    /**
     * Writes part of the centres used by the depth sort (one avatar's band of a crowd), transformed by a matrix, and
     * posts that range to the sort worker. Call {@link requestSort} once after all ranges of a frame.
     * @param offset first splat of the range
     * @param positions xyz per splat, in the avatar's model space
     * @param matrix model-to-mesh transform (the avatar's placement)
     */
    public updateSortPositionsRange(offset: number, positions: Float32Array, matrix: Matrix | null): void {
        const count = positions.length / 3;
        const target = this._sortPositions;
        if (!target || offset < 0 || offset + count > this._gaussianCount) {
            throw new RangeError(`GemSplatMesh.updateSortPositionsRange: ${count} splats at ${offset} do not fit in ${this._gaussianCount}`);
        }
        const m = matrix?.m;
        for (let i = 0; i < count; i++) {
            const x = positions[3 * i];
            const y = positions[3 * i + 1];
            const z = positions[3 * i + 2];
            const o = 4 * (offset + i);
            if (m) {
                target[o] = m[0] * x + m[4] * y + m[8] * z + m[12];
                target[o + 1] = m[1] * x + m[5] * y + m[9] * z + m[13];
                target[o + 2] = m[2] * x + m[6] * y + m[10] * z + m[14];
            } else {
                target[o] = x;
                target[o + 1] = y;
                target[o + 2] = z;
            }
            target[o + 3] = 1;
        }
        if (!this.disableDepthSort) {
            this._postWorkerPositionsRange(offset, count);
        }
    }

    /** Asks the sort worker for a new order (after {@link updateSortPositionsRange}). */
    public requestSort(): void {
        if (!this.disableDepthSort && this._sortPositions) {
            this._postToWorker(true);
        }
    }

    /**
     * Recomputes the bounding box from the sort centres of some ranges (the splats in use).
     * @param ranges first splat and count of each range
     */
    public updateBoundsFromRanges(ranges: readonly { offset: number; count: number }[]): void {
        const target = this._sortPositions;
        const min = new Vector3(Infinity, Infinity, Infinity);
        const max = new Vector3(-Infinity, -Infinity, -Infinity);
        for (const { offset, count } of ranges) {
            for (let i = offset; i < offset + count; i++) {
                min.minimizeInPlaceFromFloats(target![4 * i], target![4 * i + 1], target![4 * i + 2]);
                max.maximizeInPlaceFromFloats(target![4 * i], target![4 * i + 1], target![4 * i + 2]);
            }
        }
        if (min.x > max.x) {
            min.setAll(0);
            max.setAll(0);
        }
        min.subtractFromFloatsToRef(this.boundsPadding, this.boundsPadding, this.boundsPadding, min);
        max.addInPlaceFromFloats(this.boundsPadding, this.boundsPadding, this.boundsPadding);
        this.getBoundingInfo().reConstruct(min, max, this.getWorldMatrix());
    }

    /**
     * CPU fallback (engines without multiple float render targets): uploads reconstructed Gaussians through Babylon's
     * own `updateData`, in its 32-byte `.splat` layout (8-bit colour and rotation), which also sorts on these centres.
     * @param gaussians reconstructed Gaussians
     */
    public updateFromGaussians(gaussians: GemGaussians): void {
        const buffer = packSplatRows(gaussians);
        this._gaussianCount = gaussians.count;
        // updateData flips y unless told otherwise (a convention of .splat files); our data is already y-up.
        this.updateData(buffer, undefined, { flipY: false });
    }

    private _copyPositions(positions: Float32Array): void {
        const target = this._sortPositions!;
        const count = this._gaussianCount;
        for (let i = 0; i < count; i++) {
            target[4 * i] = positions[3 * i];
            target[4 * i + 1] = positions[3 * i + 1];
            target[4 * i + 2] = positions[3 * i + 2];
            target[4 * i + 3] = 1;
        }
    }

    private _updateBounds(positions: Float32Array): void {
        const min = new Vector3(Infinity, Infinity, Infinity);
        const max = new Vector3(-Infinity, -Infinity, -Infinity);
        for (let i = 0; i < positions.length; i += 3) {
            min.minimizeInPlaceFromFloats(positions[i], positions[i + 1], positions[i + 2]);
            max.maximizeInPlaceFromFloats(positions[i], positions[i + 1], positions[i + 2]);
        }
        min.subtractFromFloatsToRef(this.boundsPadding, this.boundsPadding, this.boundsPadding, min);
        max.addInPlaceFromFloats(this.boundsPadding, this.boundsPadding, this.boundsPadding);
        this.getBoundingInfo().reConstruct(min, max, this.getWorldMatrix());
    }
}
