import { describe, expect, it } from "vitest";
import { signRoomToken, verifyRoomToken } from "../../server/roomToken.js";
import { roomError } from "../support/roomError.js";

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

    it("have one spelling: padding, the other base64 alphabet and stray characters are refused", () => {
        const token = signRoomToken(secret, { room: "lobby", participant: "alice", expires: 2000 });
        const [payload, signature] = token.split(".");
        const standard = (text: string) => Buffer.from(text, "base64url").toString("base64");
        const variants = [
            `${payload}.${signature}=`,
            `${payload}=.${signature}`,
            `${payload}.${standard(signature)}`,
            `${standard(payload)}.${signature}`,
            `${payload}.${signature}!`,
        ];
        for (const variant of variants.filter((v) => v !== token)) {
            const error = roomError(() => verifyRoomToken(secret, variant, 1000));
            expect(error.code).toBe("invalid-token");
        }
        expect(verifyRoomToken(secret, token, 1000).participant).toBe("alice");
    });
});
