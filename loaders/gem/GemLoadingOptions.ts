/** Options of the GEM loader, passed as `pluginOptions: { gem: { ... } }`. */
export interface GemLoadingOptions {
    /** Name of the created mesh (default: the file name without extension, or "gemAvatar"). */
    name: string;
    /** Initial coefficients (default zeros, the mean face). */
    coefficients: ArrayLike<number>;
    /**
     * `.gem` data is right-handed (y up, metres). In a left-handed scene the mesh gets `scaling.z = -1`,
     * the way Babylon's PLY splat loader flips y, so faces are not mirrored. Default true.
     */
    convertToSceneHandedness: boolean;
    /**
     * Pivots of the head pose (FLAME root and neck joints of the actor's canonical mesh, model frame, metres) for files
     * that do not store them, such as upstream `.ptk` checkpoints; a file's own `metadata.flameJoints` wins.
     */
    flameJoints: { global: ArrayLike<number>; neck: ArrayLike<number> };
    /** Called with the parsed model before the avatar is created (to inspect metadata, licence...). */
    onModelParsed: (model: import("../../core/GemModel.js").GemModel) => void;
    /**
     * For upstream `.ptk` checkpoints: components to keep per attribute (default: the checkpoint's config). For the
     * localized `*_parts.ptk`, the number kept over all regions together (up to the sum, which keeps everything).
     */
    upstreamComponents: Partial<Record<"geometry" | "opacity" | "scales" | "rotation", number>>;
    /**
     * Load the model's bundled performance (`metadata.track`: an ARKit JSON track or a FLAME track `.npz`, relative to
     * the file) as an AnimationGroup driving the avatar, not started. Default true for `LoadAssetContainerAsync`, which
     * is how viewers load (Babylon's `<babylon-viewer>` lists a container's groups in its animation controls); false
     * for `ImportMeshAsync` and `AppendSceneAsync`, where apps drive the avatar themselves. Followed only for files
     * loaded from a URL, and only to paths on the file's own origin; a track that fails to load is reported with a
     * warning and the avatar still loads.
     */
    performance: boolean;
}
