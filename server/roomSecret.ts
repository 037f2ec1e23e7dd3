import { RoomError } from "../core/errors/RoomError.js";

/** The secret `npm run room -- --dev` uses: public (it is in this file), so only a development server accepts it. */
export const DevelopmentRoomSecret = "gem-avatars-local-development-secret";

/** Least estimated strength of a production secret, bits. */
export const MinimumSecretBits = 64;

/**
 * A rough upper estimate of a secret's strength: its length times log2 of the number of distinct bytes it uses (16
 * identical bytes: 0 bits; 32 random hex characters: about 125 bits).
 * @param secret the secret
 * @returns estimated bits
 */
export function estimateSecretBits(secret: string): number {
    const bytes = Buffer.from(secret);
    return bytes.length * Math.log2(Math.max(1, new Set(bytes).size));
}

/**
 * Refuses secrets that would let anyone sign tokens: shorter than 16 bytes, of low estimated strength, or the public
 * development secret outside development mode.
 * @param secret the secret
 * @param development whether the server runs in development mode (loopback only)
 */
export function checkRoomSecret(secret: string, development: boolean): void {
    if (Buffer.byteLength(secret ?? "") < 16) throw new RoomError("invalid-options", "secret", "a room secret needs at least 16 bytes");
    if (secret === DevelopmentRoomSecret) {
        if (!development) throw new RoomError("invalid-options", "secret", "the public development secret is accepted in development mode only");
        return;
    }
    const bits = estimateSecretBits(secret);
    if (bits < MinimumSecretBits) {
        throw new RoomError(
            "invalid-options",
            "secret",
            `a room secret of about ${Math.floor(bits)} bits is too weak (at least ${MinimumSecretBits}: for example 32 random hex characters, openssl rand -hex 32)`
        );
    }
}

/**
 * Whether a host name binds to this machine only.
 * @param host interface name or address
 * @returns true for localhost, 127.0.0.0/8 and ::1
 */
export function isLoopbackHost(host: string): boolean {
    return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
