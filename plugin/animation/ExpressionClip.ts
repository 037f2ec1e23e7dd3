import { Animation } from "@babylonjs/core/Animations/animation.js";
import { AnimationGroup } from "@babylonjs/core/Animations/animationGroup.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { AnimationChannelError } from "../../core/errors/AnimationChannelError.js";
import { jsonTextDepth, MaxJsonDepth } from "../../core/errors/boundedJson.js";
import type { AnimatorLayer } from "./AnimatorLayer.js";

/** JSON form of an {@link ExpressionClip} (docs/ANIMATION.md §4). */
export interface ExpressionClipJson {
    /** Always `gem-expression-clip`. */
    format: "gem-expression-clip";
    /** Format version (1). */
    version: number;
    /** Clip name. */
    name: string;
    /** Frames per second of the key times. */
    frameRate: number;
    /** Keyed channels: `[frame, value]` pairs, frames strictly increasing. */
    channels: { channel: string; keys: [number, number][] }[];
}

/** Current version of the clip JSON. */
export const ExpressionClipVersion = 1;

/** Limits a clip file may not exceed (bad files fail before anything is allocated for them). */
export const ExpressionClipLimits = {
    maxChannels: 4096,
    maxKeysPerChannel: 1_000_000,
    maxFrameRate: 1000,
    /** Longest clip: a key's frame / frameRate is at most a day. */
    maxDurationSeconds: 86_400,
    /** Largest key value: ARKit weights are in [0, 1], FLAME coefficients a few σ, rotations radians, translations metres (FLAME tracks allow ±1000). */
    maxValueMagnitude: 1000,
};

/** One keyed channel. */
export interface ClipChannelKeys {
    /** Key frames, strictly increasing. */
    frames: number[];
    /** Values at the key frames. */
    values: number[];
}

/**
 * An authored or recorded expression: keyframes over named channels (ARKit, FLAME or GEM), linear between keys.
 * It plays as a Babylon AnimationGroup on an {@link AnimatorLayer} (so playback, looping, speed and the Inspector's
 * curve editor apply), converts back from one after editing, and saves as versioned JSON.
 */
export class ExpressionClip {
    /** Clip name. */
    public name: string;
    /** Frames per second. */
    public readonly frameRate: number;
    private readonly _channels = new Map<string, ClipChannelKeys>();

    /**
     * Creates an empty clip.
     * @param name name
     * @param frameRate frames per second (default 30)
     */
    constructor(name: string, frameRate = 30) {
        if (!(frameRate > 0 && frameRate <= ExpressionClipLimits.maxFrameRate)) {
            throw new AnimationChannelError("invalid-clip", name, `frameRate must be in (0, ${ExpressionClipLimits.maxFrameRate}], got ${frameRate}`);
        }
        this.name = name;
        this.frameRate = frameRate;
    }

    /** Keyed channel names. */
    public get channels(): string[] {
        return [...this._channels.keys()];
    }

    /** Last key frame over all channels (0 for an empty clip). */
    public get lastFrame(): number {
        let last = 0;
        for (const keys of this._channels.values()) {
            last = Math.max(last, keys.frames[keys.frames.length - 1] ?? 0);
        }
        return last;
    }

    /** Duration in seconds. */
    public get duration(): number {
        return this.lastFrame / this.frameRate;
    }

    /**
     * Keys of one channel.
     * @param channel channel name
     * @returns the keys (live; do not edit), or undefined
     */
    public getKeys(channel: string): Readonly<ClipChannelKeys> | undefined {
        return this._channels.get(channel);
    }

    /**
     * Sets a key (replacing one at the same frame).
     * @param channel channel name
     * @param frame frame (≥ 0)
     * @param value finite value
     */
    public setKey(channel: string, frame: number, value: number): void {
        if (!Number.isFinite(frame) || frame < 0 || !Number.isFinite(value)) {
            throw new AnimationChannelError("non-finite", this.name, `key ${channel} @ ${frame} = ${value}`, [channel]);
        }
        ExpressionClip._CheckRange(this.name, channel, frame, value, this.frameRate);
        let keys = this._channels.get(channel);
        if (!keys) {
            keys = { frames: [], values: [] };
            this._channels.set(channel, keys);
        }
        const n = keys.frames.length;
        if (n === 0 || keys.frames[n - 1] < frame) {
            // Recordings append in time order: keep that linear.
            keys.frames.push(frame);
            keys.values.push(value);
            return;
        }
        let lo = 0;
        let hi = n;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (keys.frames[mid] < frame) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        const i = lo;
        if (keys.frames[i] === frame) {
            keys.values[i] = value;
        } else {
            keys.frames.splice(i, 0, frame);
            keys.values.splice(i, 0, value);
        }
    }

    /**
     * Removes a key.
     * @param channel channel name
     * @param frame its frame
     * @returns true when a key was removed
     */
    public removeKey(channel: string, frame: number): boolean {
        const keys = this._channels.get(channel);
        const i = keys ? keys.frames.indexOf(frame) : -1;
        if (!keys || i < 0) {
            return false;
        }
        keys.frames.splice(i, 1);
        keys.values.splice(i, 1);
        if (keys.frames.length === 0) {
            this._channels.delete(channel);
        }
        return true;
    }

    /**
     * Value of a channel at a frame: linear between keys, held before the first and after the last (as Babylon plays it).
     * @param channel channel name
     * @param frame frame
     * @returns the value, or undefined for an unkeyed channel
     */
    public evaluateChannel(channel: string, frame: number): number | undefined {
        const keys = this._channels.get(channel);
        if (!keys) {
            return undefined;
        }
        const { frames, values } = keys;
        if (frame <= frames[0]) {
            return values[0];
        }
        const n = frames.length;
        if (frame >= frames[n - 1]) {
            return values[n - 1];
        }
        let lo = 0;
        let hi = n - 1;
        while (hi - lo > 1) {
            const mid = (lo + hi) >> 1;
            if (frames[mid] < frame) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        const t = (frame - frames[hi - 1]) / (frames[hi] - frames[hi - 1]);
        return values[hi - 1] + t * (values[hi] - values[hi - 1]);
    }

    /**
     * All keyed channels at a frame.
     * @param frame frame
     * @returns channel → value
     */
    public evaluate(frame: number): Record<string, number> {
        const result: Record<string, number> = {};
        for (const channel of this._channels.keys()) {
            result[channel] = this.evaluateChannel(channel, frame)!;
        }
        return result;
    }

    /**
     * A Babylon AnimationGroup playing this clip on a layer: one float animation per channel, named after the channel,
     * targeting `values.<slot>`.
     * @param layer a layer holding every channel of the clip
     * @param scene the scene
     * @returns the group (not started)
     */
    public createAnimationGroup(layer: AnimatorLayer, scene: Scene): AnimationGroup {
        const missing = this.channels.filter((c) => !layer.layout.has(c));
        if (missing.length > 0) {
            throw new AnimationChannelError("unknown-channel", this.name, `${missing.length} channel(s) not on layer "${layer.name}": ${missing.slice(0, 6).join(", ")}`, missing);
        }
        const group = new AnimationGroup(this.name, scene);
        for (const [channel, keys] of this._channels) {
            const slot = layer.layout.indexOf(channel);
            const animation = new Animation(channel, `values.${slot}`, this.frameRate, Animation.ANIMATIONTYPE_FLOAT, Animation.ANIMATIONLOOPMODE_CYCLE);
            animation.setKeys(keys.frames.map((frame, i) => ({ frame, value: keys.values[i] })));
            group.addTargetedAnimation(animation, layer);
        }
        // A group spans its keys; keep the clip's full length even when some channel ends early.
        group.normalize(0, this.lastFrame);
        layer._addAnimationGroup(group);
        return group;
    }

    /**
     * Reads a clip back from an AnimationGroup made by createAnimationGroup (for example after editing keys in the
     * Inspector). Animations are matched to channels by name.
     * @param group the group
     * @param name clip name (default the group's)
     * @returns the clip
     */
    public static FromAnimationGroup(group: AnimationGroup, name = group.name): ExpressionClip {
        const first = group.targetedAnimations[0]?.animation;
        const clip = new ExpressionClip(name, first?.framePerSecond ?? 30);
        for (const { animation } of group.targetedAnimations) {
            for (const key of animation.getKeys()) {
                clip.setKey(animation.name, key.frame, key.value as number);
            }
        }
        return clip;
    }

    /** @returns the JSON form */
    public toJSON(): ExpressionClipJson {
        return {
            format: "gem-expression-clip",
            version: ExpressionClipVersion,
            name: this.name,
            frameRate: this.frameRate,
            channels: [...this._channels].map(([channel, keys]) => ({ channel, keys: keys.frames.map((f, i) => [f, keys.values[i]] as [number, number]) })),
        };
    }

    /**
     * Reads a clip written by toJSON, checking every field before building anything.
     * @param json parsed JSON or its text
     * @param fileName name used in errors
     * @returns the clip
     */
    public static FromJSON(json: unknown, fileName = "clip"): ExpressionClip {
        let data = json;
        if (typeof json === "string") {
            if (jsonTextDepth(json, MaxJsonDepth) > MaxJsonDepth) {
                throw new AnimationChannelError("invalid-clip", fileName, `JSON nested deeper than ${MaxJsonDepth} levels`, []);
            }
            try {
                data = JSON.parse(json);
            } catch (e) {
                throw new AnimationChannelError("invalid-clip", fileName, `not JSON: ${(e as Error).message}`, [], { cause: e });
            }
        }
        const fail = (field: string, message: string): never => {
            throw new AnimationChannelError("invalid-clip", fileName, `${field}: ${message}`);
        };
        if (typeof data !== "object" || data === null) {
            return fail("(root)", "expected a JSON object");
        }
        const d = data as Partial<ExpressionClipJson>;
        if (d.format !== "gem-expression-clip") {
            fail("format", `expected "gem-expression-clip", found ${JSON.stringify(d.format)}`);
        }
        if (d.version !== ExpressionClipVersion) {
            fail("version", `expected ${ExpressionClipVersion}, found ${JSON.stringify(d.version)}`);
        }
        if (typeof d.frameRate !== "number" || !(d.frameRate > 0 && d.frameRate <= ExpressionClipLimits.maxFrameRate)) {
            fail("frameRate", `expected a number in (0, ${ExpressionClipLimits.maxFrameRate}], found ${JSON.stringify(d.frameRate)}`);
        }
        if (!Array.isArray(d.channels) || d.channels.length > ExpressionClipLimits.maxChannels) {
            fail("channels", `expected an array of at most ${ExpressionClipLimits.maxChannels} channels`);
        }
        const clip = new ExpressionClip(typeof d.name === "string" ? d.name : fileName, d.frameRate);
        d.channels!.forEach((entry, c) => {
            const field = `channels[${c}]`;
            if (typeof entry?.channel !== "string" || entry.channel.length === 0) {
                fail(`${field}.channel`, "expected a channel name");
            }
            if (clip._channels.has(entry.channel)) {
                fail(`${field}.channel`, `"${entry.channel}" appears twice`);
            }
            if (!Array.isArray(entry.keys) || entry.keys.length === 0 || entry.keys.length > ExpressionClipLimits.maxKeysPerChannel) {
                fail(`${field}.keys`, `expected 1 to ${ExpressionClipLimits.maxKeysPerChannel} [frame, value] pairs`);
            }
            const frames: number[] = [];
            const values: number[] = [];
            entry.keys.forEach((key, k) => {
                if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== "number" || typeof key[1] !== "number") {
                    fail(`${field}.keys[${k}]`, "expected [frame, value]");
                }
                if (!Number.isFinite(key[0]) || !Number.isFinite(key[1])) {
                    throw new AnimationChannelError("non-finite", fileName, `${field}.keys[${k}] (${entry.channel}) is [${key[0]}, ${key[1]}]`, [entry.channel]);
                }
                ExpressionClip._CheckRange(fileName, entry.channel, key[0], key[1], d.frameRate!);
                if (key[0] < 0 || (k > 0 && key[0] <= frames[k - 1])) {
                    fail(`${field}.keys[${k}]`, `frames must be ≥ 0 and strictly increasing (${frames[k - 1]} then ${key[0]})`);
                }
                frames.push(key[0]);
                values.push(key[1]);
            });
            clip._channels.set(entry.channel, { frames, values });
        });
        return clip;
    }

    private static _CheckRange(source: string, channel: string, frame: number, value: number, frameRate: number): void {
        if (frame / frameRate > ExpressionClipLimits.maxDurationSeconds) {
            throw new AnimationChannelError("invalid-clip", source, `key ${channel} @ frame ${frame} is past ${ExpressionClipLimits.maxDurationSeconds} s at ${frameRate} fps`, [
                channel,
            ]);
        }
        if (Math.abs(value) > ExpressionClipLimits.maxValueMagnitude) {
            throw new AnimationChannelError("invalid-clip", source, `key ${channel} @ ${frame} = ${value}, outside ±${ExpressionClipLimits.maxValueMagnitude}`, [channel]);
        }
    }
}
