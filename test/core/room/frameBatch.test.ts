import { describe, expect, it } from "vitest";
import { FrameRecordHeaderBytes, forEachFrameRecord, writeFrameRecord } from "../../../core/room/frameBatch.js";
import { lcgRandom } from "../../support/lcgRandom.js";

describe("frame batches", () => {
    it("carry each record's slot and frame in order", () => {
        const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7), new Uint8Array([9])];
        const slots = [1, 65535, 258];
        const batch = new Uint8Array(frames.reduce((sum, frame) => sum + FrameRecordHeaderBytes + frame.length, 0));
        let offset = 0;
        frames.forEach((frame, index) => {
            offset = writeFrameRecord(batch, offset, slots[index], frame);
        });
        expect(offset).toBe(batch.length);
        const seen: [number, number[]][] = [];
        expect(forEachFrameRecord(batch, (slot, frame) => seen.push([slot, [...frame]]))).toBe(3);
        expect(seen).toEqual(frames.map((frame, index) => [slots[index], [...frame]]));
    });

    it("refuse truncated, empty and random messages without reading past them", () => {
        const batch = new Uint8Array(FrameRecordHeaderBytes + 5);
        writeFrameRecord(batch, 0, 3, new Uint8Array(5).fill(1));
        for (let cut = 0; cut < batch.length; cut++) expect(forEachFrameRecord(batch.subarray(0, cut), () => undefined)).toBe(-1);
        const random = lcgRandom(7);
        for (let trial = 0; trial < 2000; trial++) {
            const bytes = new Uint8Array(Math.floor(random() * 64));
            for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
            let visited = 0;
            const count = forEachFrameRecord(bytes, (_slot, frame) => {
                visited += FrameRecordHeaderBytes + frame.length;
                expect(frame.length).toBeGreaterThan(0);
            });
            expect(visited).toBeLessThanOrEqual(bytes.length);
            if (count > 0) expect(visited).toBe(bytes.length);
        }
    });
});
