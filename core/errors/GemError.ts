/**
 * Base of every typed error this package throws (as Babylon's `BaseError` is of its `RuntimeError`): a stable
 * machine-readable `code` to branch on, the `source` at fault (a file, clip, participant or URL) and, when the error
 * wraps another, the standard `cause`. Subclasses add their own fields (field path, expected, found...).
 */
export class GemError<TCode extends string = string> extends Error {
    /** Machine-readable reason, stable across versions. */
    public readonly code: TCode;
    /** What was at fault: the file being parsed, the clip or map, the participant, the URL. */
    public readonly source: string;

    /**
     * Creates the error; the message reads `source: detail (code)`.
     * @param code machine-readable reason
     * @param source what was at fault
     * @param detail what was wrong and what was expected
     * @param options `cause`: the error this one wraps
     */
    constructor(code: TCode, source: string, detail: string, options?: { cause?: unknown }) {
        super(`${source}: ${detail} (${code})`, options);
        this.name = "GemError";
        this.code = code;
        this.source = source;
    }
}
