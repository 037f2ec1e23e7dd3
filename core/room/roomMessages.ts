import type { ExpressionStreamDescriptor } from "./expressionStream.js";

/** A participant as the server announces it (`roster` lists them, `joined` announces one). */
export interface RoomParticipantInfo {
    /** Participant id from the participant's token. */
    participant: string;
    /** Number the server stamps on the participant's frames (unique in the room across server processes). */
    slot: number;
    /** The participant's stream. */
    descriptor: ExpressionStreamDescriptor;
}

/** Payload of the `left` event. */
export interface RoomParticipantLeft {
    /** Participant id. */
    participant: string;
    /** Slot it had. */
    slot: number;
}
