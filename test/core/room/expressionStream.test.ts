import { describe, expect, it } from "vitest";
import {
    MaxChannelRange,
    createStreamDescriptor,
    decodeExpressionFrame,
    encodeExpressionFrame,
    expressionFrameByteLength,
    quantisationError,
    validateStreamDescriptor,
} from "../../../core/room/expressionStream.js";
import { lcgRandom } from "../../support/lcgRandom.js";
import { roomError } from "../../support/roomError.js";

describe("expression frame codec", () => {
    it("round-trips random frames within half a quantisation step for 4 to 16 bits", () => {
        const next = lcgRandom(7);
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
            [{ ranges: [[-1e308, 1e308]] }, /ranges\[0\].*inside ±/],
            [{ ranges: [[0, 2e6]] }, /ranges\[0\]/],
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

describe("expression frames at the range bounds", () => {
    it("decode finite values for the widest ranges a descriptor may declare", () => {
        const descriptor = createStreamDescriptor("m", ["gem/geometry/0", "gem/geometry/1"], { bits: 16 });
        descriptor.ranges = [
            [-MaxChannelRange, MaxChannelRange],
            [MaxChannelRange - 1, MaxChannelRange],
        ];
        const valid = validateStreamDescriptor(descriptor, "x");
        const bytes = encodeExpressionFrame(valid, 1, 0, Float32Array.from([MaxChannelRange, -MaxChannelRange]));
        const decoded = decodeExpressionFrame(valid, bytes, "x");
        expect(Array.from(decoded.values).every(Number.isFinite)).toBe(true);
        expect(decoded.values[0]).toBeCloseTo(MaxChannelRange, -2);
    });
});
