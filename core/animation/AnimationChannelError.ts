/** Why an animation input was refused. Stable strings so callers can branch on them. */
export type AnimationChannelErrorCode = "unknown-channel" | "no-route" | "non-finite" | "size-mismatch" | "invalid-clip" | "invalid-map";

/**
 * Typed error of the animation system: a clip, map or track that names channels an avatar does not have, cannot be
 * routed to it, or carries values it cannot use. Raised when the input is bound, never in the middle of a frame.
 */
export class AnimationChannelError extends Error {
    /** Machine-readable reason. */
    public readonly code: AnimationChannelErrorCode;
    /** Where the bad input came from (clip, map or file name). */
    public readonly source: string;
    /** The channels at fault (may be empty). */
    public readonly channels: readonly string[];

    /**
     * Creates the error.
     * @param code reason
     * @param source clip, map or file name
     * @param message what was wrong and what was expected
     * @param channels the channels at fault
     */
    constructor(code: AnimationChannelErrorCode, source: string, message: string, channels: readonly string[] = []) {
        super(`${source}: ${message} (${code})`);
        this.name = "AnimationChannelError";
        this.code = code;
        this.source = source;
        this.channels = channels;
    }
}
