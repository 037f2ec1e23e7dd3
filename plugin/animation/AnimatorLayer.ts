import type { AnimationGroup } from "@babylonjs/core/Animations/animationGroup.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { AnimationChannelError } from "../../core/errors/AnimationChannelError.js";
import { ChannelLayout } from "../../core/animation/ChannelLayout.js";
import type { ExpressionClip } from "./ExpressionClip.js";

/** How a layer combines with the layers below it. */
export type AnimatorBlendMode = "override" | "additive";

/** Options of a layer. */
export interface AnimatorLayerOptions {
    /** Layer name (unique per animator). */
    name: string;
    /** The layer's own channels (ARKit, FLAME or GEM names; see channelNames). */
    channels: readonly string[];
    /** Blend weight in [0, 1] (default 1). */
    weight?: number;
    /** `override` (default): moves driven channels towards the layer's values; `additive`: adds its offset from neutral. */
    mode?: AnimatorBlendMode;
    /** Channel patterns (in the space the layer is blended in, e.g. `flame/jawPose/*`) limiting the layer; null for all. */
    mask?: readonly string[] | null;
}

/**
 * One driver of an {@link AvatarAnimator}: a vector of channel values (set directly, by a clip, a track or a live
 * encoder) with a weight, a blend mode and an optional mask. Babylon animations target `values.<slot>`.
 */
export class AnimatorLayer {
    /** Layer name. */
    public readonly name: string;
    /** The layer's channels. */
    public readonly layout: ChannelLayout;
    /** Current values, one per channel (Babylon animations write here). */
    public readonly values: Float32Array;
    /** Blend mode. */
    public mode: AnimatorBlendMode;
    /** Disabled layers are skipped. */
    public enabled = true;
    private _weight: number;
    private _mask: readonly string[] | null;
    private _maskVersion = 0;
    private readonly _groups: AnimationGroup[] = [];

    /**
     * Creates a layer (use AvatarAnimator.addLayer).
     * @param options name, channels, weight, mode, mask
     */
    constructor(options: AnimatorLayerOptions) {
        this.name = options.name;
        this.layout = new ChannelLayout(options.channels);
        this.values = new Float32Array(this.layout.size);
        this.mode = options.mode ?? "override";
        this._weight = AnimatorLayer._CheckWeight(options.weight ?? 1, options.name);
        this._mask = options.mask ?? null;
    }

    /**
     * Returns the class name.
     * @returns "AnimatorLayer"
     */
    public getClassName(): string {
        return "AnimatorLayer";
    }

    /** Blend weight in [0, 1]; values outside are clamped, non-finite values refused. */
    public get weight(): number {
        return this._weight;
    }

    public set weight(value: number) {
        this._weight = AnimatorLayer._CheckWeight(value, this.name);
    }

    /** Mask patterns, or null for every channel. */
    public get mask(): readonly string[] | null {
        return this._mask;
    }

    public set mask(patterns: readonly string[] | null) {
        this._mask = patterns ? [...patterns] : null;
        this._maskVersion++;
    }

    /** @internal changes whenever the mask does */
    public get maskVersion(): number {
        return this._maskVersion;
    }

    /**
     * Sets one channel.
     * @param channel channel name
     * @param value finite value
     */
    public setChannel(channel: string, value: number): void {
        const slot = this.layout.indexOf(channel);
        if (slot < 0) {
            throw new AnimationChannelError("unknown-channel", `layer "${this.name}"`, `has no channel "${channel}"`, [channel]);
        }
        if (!Number.isFinite(value)) {
            throw new AnimationChannelError("non-finite", `layer "${this.name}"`, `${channel} = ${value}`, [channel]);
        }
        this.values[slot] = value;
    }

    /**
     * Sets several channels; others keep their values.
     * @param values channel → value
     */
    public setChannels(values: Readonly<Record<string, number>>): void {
        for (const [channel, value] of Object.entries(values)) {
            this.setChannel(channel, value);
        }
    }

    /**
     * Sets all channels in layout order (a live source's output vector). Non-finite entries keep the previous value.
     * @param values one per channel
     * @returns how many entries were non-finite and skipped
     */
    public setValues(values: ArrayLike<number>): number {
        if (values.length !== this.values.length) {
            throw new AnimationChannelError("size-mismatch", `layer "${this.name}"`, `expected ${this.values.length} values, got ${values.length}`);
        }
        let skipped = 0;
        for (let i = 0; i < values.length; i++) {
            if (Number.isFinite(values[i])) {
                this.values[i] = values[i];
            } else {
                skipped++;
            }
        }
        return skipped;
    }

    /** Sets every channel to 0 (neutral). */
    public reset(): void {
        this.values.fill(0);
    }

    /**
     * Plays a clip on this layer as a Babylon AnimationGroup (disposed with the layer or by stopClips).
     * @param clip the clip; its channels must all be layer channels
     * @param scene the scene
     * @param loop loop (default true)
     * @param speedRatio playback speed (default 1)
     * @returns the started group
     */
    public playClip(clip: ExpressionClip, scene: Scene, loop = true, speedRatio = 1): AnimationGroup {
        const group = clip.createAnimationGroup(this, scene);
        group.start(loop, speedRatio);
        return group;
    }

    /**
     * Animation groups made for this layer (playClip, ExpressionClip.createAnimationGroup) and not disposed: the
     * Inspector lists them and plays or pauses them.
     */
    public get animationGroups(): readonly AnimationGroup[] {
        // A disposed group has let go of its animations.
        if (this._groups.some((group) => group.targetedAnimations.length === 0)) {
            this._groups.splice(0, this._groups.length, ...this._groups.filter((group) => group.targetedAnimations.length > 0));
        }
        return this._groups;
    }

    /**
     * Registers a group made for this layer (called by ExpressionClip.createAnimationGroup).
     * @param group the group
     * @internal
     */
    public _addAnimationGroup(group: AnimationGroup): void {
        this._groups.push(group);
    }

    /** Stops and disposes the layer's groups (those of playClip and ExpressionClip.createAnimationGroup). */
    public stopClips(): void {
        for (const group of [...this.animationGroups]) {
            group.stop();
            group.dispose();
        }
        this._groups.length = 0;
    }

    /** Releases the layer's animation groups. */
    public dispose(): void {
        this.stopClips();
    }

    private static _CheckWeight(value: number, name: string): number {
        if (!Number.isFinite(value)) {
            throw new AnimationChannelError("non-finite", `layer "${name}"`, `weight = ${value}`);
        }
        return Math.min(1, Math.max(0, value));
    }
}
