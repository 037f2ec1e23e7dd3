import { GemFormatError } from "./GemFormatError.js";

/**
 * Index of the first value that is NaN or ±Infinity.
 * @param values the values
 * @returns the index, or -1 when every value is finite
 */
export function findNonFinite(values: ArrayLike<number>): number {
    for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i])) {
            return i;
        }
    }
    return -1;
}

/**
 * Refuses NaN and ±Infinity in a parsed array with a {@link GemFormatError} naming the element (`field[i]`).
 * @param values the values
 * @param fileName file being parsed
 * @param field field path of the array
 * @returns the values, for chaining
 */
export function requireFinite<T extends ArrayLike<number>>(values: T, fileName: string, field: string): T {
    const bad = findNonFinite(values);
    if (bad >= 0) {
        throw new GemFormatError("non-finite", fileName, `${field}[${bad}]`, "a finite number", values[bad]);
    }
    return values;
}
