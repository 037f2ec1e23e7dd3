/**
 * Personal avatar models in rooms are named by content: `sha256:` and the 64 lowercase hex digits of the `.gem` file's
 * SHA-256, in a stream descriptor's `modelId`. Shared by the room server and the client.
 */

/** Prefix of a personal model's id. */
export const PersonalModelPrefix = "sha256:";

/**
 * The SHA-256 a personal model id names, or null when the id names a shipped model.
 * @param modelId a stream descriptor's model id
 * @returns 64 lowercase hex digits, or null
 */
export function personalModelHash(modelId: string): string | null {
    const hash = modelId.slice(PersonalModelPrefix.length);
    return modelId.startsWith(PersonalModelPrefix) && /^[0-9a-f]{64}$/.test(hash) ? hash : null;
}
