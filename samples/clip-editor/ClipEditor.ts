import type { AnimationGroup } from "@babylonjs/core/Animations/animationGroup.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type AnimatorLayer, type AvatarAnimator, ExpressionClip, parseLamExpressionTrack, parseLiveLinkFaceCsv, retargetClip } from "babylon-gem-avatars";

/**
 * The clip editor's model, independent of its GUI: one clip over the layer's channels, a current frame, keying,
 * scrubbing (the layer shows the clip at the current frame), playback through Babylon, import and export.
 */
export class ClipEditor {
    /** The clip being edited. */
    public clip: ExpressionClip;
    /** Timeline length in frames (grows with the keys). */
    public length = 90;
    private _frame = 0;
    private _group: AnimationGroup | null = null;

    /**
     * Creates the editor.
     * @param scene the scene
     * @param animator the preview avatar's animator
     * @param layer the layer the clip plays on
     */
    constructor(
        private readonly _scene: Scene,
        private readonly _animator: AvatarAnimator,
        public readonly layer: AnimatorLayer
    ) {
        this.clip = new ExpressionClip("untitled", 30);
    }

    /** Current frame. */
    public get frame(): number {
        return this._group ? (this._group.animatables[0]?.masterFrame ?? this._frame) : this._frame;
    }

    /** Whether the clip is playing. */
    public get isPlaying(): boolean {
        return this._group !== null;
    }

    /**
     * Moves to a frame (stopping playback) and shows the clip there; channels without keys keep their slider values.
     * @param frame frame
     */
    public scrub(frame: number): void {
        this.stop();
        this._frame = Math.max(0, frame);
        for (const [channel, value] of Object.entries(this.clip.evaluate(this._frame))) {
            if (this.layer.layout.has(channel)) {
                this.layer.setChannel(channel, value);
            }
        }
    }

    /**
     * Keys channels at the current frame with the layer's current values.
     * @param channels channels to key (default all of the layer's)
     */
    public keyCurrent(channels: readonly string[] = this.layer.layout.names): void {
        for (const channel of channels) {
            this.clip.setKey(channel, this._frame, this.layer.values[this.layer.layout.indexOf(channel)]);
        }
        this.length = Math.max(this.length, Math.ceil(this.clip.lastFrame));
    }

    /**
     * Deletes every key at the current frame.
     * @returns how many keys were removed
     */
    public deleteCurrent(): number {
        return this.clip.channels.filter((c) => this.clip.removeKey(c, this._frame)).length;
    }

    /** Plays the clip in a loop from the current frame, as a Babylon AnimationGroup on the layer. */
    public play(): void {
        if (this._group || this.clip.channels.length === 0) {
            return;
        }
        this._group = this.layer.playClip(this.clip, this._scene, true);
        this._group.goToFrame(Math.min(this._frame, this.clip.lastFrame));
    }

    /** Stops playback at the current frame. */
    public stop(): void {
        if (this._group) {
            this._frame = this.frame;
            this.layer.stopClips();
            this._group = null;
        }
    }

    /** @returns the clip as JSON text */
    public exportJson(): string {
        return JSON.stringify(this.clip.toJSON());
    }

    /**
     * Replaces the clip with a file's content: clip JSON, a LAM expression track (JSON with `names` and `frames`) or a
     * Live Link Face CSV (ARKit tracks are baked through the ARKit map).
     * @param text file text
     * @param fileName file name (its extension picks the format)
     * @returns the channels dropped because the preview avatar does not have them
     */
    public importText(text: string, fileName: string): string[] {
        let clip: ExpressionClip;
        if (fileName.toLowerCase().endsWith(".csv")) {
            clip = parseLiveLinkFaceCsv(text, { fileName, clipFrameRate: 30 }).clip;
        } else {
            let json: unknown = text;
            try {
                json = JSON.parse(text);
            } catch {
                // Not JSON: ExpressionClip.FromJSON names the parse error.
            }
            const isLamTrack = typeof json === "object" && json !== null && "names" in json && "frames" in json;
            clip = isLamTrack ? parseLamExpressionTrack(json, { fileName }).clip : ExpressionClip.FromJSON(json, fileName);
        }
        // ARKit channels go through the animator's ARKit → FLAME map only for a head without an ARKit map of its own.
        if (clip.channels.some((c) => c.startsWith("arkit/")) && !this.layer.layout.names.some((c) => c.startsWith("arkit/"))) {
            clip = retargetClip(clip, this._animator.arkitMap, clip.name);
        }
        const foreign = clip.channels.filter((c) => !this.layer.layout.has(c));
        for (const channel of foreign) {
            for (const frame of [...clip.getKeys(channel)!.frames]) {
                clip.removeKey(channel, frame);
            }
        }
        this.stop();
        this.clip = clip;
        this.length = Math.max(30, Math.ceil(clip.lastFrame));
        this.scrub(0);
        return foreign;
    }
}
