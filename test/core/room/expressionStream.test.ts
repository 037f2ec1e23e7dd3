import { describe, expect, it } from "vitest";
import { Decoder, Encoder, FrameEvent } from "../../../core/room/compactRoomParser.js";
import {
    createStreamDescriptor,
    decodeExpressionFrame,
    encodeExpressionFrame,
    expressionFrameByteLength,
    quantisationError,
    validateStreamDescriptor,
} from "../../../core/room/expressionStream.js";
import { JitterBuffer, unwrap16 } from "../../../core/room/JitterBuffer.js";
import { NetworkImpairment } from "../../../core/room/NetworkImpairment.js";
import { RoomError } from "../../../core/errors/RoomError.js";
import { signRoomToken, verifyRoomToken } from "../../../server/roomToken.js";

function random(seed: number): () => number {
    let state = seed;
    return () => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return state / 4294967296;
    };
}

function roomError(action: () => unknown): RoomError {
    try {
        action();
    } catch (error) {
        expect(error).toBeInstanceOf(RoomError);
        return error as RoomError;
    }
    throw new Error("expected a RoomError");
}

describe("expression frame codec", () => {
    it("round-trips random frames within half a quantisation step for 4 to 16 bits", () => {
        const next = random(7);
        for (let trial = 0; trial < 200; trial++) {
            const count = 1 + Math.floor(next() * 60);
            const bits = 4 + Math.floor(next() * 13);
            const channels = Array.from({ length: count }, (_, i) => `gem/position/${i}`);
            const ranges = channels.map((): [number, number] => {
                const min = (next() - 0.5) * 10;
                return [min, min + 0.01 + next() * 5];
            });
            const descriptor = createStreamDescriptor("model", channels, { bits, ranges });
            const values = ranges.map(([min, max]) => min + next() * (max - min));
            const sequence = Math.floor(next() * 70000);
            const time = next() * 1e6;
            const bytes = encodeExpressionFrame(descriptor, sequence, time, values);
            expect(bytes.length).toBe(expressionFrameByteLength(descriptor));
            expect(bytes.length).toBe(5 + Math.ceil((count * bits) / 8));
            const frame = decodeExpressionFrame(descriptor, bytes, "test");
            expect(frame.sequence).toBe(sequence & 0xffff);
            expect(frame.time).toBe(Math.floor(time) & 0xffff);
            for (let i = 0; i < count; i++) {
                const error = Math.abs(frame.values[i] - values[i]);
                expect(Number.isNaN(error)).toBe(false);
                expect(error).toBeLessThanOrEqual(quantisationError(descriptor, i) * 1.0001 + 1e-6 * Math.abs(values[i]));
            }
        }
    });

    it("clamps values outside the range and refuses non-finite values and wrong counts", () => {
        const descriptor = createStreamDescriptor("m", ["arkit/jawOpen", "flame/jawPose/0"]);
        const frame = decodeExpressionFrame(descriptor, encodeExpressionFrame(descriptor, 0, 0, [5, -9]), "t");
        expect(frame.values[0]).toBe(1);
        expect(frame.values[1]).toBe(-1);
        expect(roomError(() => encodeExpressionFrame(descriptor, 0, 0, [Number.NaN, 0])).code).toBe("invalid-frame");
        expect(roomError(() => encodeExpressionFrame(descriptor, 0, 0, [Infinity, 0])).message).toContain("arkit/jawOpen");
        expect(roomError(() => encodeExpressionFrame(descriptor, 0, 0, [0])).code).toBe("invalid-frame");
        const bytes = encodeExpressionFrame(descriptor, 0, 0, [0.5, 0]);
        expect(roomError(() => decodeExpressionFrame(descriptor, bytes.subarray(1), "bob")).message).toMatch(/^bob: frame is 6 bytes, the stream declares 7/);
        const wrongTag = bytes.slice();
        wrongTag[0] = 9;
        expect(roomError(() => decodeExpressionFrame(descriptor, wrongTag, "bob")).code).toBe("invalid-frame");
    });

    it("validates descriptors field by field", () => {
        const good = createStreamDescriptor("m", ["arkit/jawOpen"]);
        const cases: [Record<string, unknown>, RegExp][] = [
            [{ format: "x" }, /format/],
            [{ version: 2 }, /version/],
            [{ modelId: "" }, /modelId/],
            [{ channels: [] }, /channels/],
            [{ channels: ["nope"], ranges: [[0, 1]] }, /channels\[0\]/],
            [
                {
                    channels: ["arkit/jawOpen", "arkit/jawOpen"],
                    ranges: [
                        [0, 1],
                        [0, 1],
                    ],
                },
                /appears twice/,
            ],
            [{ ranges: [[1, 0]] }, /ranges\[0\]/],
            [{ ranges: [[0, Number.NaN]] }, /ranges\[0\]/],
            [{ ranges: [] }, /one \[min, max\] per channel/],
            [{ bits: 3 }, /bits/],
            [{ bits: 8.5 }, /bits/],
            [{ frameRate: 0 }, /frameRate/],
        ];
        for (const [change, pattern] of cases) {
            const error = roomError(() => validateStreamDescriptor({ ...good, ...change }, "alice"));
            expect(error.code).toBe("invalid-descriptor");
            expect(error.message).toMatch(pattern);
            expect(error.message.startsWith("alice:")).toBe(true);
        }
        expect(roomError(() => validateStreamDescriptor(null, "x")).code).toBe("invalid-descriptor");
        expect(validateStreamDescriptor(JSON.parse(JSON.stringify(good)), "x")).toEqual(good);
    });
});

describe("room tokens", () => {
    const secret = "0123456789abcdef-secret";
    it("verify what they sign and refuse tampering, other secrets, expiry and junk", () => {
        const token = signRoomToken(secret, { room: "lobby", participant: "alice", expires: 2000 });
        expect(verifyRoomToken(secret, token, 1000)).toEqual({ room: "lobby", participant: "alice", expires: 2000 });
        expect(roomError(() => verifyRoomToken(secret, token, 2001)).message).toContain("expired");
        expect(roomError(() => verifyRoomToken("another-secret-of-16+", token, 1000)).message).toContain("signature");
        const [, signature] = token.split(".");
        const forged = `${Buffer.from(JSON.stringify({ r: "lobby", p: "bob", e: 2000 })).toString("base64url")}.${signature}`;
        expect(roomError(() => verifyRoomToken(secret, forged, 1000)).code).toBe("invalid-token");
        for (const junk of [undefined, 42, "", "a", "a.b.c", "x".repeat(5000)]) expect(roomError(() => verifyRoomToken(secret, junk, 1000)).code).toBe("invalid-token");
        expect(roomError(() => signRoomToken("short", { room: "r", participant: "p", expires: 1 })).code).toBe("invalid-options");
        expect(roomError(() => signRoomToken(secret, { room: "bad room", participant: "p", expires: 1 })).code).toBe("invalid-options");
    });
});

describe("jitter buffer", () => {
    it("unwraps 16-bit counters across the wrap", () => {
        expect(unwrap16(2, 65534)).toBe(65538);
        expect(unwrap16(65534, 65538)).toBe(65534);
        expect(unwrap16(100, 100)).toBe(100);
        expect(unwrap16(0, 200000)).toBe(196608);
    });

    it("plays a lossy, reordered, wrapping stream in order and tracks the signal", () => {
        const signal = (t: number): number[] => [Math.sin(t / 300), Math.cos(t / 170) * 2];
        const buffer = new JitterBuffer({ channelCount: 2, playoutDelayMs: 100 });
        const applied: number[] = [];
        buffer.onFrameApplied = (sequence) => applied.push(sequence);
        const next = random(3);
        const arrivals: { at: number; sequence: number; time: number; values: Float32Array }[] = [];
        const senderStart = 64000; // sender clock and sequence both wrap during the test
        let dropped = 0;
        for (let i = 0; i < 300; i++) {
            const t = i * (1000 / 30);
            if (next() < 0.1) {
                dropped++;
                continue;
            }
            const transit = 30 + next() * 40 + (next() < 0.1 ? next() * 50 : 0);
            arrivals.push({ at: 5000 + t + transit, sequence: (65500 + i) & 0xffff, time: Math.floor(senderStart + t) & 0xffff, values: Float32Array.from(signal(t)) });
        }
        arrivals.sort((a, b) => a.at - b.at);
        let reordered = 0;
        for (let i = 1; i < arrivals.length; i++) if (unwrap16(arrivals[i].sequence, arrivals[i - 1].sequence) < arrivals[i - 1].sequence) reordered++;
        expect(reordered).toBeGreaterThan(5);
        const out = new Float32Array(2);
        const arrived: { time: number; values: Float32Array }[] = [];
        let cursor = 0;
        let worst = 0;
        let worstDelay = 0;
        let samples = 0;
        for (let now = 5000; now < 5000 + 10_500; now += 1000 / 60) {
            while (cursor < arrivals.length && arrivals[cursor].at <= now) {
                const frame = arrivals[cursor++];
                buffer.push(frame.sequence, frame.time, frame.values, frame.at);
                arrived.push({ time: unwrap16(frame.time, senderStart), values: frame.values });
            }
            if (!buffer.sample(now, out)) continue;
            // Reference: linear interpolation of the frames that had arrived, at the buffer's playout time.
            const playout = buffer.playoutTime;
            const sorted = [...arrived].sort((a, b) => a.time - b.time);
            const after = sorted.findIndex((frame) => frame.time > playout);
            if (after <= 0) continue;
            const a = sorted[after - 1];
            const b = sorted[after];
            const t = (playout - a.time) / (b.time - a.time);
            for (let i = 0; i < 2; i++) worst = Math.max(worst, Math.abs(out[i] - (a.values[i] + (b.values[i] - a.values[i]) * t)));
            // Playout runs the configured 100 ms behind the fastest transit seen (30 ms once the window has seen a few).
            if (now > 6000) worstDelay = Math.max(worstDelay, Math.abs(now - 5000 - (playout - senderStart) - 130));
            samples++;
        }
        const stats = buffer.stats;
        expect(stats.received).toBe(300 - dropped);
        expect(stats.late).toBe(0);
        expect(stats.applied).toBe(300 - dropped);
        expect(stats.missing).toBe(dropped);
        expect(applied.length).toBe(stats.applied);
        for (let i = 1; i < applied.length; i++) expect(unwrap16(applied[i], applied[i - 1])).toBeGreaterThan(applied[i - 1]);
        expect(samples).toBeGreaterThan(500);
        expect(worst).toBeLessThan(1e-5);
        expect(worstDelay).toBeLessThan(10);
    });

    it("drops late and duplicate frames, extrapolates briefly, then holds", () => {
        const buffer = new JitterBuffer({ channelCount: 1, playoutDelayMs: 50, maxExtrapolationMs: 100 });
        const out = new Float32Array(1);
        expect(buffer.sample(0, out)).toBe(false);
        buffer.push(0, 0, Float32Array.of(0), 0);
        buffer.push(1, 100, Float32Array.of(1), 100);
        expect(buffer.push(1, 100, Float32Array.of(1), 101)).toBe("duplicate");
        buffer.sample(150, out);
        expect(out[0]).toBeCloseTo(1, 5);
        buffer.sample(200, out);
        expect(out[0]).toBeCloseTo(1.5, 5);
        buffer.sample(1000, out);
        expect(out[0]).toBeCloseTo(2, 5);
        expect(buffer.push(2, 90, Float32Array.of(9), 1000)).toBe("late");
        expect(buffer.stats).toMatchObject({ received: 4, late: 1, duplicates: 1, applied: 2 });
    });

    it("stays bounded when a sender floods it", () => {
        const buffer = new JitterBuffer({ channelCount: 1, capacity: 16 });
        for (let i = 0; i < 5000; i++) buffer.push(i & 0xffff, (i * 33) & 0xffff, Float32Array.of(i), 0);
        expect(buffer.stats.overflow).toBe(5000 - 16);
        expect(buffer.stats.missing).toBe(0);
    });
});

describe("network impairment", () => {
    it("drops about the configured share and delivers the rest, some out of order", async () => {
        const impairment = new NetworkImpairment({ lossRate: 0.1, reorderRate: 0.2, maxReorderDelayMs: 20, seed: 5 });
        const delivered: number[] = [];
        for (let i = 0; i < 1000; i++) impairment.deliver(i, (value) => delivered.push(value));
        await new Promise((resolve) => setTimeout(resolve, 60));
        const stats = impairment.stats;
        expect(stats.dropped).toBeGreaterThan(70);
        expect(stats.dropped).toBeLessThan(130);
        expect(delivered.length).toBe(1000 - stats.dropped);
        expect(delivered.some((value, i) => i > 0 && value < delivered[i - 1])).toBe(true);
        impairment.dispose();
    });
});

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
