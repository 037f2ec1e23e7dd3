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

/** Payload of the `welcome` event: who the server admitted this client as. */
export interface RoomWelcome {
    /** Participant id from the token. */
    participant: string;
    /** Slot the server stamps on this client's frames (batches carry them back; clients skip their own). */
    slot: number;
}

/** Payload of the `presence` event, sent every few seconds: slot and id of everyone in the room. */
export type RoomPresence = [slot: number, participant: string][];
