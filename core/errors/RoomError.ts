import { GemError } from "./GemError.js";

/** Why a room operation or message was refused. */
export type RoomErrorCode =
    | "invalid-descriptor"
    | "invalid-frame"
    | "invalid-token"
    | "connection"
    | "invalid-options"
    /** The room is at its participant cap. */
    | "room-full"
    /** Too many joins for the participant, the token or (refused ones) the address. */
    | "rate-limited"
    /** The server cannot serve the room now (its shared store is unreachable). */
    | "unavailable"
    /** A personal model the server or a peer refused: too large, a wrong hash, or not a `.gem` the loader reads. */
    | "invalid-model";

/**
 * Typed error of the telepresence room: a stream descriptor or frame that does not validate, a token the server refuses,
 * or a connection that fails. `source` names what was at fault (a participant, a field, a URL).
 */
export class RoomError extends GemError<RoomErrorCode> {
    /**
     * Creates the error.
     * @param code reason
     * @param source what was at fault
     * @param message what was wrong and what was expected
     * @param options `cause`: the transport's own error, when one is wrapped
     */
    constructor(code: RoomErrorCode, source: string, message: string, options?: { cause?: unknown }) {
        super(code, source, message, options);
        this.name = "RoomError";
    }
}
