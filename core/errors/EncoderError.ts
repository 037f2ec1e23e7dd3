import { GemError } from "./GemError.js";

/** Why a face encoder was refused. */
export type EncoderErrorCode = "invalid-descriptor" | "shape-mismatch" | "model-load" | "inference";

/**
 * Typed error of the live face encoder: a descriptor that does not validate, a model whose input or output does not
 * have the shape the descriptor declares, a model that does not load, or an inference failure.
 */
export class EncoderError extends GemError<EncoderErrorCode> {
    /** Descriptor or model file name. */
    public readonly fileName: string;

    /**
     * Creates the error.
     * @param code reason
     * @param fileName file at fault
     * @param message what was wrong and what was expected
     * @param options `cause`: the runtime's own error, when one is wrapped
     */
    constructor(code: EncoderErrorCode, fileName: string, message: string, options?: { cause?: unknown }) {
        super(code, fileName, message, options);
        this.name = "EncoderError";
        this.fileName = fileName;
    }
}
