import { Decoder as JsonDecoder, Encoder as JsonEncoder, PacketType, type Packet } from "socket.io-parser";

/** Socket.IO event name of expression frames. */
export const FrameEvent = "f";

function asBytes(value: unknown): Uint8Array | null {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return null;
}

/**
 * Encoder of the room's Socket.IO parser: an expression frame (event `f` with one binary argument, default namespace,
 * no acknowledgement) goes out as one bare binary WebSocket message; everything else as Socket.IO's JSON text. The
 * stock parser would send a frame as a text header plus a binary attachment, about 40 bytes of overhead on a
 * 20 to 40 byte frame.
 */
export class Encoder extends JsonEncoder {
    /**
     * Encodes one packet.
     * @param packet Socket.IO packet
     * @returns the messages to send
     */
    public override encode(packet: Packet): unknown[] {
        if (
            (packet.type === PacketType.EVENT || packet.type === PacketType.BINARY_EVENT) &&
            packet.nsp === "/" &&
            packet.id === undefined &&
            Array.isArray(packet.data) &&
            packet.data.length === 2 &&
            packet.data[0] === FrameEvent
        ) {
            const bytes = asBytes(packet.data[1]);
            if (bytes !== null) return [bytes];
        }
        const encoded = super.encode(packet);
        if (encoded.length > 1) throw new Error("room protocol: binary data is only sent as expression frames");
        return encoded;
    }
}

/**
 * Decoder of the room's Socket.IO parser: every binary message is an expression frame; text messages are Socket.IO
 * JSON, except binary-attachment packets, which the room protocol never sends and which are refused (Socket.IO closes
 * the connection of a client whose message does not decode).
 */
export class Decoder extends JsonDecoder {
    /**
     * Decodes one message.
     * @param chunk text or binary message
     */
    public override add(chunk: unknown): void {
        if (typeof chunk === "string") {
            const type = chunk.charCodeAt(0) - 48;
            if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) throw new Error("room protocol: binary attachments are not accepted");
            super.add(chunk);
            return;
        }
        const bytes = asBytes(chunk);
        if (bytes === null) throw new Error("room protocol: unknown message type");
        this.emitReserved("decoded", { type: PacketType.EVENT, nsp: "/", data: [FrameEvent, bytes] });
    }
}
