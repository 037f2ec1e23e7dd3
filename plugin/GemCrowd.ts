import type { MultiRenderTarget } from "@babylonjs/core/Materials/Textures/multiRenderTarget.js";
import type { Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { GemReconstructionPass } from "../materials/GemReconstructionPass.js";
import { createSplatDataTarget } from "../materials/splatTargets.js";
import { GemCrowdAvatar } from "./GemCrowdAvatar.js";
import type { GemModel } from "../core/GemModel.js";
import { GemSplatMesh } from "./GemSplatMesh.js";
import { convertToSceneHandedness } from "./sceneHandedness.js";
import { BindInspectableRows, type InspectableRowsBinding } from "./inspector/inspectableRows.js";
import { InspectableTextRow, ReconstructionPathName } from "./inspector/avatarInspectorRows.js";

/** Options of a {@link GemCrowd}. */
export interface GemCrowdOptions {
    /** Name of the shared splat mesh (default "gemCrowd"). */
    name?: string;
    /** Splats to reserve up front (the textures grow when needed, which re-runs every avatar's pass once). */
    capacity?: number;
    /** Width of the shared splat textures in texels (default 1024). */
    width?: number;
}

/** Options of {@link GemCrowd.addAvatar}. */
export interface GemCrowdAvatarOptions {
    /** Node name (default `<crowd>.avatar<n>`). */
    name?: string;
    /** Initial coefficients (default the mean face). */
    coefficients?: ArrayLike<number>;
    /** Mirror z in left-handed scenes, as the GEM loader does for its meshes (default true: GEM data is right-handed). */
    convertToSceneHandedness?: boolean;
}

interface Band {
    rowOffset: number;
    rows: number;
    avatar: GemCrowdAvatar | null;
}

/**
 * Many GEM avatars in one splat mesh, depth-sorted together so that overlapping avatars composite correctly. Each
 * avatar ({@link GemCrowdAvatar}) keeps its own coefficients and placement and writes its splats, transform baked
 * in, into a band of rows of the crowd's shared splat textures; avatars of one model share its basis textures, and
 * avatars of different models can be mixed. Each frame the avatars that changed run their passes and post their
 * centres, then the crowd asks for one sort of everything.
 *
 * Needs the GPU reconstruction passes: WebGL2 with float render targets, or WebGPU with multi-render targets and 40
 * colour-attachment bytes per sample; see {@link IsSupported}.
 */
export class GemCrowd {
    /** The shared splat mesh (keep it at the origin: avatars are placed by their own nodes). */
    public readonly mesh: GemSplatMesh;
    private readonly _scene: Scene;
    private readonly _name: string;
    private readonly _width: number;
    private _rows = 0;
    private _output: MultiRenderTarget | null = null;
    private readonly _boundsRanges: { offset: number; count: number }[] = [];
    private _bands: Band[] = [];
    private _beforeRender: Observer<Scene> | null;
    private _counter = 0;
    private _disposed = false;
    private _reserved: number;
    private readonly _inspectables: InspectableRowsBinding;

    /**
     * Whether an engine can hold a crowd.
     * @param engine the engine
     * @returns true where the GPU passes run (WebGL2 with float render targets; WebGPU with multi-render targets and
     * 40 colour-attachment bytes per sample); false on WebGL1 and NullEngine
     */
    public static IsSupported(engine: Parameters<typeof GemReconstructionPass.IsSupported>[0]): boolean {
        return GemReconstructionPass.IsSupported(engine);
    }

    /**
     * Creates an empty crowd.
     * @param scene the scene
     * @param options name, capacity, texture width
     */
    constructor(scene: Scene, options: GemCrowdOptions = {}) {
        if (!GemCrowd.IsSupported(scene.getEngine())) {
            const reason = GemReconstructionPass.UnsupportedReason(scene.getEngine());
            throw new Error(`GemCrowd needs the GPU reconstruction passes: ${reason}; or use one GemAvatar per avatar there (CPU fallback)`);
        }
        this._scene = scene;
        this._name = options.name ?? "gemCrowd";
        this._width = Math.min(options.width ?? 1024, scene.getEngine().getCaps().maxTextureSize);
        this._reserved = options.capacity ?? 0;
        this.mesh = new GemSplatMesh(this._name, scene);
        // A crowd's shared mesh is rebuilt from its avatars, which scene files do not keep (see docs/BABYLON-TOOLS.md §5).
        this.mesh.doNotSerialize = true;
        this.mesh.setEnabled(false);
        this._beforeRender = scene.onBeforeRenderObservable.add(() => this.update());
        this._inspectables = BindInspectableRows(this.mesh, () => [
            InspectableTextRow("crowd:class", "Crowd", () => this.getClassName()),
            InspectableTextRow("crowd:avatars", "Avatars", () => this.avatars.map((a) => a.mesh.name).join(", ") || "none"),
            InspectableTextRow("crowd:gaussians", "Gaussians", () => this.gaussianCount),
            InspectableTextRow("crowd:capacity", "Capacity (splats)", () => this.capacity),
            InspectableTextRow("crowd:path", "Reconstruction", () => ReconstructionPathName(this.avatars[0]?.pass ?? null, scene.getEngine())),
        ]);
    }

    /**
     * Returns the class name.
     * @returns "GemCrowd"
     */
    public getClassName(): string {
        return "GemCrowd";
    }

    /** The avatars, in the order they were added. */
    public get avatars(): GemCrowdAvatar[] {
        return this._bands.filter((b) => b.avatar).map((b) => b.avatar!);
    }

    /** Splats the shared textures hold (rows × width). */
    public get capacity(): number {
        return this._rows * this._width;
    }

    /** Splats in use by avatars (Gaussians, without padding). */
    public get gaussianCount(): number {
        return this.avatars.reduce((sum, a) => sum + a.model.gaussianCount, 0);
    }

    /**
     * Adds an avatar.
     * @param model its model (shared basis textures with every other avatar of that model)
     * @param options name and initial coefficients
     * @returns the avatar; move its `mesh` to place it
     */
    public addAvatar(model: GemModel, options: GemCrowdAvatarOptions = {}): GemCrowdAvatar {
        if (this._disposed) {
            throw new Error("GemCrowd.addAvatar: the crowd is disposed");
        }
        const rows = Math.ceil(model.gaussianCount / this._width);
        let band = this._bands.find((b) => !b.avatar && b.rows >= rows) ?? null;
        if (band && band.rows > rows) {
            // Split the free band: the rest stays free.
            this._bands.splice(this._bands.indexOf(band) + 1, 0, { rowOffset: band.rowOffset + rows, rows: band.rows - rows, avatar: null });
            band.rows = rows;
        }
        if (!band) {
            const end = this._bands.reduce((e, b) => Math.max(e, b.rowOffset + b.rows), 0);
            band = { rowOffset: end, rows, avatar: null };
            this._bands.push(band);
            if (end + rows > this._rows) {
                this._grow(end + rows);
            }
        }
        const avatar = new GemCrowdAvatar(
            this,
            model,
            this._scene,
            { output: this._output!, rowOffset: band.rowOffset },
            options.name ?? `${this._name}.avatar${this._counter++}`,
            options.coefficients
        );
        band.avatar = avatar;
        if (options.convertToSceneHandedness ?? true) {
            convertToSceneHandedness(avatar.mesh, this._scene);
        }
        this.mesh.setEnabled(true);
        return avatar;
    }

    /**
     * Runs the passes of every avatar that changed, then one depth sort for all (done before each frame).
     * @returns how many avatars were updated
     */
    public update(): number {
        let updated = 0;
        for (const band of this._bands) {
            if (band.avatar?.update()) {
                updated++;
            }
        }
        if (updated > 0) {
            // The ranges in use, in an array reused from frame to frame.
            const ranges = this._boundsRanges;
            let used = 0;
            for (const band of this._bands) {
                if (!band.avatar) continue;
                if (used === ranges.length) ranges.push({ offset: 0, count: 0 });
                ranges[used].offset = band.rowOffset * this._width;
                ranges[used].count = band.avatar.model.gaussianCount;
                used++;
            }
            ranges.length = used;
            this.mesh.updateBoundsFromRanges(ranges);
            this.mesh.requestSort();
        }
        return updated;
    }

    /**
     * Frees an avatar's band (called by GemCrowdAvatar.dispose).
     * @param avatar the avatar
     * @internal
     */
    public _release(avatar: GemCrowdAvatar): void {
        const band = this._bands.find((b) => b.avatar === avatar);
        if (!band) {
            return;
        }
        band.avatar = null;
        if (!this._disposed && avatar.pass.isReady()) {
            avatar.pass.clearBand();
        }
        if (!this._disposed) {
            // Its centres go to the origin with zero-sized splats: invisible, and out of the bounds.
            this.mesh.updateSortPositionsRange(band.rowOffset * this._width, new Float32Array(band.rows * this._width * 3), null);
            this.mesh.requestSort();
        }
        this._mergeFreeBands();
    }

    /** Disposes every avatar, the shared textures and the mesh. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        for (const avatar of this.avatars) {
            avatar.dispose();
        }
        this._disposed = true;
        this._scene.onBeforeRenderObservable.remove(this._beforeRender);
        this._beforeRender = null;
        this._inspectables.dispose();
        this.mesh.dispose();
        this._output?.dispose();
        this._output = null;
        this._bands = [];
    }

    private _mergeFreeBands(): void {
        const merged: Band[] = [];
        for (const band of this._bands) {
            const last = merged[merged.length - 1];
            if (last && !last.avatar && !band.avatar) {
                last.rows += band.rows;
            } else {
                merged.push(band);
            }
        }
        // A free band at the end is just unused capacity.
        while (merged.length > 0 && !merged[merged.length - 1].avatar) {
            merged.pop();
        }
        this._bands = merged;
    }

    private _grow(neededRows: number): void {
        const maxRows = this._scene.getEngine().getCaps().maxTextureSize;
        const rows = Math.min(maxRows, Math.max(neededRows, Math.ceil(this._reserved / this._width), this._rows * 2, 16));
        if (neededRows > rows) {
            throw new RangeError(`GemCrowd: ${neededRows * this._width} splats do not fit in a ${this._width} × ${maxRows} texture`);
        }
        const previous = this._output;
        this._rows = rows;
        this._output = createSplatDataTarget(this._scene, { width: this._width, height: rows }, this._name);
        // Avatars draw their own bands one at a time: the shared target must never be cleared between them.
        this._output.onClearObservable.add(() => {});
        for (const band of this._bands) {
            if (band.avatar) {
                band.avatar.pass.setBand({ output: this._output, rowOffset: band.rowOffset });
                band.avatar._invalidate();
            }
        }
        const t = this._output.textures;
        this.mesh.attachSplatTextures([t[0], t[1], t[2], t[3]], new Float32Array(rows * this._width * 3));
        previous?.dispose();
    }
}
