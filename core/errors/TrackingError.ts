import { GemError } from "./GemError.js";

/** Why the face tracker failed. */
export type TrackingErrorCode = "detector-load" | "landmark-model" | "source" | "detection";

/**
 * Typed error of the face tracker: the landmark detector's models or runtime that do not load, a landmark model file
 * that does not validate, a video source that cannot be read, or a detection that failed in the worker.
 */
export class TrackingError extends GemError<TrackingErrorCode> {
    /**
     * Creates the error.
     * @param code reason
     * @param source file or source at fault
     * @param message what was wrong and what was expected
     * @param options `cause`: the runtime's own error, when one is wrapped
     */
    constructor(code: TrackingErrorCode, source: string, message: string, options?: { cause?: unknown }) {
        super(code, source, message, options);
        this.name = "TrackingError";
    }
}
