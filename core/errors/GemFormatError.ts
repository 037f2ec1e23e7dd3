import { GemError } from "./GemError.js";

/**
 * Why a GEM or FLAME asset was rejected. Stable strings so callers can branch on them.
 */
export type GemFormatErrorCode =
    | "truncated"
    | "bad-magic"
    | "bad-version"
    | "oversized"
    | "invalid-descriptor"
    | "size-mismatch"
    | "non-finite"
    | "out-of-range"
    | "unsupported"
    | "bad-checksum";

/**
 * Typed error thrown by every parser of this package. It names the file, the field that was wrong,
 * what was expected and what was found, so a user can tell a truncated download from a wrong export.
 */
export class GemFormatError extends GemError<GemFormatErrorCode> {
    /** Name of the file (or URL) being parsed, as given by the caller. */
    public readonly fileName: string;
    /** Dotted path of the offending field, for example `groups[2].basis.byteLength`. */
    public readonly field: string;
    /** What the parser expected, in words or as a number. */
    public readonly expected: string;
    /** What the parser found. */
    public readonly actual: string;

    /**
     * Creates a format error.
     * @param code machine-readable reason
     * @param fileName file being parsed
     * @param field offending field
     * @param expected what was expected
     * @param actual what was found
     * @param options `cause`: the error this one wraps (an inflater's or decoder's own error)
     */
    constructor(code: GemFormatErrorCode, fileName: string, field: string, expected: string | number, actual: string | number, options?: { cause?: unknown }) {
        super(code, fileName, `${field}: expected ${expected}, found ${actual}`, options);
        this.name = "GemFormatError";
        this.fileName = fileName;
        this.field = field;
        this.expected = String(expected);
        this.actual = String(actual);
    }
}
