import { GemError } from "./GemError.js";

/** Why an animation input was refused. Stable strings so callers can branch on them. */
export type AnimationChannelErrorCode = "unknown-channel" | "no-route" | "non-finite" | "size-mismatch" | "invalid-clip" | "invalid-map";

/**
 * Typed error of the animation system: a clip, map or track that names channels an avatar does not have, cannot be
 * routed to it, or carries values it cannot use. Raised when the input is bound, never in the middle of a frame.
 */
export class AnimationChannelError extends GemError<AnimationChannelErrorCode> {
    /** The channels at fault (may be empty). */
    public readonly channels: readonly string[];

    /**
     * Creates the error.
     * @param code reason
     * @param source clip, map or file name
     * @param message what was wrong and what was expected
     * @param channels the channels at fault
     * @param options `cause`: the parser's own error, when one is wrapped
     */
    constructor(code: AnimationChannelErrorCode, source: string, message: string, channels: readonly string[] = [], options?: { cause?: unknown }) {
        super(code, source, message, options);
        this.name = "AnimationChannelError";
        this.channels = channels;
    }
}
