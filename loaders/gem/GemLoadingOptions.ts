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
}
