/** Why a face encoder was refused. */
export type EncoderErrorCode = "invalid-descriptor" | "shape-mismatch" | "model-load" | "inference";

/**
 * Typed error of the live face encoder: a descriptor that does not validate, a model whose input or output does not
 * have the shape the descriptor declares, a model that does not load, or an inference failure.
 */
export class EncoderError extends Error {
    /** Machine-readable reason. */
    public readonly code: EncoderErrorCode;
    /** Descriptor or model file name. */
    public readonly fileName: string;

    /**
     * Creates the error.
     * @param code reason
     * @param fileName file at fault
     * @param message what was wrong and what was expected
     */
    constructor(code: EncoderErrorCode, fileName: string, message: string) {
        super(`${fileName}: ${message} (${code})`);
        this.name = "EncoderError";
        this.code = code;
        this.fileName = fileName;
    }
}
