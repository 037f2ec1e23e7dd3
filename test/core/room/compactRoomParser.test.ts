import { describe, expect, it } from "vitest";
import { Decoder, Encoder, FrameEvent } from "../../../core/room/compactRoomParser.js";

describe("compact Socket.IO parser", () => {
    it("sends a frame as one bare binary message and decodes it back", () => {
        const encoded = new Encoder().encode({ type: 2, nsp: "/", data: [FrameEvent, new Uint8Array([1, 2, 3])] });
        expect(encoded).toHaveLength(1);
        expect(Array.from(encoded[0] as Uint8Array)).toEqual([1, 2, 3]);
        const decoder = new Decoder();
        const packets: unknown[] = [];
        decoder.on("decoded", (packet) => packets.push(packet));
        decoder.add(encoded[0]);
        decoder.add('2["joined",{"participant":"a"}]');
        expect(packets).toEqual([
            { type: 2, nsp: "/", data: [FrameEvent, new Uint8Array([1, 2, 3])] },
            { type: 2, nsp: "/", data: ["joined", { participant: "a" }] },
        ]);
    });

    it("refuses binary attachments, which the protocol never sends", () => {
        expect(() => new Encoder().encode({ type: 2, nsp: "/", data: ["other", new Uint8Array(2)] })).toThrow(/only sent as expression frames/);
        expect(() => new Decoder().add('51-["f",{"_placeholder":true,"num":0}]')).toThrow(/not accepted/);
    });
});
