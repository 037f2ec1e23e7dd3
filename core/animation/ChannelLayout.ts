import { AnimationChannelError } from "../errors/AnimationChannelError.js";
import { channelMatches } from "./channelNames.js";

/**
 * An ordered set of channel names: the meaning of each slot of a channel vector.
 */
export class ChannelLayout {
    /** Channel names, in slot order. */
    public readonly names: readonly string[];
    private readonly _index = new Map<string, number>();

    /**
     * Creates a layout.
     * @param names unique channel names
     */
    constructor(names: readonly string[]) {
        this.names = [...names];
        this.names.forEach((name, i) => {
            if (this._index.has(name)) {
                throw new AnimationChannelError("invalid-map", "ChannelLayout", `channel "${name}" appears twice`, [name]);
            }
            this._index.set(name, i);
        });
    }

    /** Number of channels. */
    public get size(): number {
        return this.names.length;
    }

    /**
     * Slot of a channel.
     * @param name channel name
     * @returns the slot, or -1
     */
    public indexOf(name: string): number {
        return this._index.get(name) ?? -1;
    }

    /**
     * Whether the layout has a channel.
     * @param name channel name
     * @returns true when present
     */
    public has(name: string): boolean {
        return this._index.has(name);
    }

    /**
     * A per-slot weight vector that is 1 on channels matching any pattern and 0 elsewhere (see channelMatches).
     * @param patterns channel names or `*` patterns
     * @returns the mask
     */
    public mask(patterns: readonly string[]): Float32Array {
        const mask = new Float32Array(this.size);
        this.names.forEach((name, i) => {
            if (patterns.some((p) => channelMatches(p, name))) {
                mask[i] = 1;
            }
        });
        return mask;
    }
}
