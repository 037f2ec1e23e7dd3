import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RoomError } from "../../core/errors/RoomError.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRoomSecret, DevelopmentRoomSecret, estimateSecretBits, isLoopbackHost, readRoomSecretFile } from "../../server/roomSecret.js";

describe("room secrets", () => {
    it("refuse short, repetitive and public secrets, and accept random ones", () => {
        const refused = ["short-secret", "a".repeat(16), "abababababababab", "0000000000000000000000000000000000000000", DevelopmentRoomSecret];
        for (const secret of refused) expect(() => checkRoomSecret(secret, false)).toThrow(RoomError);
        expect(estimateSecretBits("a".repeat(16))).toBe(0);
        for (let i = 0; i < 200; i++) {
            const secret = randomBytes(16).toString("hex");
            expect(estimateSecretBits(secret)).toBeGreaterThanOrEqual(64);
            expect(() => checkRoomSecret(secret, false)).not.toThrow();
        }
    });

    it("refuse guessable secrets: sequences, phrases, near-copies of the development secret; accept random hex and base64url or a file", () => {
        const guessable = [
            "0123456789abcdef",
            "0123456789abcdef0123456789abcdef",
            "correcthorsebatterystaple",
            "CorrectHorseBatteryStaple",
            `${DevelopmentRoomSecret}x`,
            DevelopmentRoomSecret.replace("local", "locai"),
            "deadbeef".repeat(4),
            "abcdefghijklmnopqrstuvwxyz012345",
        ];
        for (const secret of guessable) expect(() => checkRoomSecret(secret, false), secret).toThrow(/too weak|development/);
        for (let i = 0; i < 200; i++) {
            expect(() => checkRoomSecret(randomBytes(32).toString("hex"), false)).not.toThrow();
            expect(() => checkRoomSecret(randomBytes(17).toString("base64url"), false)).not.toThrow();
        }
        const file = join(mkdtempSync(join(tmpdir(), "room-secret-")), "secret");
        const secret = randomBytes(32).toString("hex");
        writeFileSync(file, `${secret}\n`);
        expect(readRoomSecretFile(file)).toBe(secret);
        expect(() => readRoomSecretFile(`${file}.missing`)).toThrow(RoomError);
    });

    it("accept the development secret in development mode only", () => {
        expect(() => checkRoomSecret(DevelopmentRoomSecret, true)).not.toThrow();
        expect(() => checkRoomSecret(DevelopmentRoomSecret, false)).toThrow(/development mode only/);
        expect(() => checkRoomSecret("a".repeat(16), true)).toThrow(/too weak/);
    });

    it("know which hosts are loopback", () => {
        for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopbackHost(host)).toBe(true);
        for (const host of ["0.0.0.0", "192.168.1.2", "example.com", "::", "127.0.0.1.example.com"]) expect(isLoopbackHost(host)).toBe(false);
    });
});
