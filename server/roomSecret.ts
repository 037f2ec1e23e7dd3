import { readFileSync } from "node:fs";
import { RoomError } from "../core/errors/RoomError.js";

/** The secret `npm run room -- --dev` uses: public (it is in this file), so only a development server accepts it. */
export const DevelopmentRoomSecret = "gem-avatars-local-development-secret";

/** Least strength of a production secret, bits: 32 hex characters or 22 base64url characters from a random source. */
export const MinimumSecretBits = 128;

/** How to make a secret, for error messages and docs. */
export const SecretAdvice = "32 or more random hex characters (openssl rand -hex 32) or 22 or more random base64url characters, or a secret file";

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
 * Edit distance between two strings (insertions, deletions, substitutions), for near-copies of the public secret.
 * @param a first
 * @param b second
 * @returns the distance
 */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/**
 * Why a secret does not look drawn from a random source, or null when it does: an alphabet other than hex or base64url,
 * too short for 128 bits in its alphabet, letters of one case only in base64url (a phrase: `correcthorsebatterystaple`),
 * runs of consecutive or repeated characters (`0123456789abcdef`), a repeated block, or a near-copy of the public
 * development secret.
 * @param secret the secret
 * @returns the reason, or null
 */
export function secretWeakness(secret: string): string | null {
    if (editDistance(secret.toLowerCase(), DevelopmentRoomSecret) <= DevelopmentRoomSecret.length / 2 || secret.toLowerCase().includes("development-secret")) {
        return "a near-copy of the public development secret";
    }
    const hex = /^[0-9a-fA-F]+$/.test(secret);
    const base64 = /^[A-Za-z0-9_+/-]+={0,2}$/.test(secret);
    if (!hex && !base64) return "not hex or base64url";
    const bitsPerCharacter = hex ? 4 : 6;
    if (secret.replace(/=+$/, "").length * bitsPerCharacter < MinimumSecretBits) {
        return `${secret.length} ${hex ? "hex" : "base64url"} characters hold under ${MinimumSecretBits} bits`;
    }
    if (!hex) {
        const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((pattern) => pattern.test(secret)).length;
        if (classes < 2) return "letters of one kind only (a phrase or a word, not random base64url)";
        // Words: letters only, capitals only where a word starts (never two in a row), and the vowels of a language
        // (random base64url has about one letter in five a vowel, and two capitals in a row within a few characters).
        const vowels = (secret.match(/[aeiouy]/gi) ?? []).length;
        if (/^[A-Za-z]+$/.test(secret) && !/[A-Z]{2}/.test(secret) && vowels / secret.length > 0.3) {
            return "letters that read like words (a phrase, not random base64url)";
        }
    }
    // Consecutive steps (abc, 987, aaa): a random string has few.
    const codes = [...(hex ? secret.toLowerCase() : secret)].map((c) => c.charCodeAt(0));
    let steps = 0;
    for (let i = 2; i < codes.length; i++) {
        const d = codes[i] - codes[i - 1];
        if (Math.abs(d) <= 1 && d === codes[i - 1] - codes[i - 2]) steps++;
    }
    if (steps >= 4 && steps > codes.length / 6) return "runs of consecutive or repeated characters";
    for (let period = 1; period <= secret.length / 2; period++) {
        if (secret.slice(period) === secret.slice(0, secret.length - period)) return `a block of ${period} characters repeated`;
    }
    if (new Set(secret).size < Math.min(hex ? 16 : 64, secret.length) / 2) return "too few distinct characters";
    return null;
}

/**
 * Refuses secrets that would let anyone sign tokens: outside development mode a secret must look drawn from a random
 * source with at least 128 bits ({@link secretWeakness}); the public development secret is accepted in development mode
 * only, where any secret of 16 bytes or more is.
 * @param secret the secret
 * @param development whether the server runs in development mode (loopback only)
 */
export function checkRoomSecret(secret: string, development: boolean): void {
    if (Buffer.byteLength(secret ?? "") < 16) throw new RoomError("invalid-options", "secret", `a room secret needs at least 16 bytes: ${SecretAdvice}`);
    if (secret === DevelopmentRoomSecret) {
        if (!development) throw new RoomError("invalid-options", "secret", "the public development secret is accepted in development mode only");
        return;
    }
    if (development) {
        if (estimateSecretBits(secret) < 64) throw new RoomError("invalid-options", "secret", `the room secret is too weak: ${SecretAdvice}`);
        return;
    }
    const weakness = secretWeakness(secret);
    if (weakness !== null) throw new RoomError("invalid-options", "secret", `the room secret is too weak (${weakness}): use ${SecretAdvice}`);
}

/**
 * Reads a secret from a file (Docker and Kubernetes secrets, systemd credentials): its contents without the trailing
 * line break.
 * @param path the file
 * @returns the secret
 */
export function readRoomSecretFile(path: string): string {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (error) {
        throw new RoomError("invalid-options", "secretFile", `cannot read the room secret file ${path}: ${(error as Error).message}`, { cause: error });
    }
    return text.replace(/\r?\n$/, "");
}

/**
 * Whether a host name binds to this machine only.
 * @param host interface name or address
 * @returns true for localhost, 127.0.0.0/8 and ::1
 */
export function isLoopbackHost(host: string): boolean {
    return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
