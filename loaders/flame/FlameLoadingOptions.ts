import type { GemAvatar } from "../../plugin/GemAvatar.js";
import type { FlameAvatar } from "../../plugin/flame/FlameAvatar.js";
import type { FlameModelOptions } from "./flameModelFile.js";

/** Options of the FLAME loader, passed as `pluginOptions: { flame: { ... } }`. */
export interface FlameLoadingOptions extends FlameModelOptions {
    /** Mesh name (default: the file name without extension). */
    name: string;
    /**
     * For a track or a rig without a model: the avatar it animates or binds to. A track may also target a
     * {@link GemAvatar} whose model carries a `flame` driver map: it then animates the GEM coefficients.
     */
    targetAvatar: FlameAvatar | GemAvatar;
    /** Source frame rate of a track (default 30). */
    frameRate: number;
    /** Keep the first expression components when a track has more than the model (default false: refuse). */
    allowExpressionTruncation: boolean;
    /**
     * A track without one of the keys every VHAP/GaussianAvatars track holds (`rotation`, `neck_pose`, `jaw_pose`,
     * `eyes_pose`, `translation`): `error` (default) refuses it naming the keys; `zero` keeps those parameters at the
     * rest pose, warns, and lists them in the animation group's `metadata.gemLoadReport.defaultedKeys`.
     */
    missingTrackKeys: "error" | "zero";
}
