import { describe, expect, it } from "vitest";
import { AnimationChannelError } from "../../../core/errors/AnimationChannelError.js";
import { EncoderError } from "../../../core/errors/EncoderError.js";
import { GemError } from "../../../core/errors/GemError.js";
import { GemFormatError } from "../../../core/errors/GemFormatError.js";
import { RoomError } from "../../../core/errors/RoomError.js";
import { DistillationError } from "../../../tools/distill/DistillationError.js";

describe("GemError", () => {
    it("is the base of every typed error, which keeps its code, source, name and message shape", () => {
        const errors: [GemError, string, string, string][] = [
            [new GemFormatError("truncated", "a.gem", "header", 16, 3), "GemFormatError", "truncated", "a.gem: header: expected 16, found 3 (truncated)"],
            [
                new AnimationChannelError("no-route", "smile.json", "no map to flame", ["arkit/jawOpen"]),
                "AnimationChannelError",
                "no-route",
                "smile.json: no map to flame (no-route)",
            ],
            [new EncoderError("inference", "enc.onnx", "failed"), "EncoderError", "inference", "enc.onnx: failed (inference)"],
            [new RoomError("invalid-token", "alice", "expired"), "RoomError", "invalid-token", "alice: expired (invalid-token)"],
            [
                new DistillationError("non-finite", "seq", "frame 2 x[0]", "a finite number", Number.NaN),
                "DistillationError",
                "non-finite",
                "seq: frame 2 x[0]: expected a finite number, found NaN (non-finite)",
            ],
        ];
        for (const [error, name, code, message] of errors) {
            expect(error).toBeInstanceOf(GemError);
            expect(error).toBeInstanceOf(Error);
            expect(error.name).toBe(name);
            expect(error.code).toBe(code);
            expect(error.message).toBe(message);
        }
        expect((errors[0][0] as GemFormatError).fileName).toBe("a.gem");
        expect(errors[0][0].source).toBe("a.gem");
    });

    it("wraps the error it was raised from as its cause", () => {
        const inner = new SyntaxError("Unexpected token");
        const error = new GemFormatError("invalid-descriptor", "a.gem", "descriptor", "UTF-8 JSON", inner.message, { cause: inner });
        expect(error.cause).toBe(inner);
        expect(new EncoderError("model-load", "m.onnx", "no", { cause: inner }).cause).toBe(inner);
        expect(new RoomError("connection", "url", "no").cause).toBeUndefined();
    });
});
