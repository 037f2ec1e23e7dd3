import { GemError } from "../../core/errors/GemError.js";

/**
 * Why a Gaussian sequence could not be distilled. Stable codes so scripts can branch on them.
 */
export type DistillationErrorCode = "gaussian-count-mismatch" | "non-finite" | "too-few-frames" | "invalid-option" | "invalid-input";

/** Typed error of the distillation tool: which sequence, which frame and field, what was expected and found. */
export class DistillationError extends GemError<DistillationErrorCode> {
    /** Offending field, for example `frame 12 positions[30]`. */
    public readonly field: string;
    /** What was expected. */
    public readonly expected: string;
    /** What was found. */
    public readonly actual: string;

    /**
     * Creates the error.
     * @param code reason
     * @param source sequence or file name
     * @param field offending field
     * @param expected what was expected
     * @param actual what was found
     */
    constructor(code: DistillationErrorCode, source: string, field: string, expected: string | number, actual: string | number) {
        super(code, source, `${field}: expected ${expected}, found ${actual}`);
        this.name = "DistillationError";
        this.field = field;
        this.expected = String(expected);
        this.actual = String(actual);
    }
}
