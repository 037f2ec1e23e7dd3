import type { Material } from "@babylonjs/core/Materials/material.js";
import type { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { Vector3, type Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { GaussianSplattingMesh } from "@babylonjs/core/Meshes/GaussianSplatting/gaussianSplattingMesh.js";
import { GaussianSplattingSortWorker, GaussianSplattingSortWorkerCommand } from "@babylonjs/core/Meshes/GaussianSplatting/gaussianSplattingSortWorker.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { GemAvatar } from "./GemAvatar.js";
import { captureGemAvatarState } from "./gemAvatarState.js";
import { writeSplatTextures, type GemGaussians } from "../core/gemReconstruction.js";
import { Constants } from "@babylonjs/core/Engines/constants.js";
import { VertexBuffer } from "@babylonjs/core/Buffers/buffer.js";
import type { FloatArray } from "@babylonjs/core/types.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import { computeSplatTextureSize } from "../materials/gemTextureLayout.js";

/** Message that gives the extended sort worker the port it hands positions buffers back through. */
const PositionsPortCommand = "gemPositionsPort";

/**
 * Appended to Babylon's sort worker body: after the worker has copied a range of positions into its own array, the
 * buffer goes back to the main thread (transferred, not copied) through a port of its own, to be filled again next
 * frame. Babylon's handler sees every other message unchanged.
 */
const PositionsReturnShim = `;(function (self) {
    const sort = self.onmessage;
    let port = null;
    self.onmessage = function (e) {
        const data = e.data;
        if (data.command === "${PositionsPortCommand}") {
            port = data.port;
            return;
        }
        sort(e);
        if (port && data.command === "${GaussianSplattingSortWorkerCommand.POSITIONS_UPDATE}" && data.recycle) {
            port.postMessage(data.data, [data.data.buffer]);
        }
    };
})(self);`;

let sortWorkerUrl: string | null = null;

/** One object URL for every mesh's extended sort worker (created once, kept for the page's life like Babylon's). */
function getSortWorkerUrl(): string {
    sortWorkerUrl ??= URL.createObjectURL(new Blob(["(", GaussianSplattingSortWorker.toString(), ")(self)", PositionsReturnShim], { type: "application/javascript" }));
    return sortWorkerUrl;
}

/**
 * A Gaussian-splatting mesh whose splat data textures are written on the GPU by a GEM reconstruction pass, and whose
 * depth sort uses the deformed centres rather than the rest pose. It renders with Babylon's own splat pipeline
 * (default material, node materials, depth and shadow passes).
 *
 * Babylon (9.35 and later) recognises splat meshes by `_isGaussianSplatting`, which every GaussianSplattingMeshBase
 * has, so this class reports its own name to the Inspector and serializer.
 */
export class GemSplatMesh extends GaussianSplattingMesh {
    /** Scratch corners of the bounds (reconstruct copies them). */
    private static readonly _Min = new Vector3();
    private static readonly _Max = new Vector3();
    /** The avatar driving this mesh, if any. */
    public gemAvatar: GemAvatar | null = null;
    /**
     * Margin added around the centres' box: splats reach past their centres, and a box of zero size (splats on a
     * line) would be culled.
     */
    public boundsPadding = 0.01;
    private _sortPositions: Float32Array | null = null;
    private _gaussianCount = 0;
    private _hasBounds = false;
    /** Splats written by updateSortPositionsRange since the last requestSort. */
    private _dirtyStart = Number.POSITIVE_INFINITY;
    private _dirtyEnd = 0;
    /** The CPU fallback's splat data and textures, updated in place frame after frame. */
    private _cpuSplatData: {
        count: number;
        centers: Float32Array;
        covariancesA: Float32Array;
        covariancesB: Float32Array;
        colors: Uint8Array;
        textures: [RawTexture, RawTexture, RawTexture, RawTexture];
    } | null = null;
    /** Position buffers back from the sort worker, by length, to be filled and posted again. */
    private readonly _positionBuffers = new Map<number, Float32Array[]>();
    /** Buffers created for the sort worker so far (a pool that stops growing once frames run steadily). */
    public positionBuffersCreated = 0;
    private readonly _positionsMessage = { command: GaussianSplattingSortWorkerCommand.POSITIONS_UPDATE, offset: 0, data: null as Float32Array | null, recycle: true };
    private readonly _positionsTransfer: ArrayBuffer[] = [];
    private _positionsPort: MessagePort | null = null;
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
        this._disposeCpuSplatData();
        this._positionsPort?.close();
        this._positionsPort = null;
        this._positionBuffers.clear();
        const material = this._createdMaterial;
        if (material) {
            const wrapper = material.shadowDepthWrapper;
            material.dispose();
            wrapper?.baseMaterial.dispose();
            wrapper?.dispose();
        }
    }

    /**
     * Serializes the mesh for a `.babylon` file. An avatar's mesh is written as a Gaussian-splatting mesh without splat
     * data plus a `gem` record ({@link GemAvatarState}: the model's URL, coefficients, head pose, animator layers), which
     * the package's parser turns back into the avatar; without the package Babylon loads it as an empty splat mesh.
     * @param serializationObject the object to fill
     * @param encoding encoding of binary data (unused: no splat data is written)
     * @returns the serialized mesh
     */
    public override serialize(serializationObject: Record<string, unknown> = {}, encoding?: string): Record<string, unknown> {
        const serialized = super.serialize(serializationObject, encoding) as Record<string, unknown>;
        serialized.type = "GaussianSplattingMesh";
        if (this.gemAvatar) {
            serialized.gem = captureGemAvatarState(this.gemAvatar, this.gemAvatar.source);
        }
        return serialized;
    }

    /**
     * Clones the mesh as Babylon's splat meshes do (a splat mesh on the same textures, driving no avatar), and raises
     * `onClonedObservable` as `Mesh.clone` does (Babylon's splat meshes do not), so what was bound to this mesh can
     * leave the clone alone.
     * @param name the clone's name
     * @returns the clone
     */
    public override clone(name = ""): ReturnType<GaussianSplattingMesh["clone"]> {
        const clone = super.clone(name);
        this.onClonedObservable.notifyObservers(clone);
        return clone;
    }

    /**
     * Returns the class name.
     * @returns "GemSplatMesh"
     */
    public override getClassName(): string {
        return "GemSplatMesh";
    }

    /**
     * Vertex data; for positions, the Gaussians' current centres (xyz per splat, padded to getTotalVertices() by
     * repeating the last centre). Babylon counts a splat mesh's vertices in splats; the geometry it draws is a batch of
     * quads whose positions encode splat indices, which says nothing about where the avatar is. Tools that size a
     * scene from vertex positions (the viewer element's framing, `computeMaxExtents`) then see the head.
     * @param kind vertex buffer kind
     * @param copyWhenShared see Mesh.getVerticesData
     * @param forceCopy see Mesh.getVerticesData
     * @param bypassInstanceData see Mesh.getVerticesData
     * @returns the data, or null
     */
    public override getVerticesData(kind: string, copyWhenShared?: boolean, forceCopy?: boolean, bypassInstanceData?: boolean): FloatArray | null {
        const centres = this._sortPositions;
        if (kind !== VertexBuffer.PositionKind || !centres || this._gaussianCount === 0) {
            return super.getVerticesData(kind, copyWhenShared, forceCopy, bypassInstanceData);
        }
        const count = Math.max(this.getTotalVertices(), this._gaussianCount);
        const positions = new Float32Array(count * 3);
        for (let i = 0; i < count; i++) {
            const o = 4 * Math.min(i, this._gaussianCount - 1);
            positions[3 * i] = centres[o];
            positions[3 * i + 1] = centres[o + 1];
            positions[3 * i + 2] = centres[o + 2];
        }
        return positions;
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
     * Writes part of the centres used by the depth sort (one avatar's band of a crowd), transformed by a matrix. Call
     * {@link requestSort} once after all ranges of a frame: it posts them to the sort worker together.
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
        // Ranges written in one frame go to the worker together, as one span, at requestSort.
        this._dirtyStart = Math.min(this._dirtyStart, offset);
        this._dirtyEnd = Math.max(this._dirtyEnd, offset + count);
    }

    /** Posts the ranges written since the last call to the sort worker, as one span, and asks it for a new order. */
    public requestSort(): void {
        if (this._dirtyEnd > this._dirtyStart) {
            if (!this.disableDepthSort) {
                this._postWorkerPositionsRange(this._dirtyStart, this._dirtyEnd - this._dirtyStart);
            }
            this._dirtyStart = Number.POSITIVE_INFINITY;
            this._dirtyEnd = 0;
        }
        if (!this.disableDepthSort && this._sortPositions) {
            this._postToWorker(true);
        }
    }

    /**
     * Recomputes the bounding box from the sort centres of some ranges (the splats in use).
     * @param ranges first splat and count of each range
     */
    public updateBoundsFromRanges(ranges: readonly { offset: number; count: number }[]): void {
        const target = this._sortPositions!;
        const min = GemSplatMesh._Min.setAll(Infinity);
        const max = GemSplatMesh._Max.setAll(-Infinity);
        for (let r = 0; r < ranges.length; r++) {
            const { offset, count } = ranges[r];
            for (let i = offset; i < offset + count; i++) {
                min.minimizeInPlaceFromFloats(target[4 * i], target[4 * i + 1], target[4 * i + 2]);
                max.maximizeInPlaceFromFloats(target[4 * i], target[4 * i + 1], target[4 * i + 2]);
            }
        }
        if (min.x > max.x) {
            min.setAll(0);
            max.setAll(0);
        }
        this._applyBounds(min, max);
    }

    /**
     * CPU fallback (engines without multiple float render targets, WebGPU for now): writes reconstructed Gaussians
     * into splat data textures of the mesh's own (centres and covariances as float32, colours as bytes), created on the
     * first call and updated in place afterwards, and sorts on their centres. Nothing is allocated per frame once the
     * textures exist (Babylon's `updateData` would rebuild its textures and arrays on every call).
     * @param gaussians reconstructed Gaussians (the same count on every call, or the textures are made again)
     */
    public updateFromGaussians(gaussians: GemGaussians): void {
        const count = gaussians.count;
        let data = this._cpuSplatData;
        if (!data || data.count !== count) {
            this._disposeCpuSplatData();
            const scene = this.getScene();
            const { width, height } = computeSplatTextureSize(Math.max(1, count), scene.getEngine().getCaps().maxTextureSize);
            const texture = (name: string, values: Float32Array | Uint8Array, type: number): RawTexture => {
                const created = new RawTexture(values, width, height, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Constants.TEXTURE_NEAREST_SAMPLINGMODE, type);
                created.name = `${this.name}.${name}`;
                return created;
            };
            const centers = new Float32Array(4 * width * height);
            const covariancesA = new Float32Array(4 * width * height);
            const covariancesB = new Float32Array(4 * width * height);
            const colors = new Uint8Array(4 * width * height);
            writeSplatTextures(gaussians, centers, covariancesA, covariancesB, colors);
            data = {
                count,
                centers,
                covariancesA,
                covariancesB,
                colors,
                textures: [
                    texture("centers", centers, Constants.TEXTURETYPE_FLOAT),
                    texture("covariancesA", covariancesA, Constants.TEXTURETYPE_FLOAT),
                    texture("covariancesB", covariancesB, Constants.TEXTURETYPE_FLOAT),
                    texture("colors", colors, Constants.TEXTURETYPE_UNSIGNED_BYTE),
                ],
            };
            this._cpuSplatData = data;
            this.attachSplatTextures(data.textures, gaussians.positions);
            return;
        }
        writeSplatTextures(gaussians, data.centers, data.covariancesA, data.covariancesB, data.colors);
        data.textures[0].update(data.centers);
        data.textures[1].update(data.covariancesA);
        data.textures[2].update(data.covariancesB);
        data.textures[3].update(data.colors);
        this.updateSortPositions(gaussians.positions);
    }

    private _disposeCpuSplatData(): void {
        for (const texture of this._cpuSplatData?.textures ?? []) texture.dispose();
        this._cpuSplatData = null;
    }

    /**
     * Babylon's sort worker, extended to hand position buffers back (see {@link _postWorkerPositionsRange}). Babylon
     * creates its worker and wires its handlers; the same sort body plus a few lines replaces it before it has started.
     * @internal
     */
    protected override _instantiateWorker(): void {
        // Babylon forbids its GPU sorter (opt-in: `useGpuSort`, `GaussianSplattingMeshBase.UseGpuSort`) for external
        // splat textures; the centres texture here is the reconstruction pass's own target, which it reads as it reads
        // Babylon's, so avatars follow Babylon's switch.
        (this as unknown as { _gpuSortForbidden: boolean })._gpuSortForbidden = false;
        super._instantiateWorker();
        const babylonWorker = this._worker;
        if (!babylonWorker || !this._splatPositions || typeof Worker === "undefined") {
            return;
        }
        const worker = new Worker(getSortWorkerUrl());
        worker.onerror = babylonWorker.onerror;
        worker.onmessage = babylonWorker.onmessage;
        babylonWorker.terminate();
        this._positionsPort?.close();
        const channel = new MessageChannel();
        channel.port1.onmessage = (event: MessageEvent<Float32Array>) => {
            const data = event.data;
            let pool = this._positionBuffers.get(data.length);
            if (!pool) {
                pool = [];
                this._positionBuffers.set(data.length, pool);
            }
            pool.push(data);
        };
        this._positionsPort = channel.port1;
        worker.postMessage({ command: PositionsPortCommand, port: channel.port2 }, [channel.port2]);
        this._worker = worker;
        this._positionBuffers.clear();
        // What Babylon sent its worker at creation: the positions, the active intervals, the subclass hook.
        const positions = Float32Array.from(this._splatPositions);
        worker.postMessage({ command: GaussianSplattingSortWorkerCommand.POSITIONS, positions, vertexCount: this._vertexCount }, [positions.buffer]);
        (this as unknown as { _postIntervalsToWorker(): void })._postIntervalsToWorker();
        this._onWorkerCreated(worker);
    }

    /**
     * Sends a range of sort positions to the worker in a buffer the worker hands back, instead of Babylon's fresh copy
     * per call (a `slice` of the range: 257 KiB a frame for a 16k-splat avatar, garbage on the main thread). Babylon's
     * own path serves the GPU sort and the time before the worker exists.
     * @internal
     */
    protected override _postWorkerPositionsRange(splatOffset: number, splatCount: number): void {
        const worker = this._worker;
        const source = this._splatPositions;
        if (!worker || !source || splatCount <= 0 || (this as unknown as { _isGpuSortActive: boolean })._isGpuSortActive || typeof Worker === "undefined") {
            super._postWorkerPositionsRange(splatOffset, splatCount);
            return;
        }
        const length = splatCount * 4;
        let data = this._positionBuffers.get(length)?.pop();
        if (!data) {
            data = new Float32Array(length);
            this.positionBuffersCreated++;
        }
        const floatOffset = splatOffset * 4;
        for (let i = 0; i < length; i++) {
            data[i] = source[floatOffset + i];
        }
        const message = this._positionsMessage;
        message.offset = floatOffset;
        message.data = data;
        this._positionsTransfer[0] = data.buffer as ArrayBuffer;
        worker.postMessage(message, this._positionsTransfer);
        message.data = null;
        (this as unknown as { _sortIsDirty: boolean })._sortIsDirty = true;
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
        const min = GemSplatMesh._Min.setAll(Infinity);
        const max = GemSplatMesh._Max.setAll(-Infinity);
        for (let i = 0; i < positions.length; i += 3) {
            min.minimizeInPlaceFromFloats(positions[i], positions[i + 1], positions[i + 2]);
            max.maximizeInPlaceFromFloats(positions[i], positions[i + 1], positions[i + 2]);
        }
        this._applyBounds(min, max);
    }

    /**
     * Sets the bounds to the centres' box plus the padding, with some slack: the box is rebuilt only when the centres
     * leave it or it has grown a tenth too large, not on every frame of an animated face (rebuilding Babylon's
     * bounding info allocates).
     */
    private _applyBounds(min: Vector3, max: Vector3): void {
        const padding = this.boundsPadding;
        const current = this.getBoundingInfo().boundingBox;
        const slack = 0.05 * Math.max(max.x - min.x, max.y - min.y, max.z - min.z);
        const inside =
            this._hasBounds &&
            min.x - padding >= current.minimum.x &&
            min.y - padding >= current.minimum.y &&
            min.z - padding >= current.minimum.z &&
            max.x + padding <= current.maximum.x &&
            max.y + padding <= current.maximum.y &&
            max.z + padding <= current.maximum.z;
        const snug =
            min.x - padding - current.minimum.x <= 2 * slack &&
            min.y - padding - current.minimum.y <= 2 * slack &&
            min.z - padding - current.minimum.z <= 2 * slack &&
            current.maximum.x - max.x - padding <= 2 * slack &&
            current.maximum.y - max.y - padding <= 2 * slack &&
            current.maximum.z - max.z - padding <= 2 * slack;
        if (inside && snug) {
            return;
        }
        min.subtractFromFloatsToRef(padding + slack, padding + slack, padding + slack, min);
        max.addInPlaceFromFloats(padding + slack, padding + slack, padding + slack);
        this.getBoundingInfo().reConstruct(min, max, this.getWorldMatrix());
        this._hasBounds = true;
    }
}
