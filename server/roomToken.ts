import { createHmac, timingSafeEqual } from "node:crypto";
import { MaxStreamNameLength } from "../core/room/expressionStream.js";
import { RoomError } from "../core/errors/RoomError.js";

/** What a room token grants: one participant id in one room until a time. */
export interface RoomTokenClaims {
    /** Room name. */
    room: string;
    /** Participant id; the server stamps every frame of the connection with it. */
    participant: string;
    /** Expiry, seconds since 1970. */
    expires: number;
}

function base64url(bytes: Uint8Array): string {
    return Buffer.from(bytes).toString("base64url");
}

function sign(secret: string | Uint8Array, payload: string): Buffer {
    return createHmac("sha256", secret).update(payload).digest();
}

function isName(value: unknown): value is string {
    return typeof value === "string" && value.length > 0 && value.length <= MaxStreamNameLength && /^[\w.:@-]+$/.test(value);
}

/**
 * Signs a token: `base64url(JSON claims) "." base64url(HMAC-SHA256(secret, first part))`.
 * @param secret server secret (at least 16 bytes)
 * @param claims room, participant, expiry
 * @returns the token
 */
export function signRoomToken(secret: string | Uint8Array, claims: RoomTokenClaims): string {
    if (Buffer.byteLength(secret) < 16) throw new RoomError("invalid-options", "secret", "a room secret needs at least 16 bytes");
    if (!isName(claims.room) || !isName(claims.participant))
        throw new RoomError("invalid-options", "claims", "room and participant must be 1 to 128 characters of [A-Za-z0-9_.:@-]");
    const payload = base64url(Buffer.from(JSON.stringify({ r: claims.room, p: claims.participant, e: Math.floor(claims.expires) })));
    return `${payload}.${base64url(sign(secret, payload))}`;
}

/**
 * Verifies a token's signature and expiry.
 * @param secret server secret
 * @param token token from the client
 * @param nowSeconds current time, seconds since 1970
 * @returns the claims
 * @throws RoomError `invalid-token` saying what failed
 */
export function verifyRoomToken(secret: string | Uint8Array, token: unknown, nowSeconds = Date.now() / 1000): RoomTokenClaims {
    const fail = (message: string): never => {
        throw new RoomError("invalid-token", "token", message);
    };
    if (typeof token !== "string" || token.length > 1024) fail("expected a token string of at most 1024 characters");
    const [payload, signature, extra] = (token as string).split(".");
    if (payload === undefined || signature === undefined || extra !== undefined) fail("expected two dot-separated parts");
    // One encoding per token: base64url without padding, each part the canonical encoding of its bytes (Node's decoder
    // also accepts '+', '/', '=' and stray characters, which would give one token several valid spellings).
    const given = Buffer.from(signature, "base64url");
    if (base64url(given) !== signature || base64url(Buffer.from(payload, "base64url")) !== payload) fail("parts are not canonical base64url");
    const expected = sign(secret, payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) fail("signature does not match");
    let claims: { r?: unknown; p?: unknown; e?: unknown };
    try {
        claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
        return fail("claims are not JSON");
    }
    if (!isName(claims.r) || !isName(claims.p) || typeof claims.e !== "number") fail("claims lack room, participant or expiry");
    if ((claims.e as number) < nowSeconds) fail("token expired");
    return { room: claims.r as string, participant: claims.p as string, expires: claims.e as number };
}
