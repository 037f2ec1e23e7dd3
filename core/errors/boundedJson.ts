import { GemFormatError } from "./GemFormatError.js";

/**
 * How deep a JSON text nests its arrays and objects, read from the text itself before any parsing (strings and their
 * escapes skipped), so a hostile file of millions of brackets is refused in one linear pass without building anything.
 * @param text JSON text
 * @param limit depth past which the scan stops
 * @returns the deepest nesting, or limit + 1 as soon as the text goes deeper than limit
 */
export function jsonTextDepth(text: string, limit: number): number {
    let depth = 0;
    let deepest = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
            if (c === 0x5c) {
                i++;
            } else if (c === 0x22) {
                inString = false;
            }
            continue;
        }
        if (c === 0x22) {
            inString = true;
        } else if (c === 0x5b || c === 0x7b) {
            if (++depth > limit) {
                return limit + 1;
            }
            if (depth > deepest) {
                deepest = depth;
            }
        } else if (c === 0x5d || c === 0x7d) {
            depth--;
        }
    }
    return deepest;
}

/** Bounds of {@link parseBoundedJson}. */
export interface BoundedJsonOptions {
    /** Deepest nesting of arrays and objects accepted. */
    maxDepth: number;
    /** Longest text accepted, in UTF-16 code units (default unbounded). */
    maxLength?: number;
}

/**
 * `JSON.parse` behind a length and a nesting bound checked on the text first; every failure is a
 * {@link GemFormatError} naming the file and field (`oversized` for the length, `invalid-descriptor` otherwise).
 * @param text JSON text
 * @param fileName file being parsed
 * @param field what the text is, for errors
 * @param options bounds
 * @returns the parsed value
 */
export function parseBoundedJson(text: string, fileName: string, field: string, options: BoundedJsonOptions): unknown {
    if (options.maxLength !== undefined && text.length > options.maxLength) {
        throw new GemFormatError("oversized", fileName, field, `at most ${options.maxLength} characters of JSON`, text.length);
    }
    if (jsonTextDepth(text, options.maxDepth) > options.maxDepth) {
        throw new GemFormatError("invalid-descriptor", fileName, `${field} nesting`, `at most ${options.maxDepth} levels`, `more than ${options.maxDepth}`);
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        throw new GemFormatError("invalid-descriptor", fileName, field, "JSON", (error as Error).message.slice(0, 120), { cause: error });
    }
}

/** Nesting every JSON input of the package stays within (the deepest real file, a `.gem` descriptor's metadata, uses a few). */
export const MaxJsonDepth = 64;
