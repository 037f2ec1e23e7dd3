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

/**
 * Refuses NaN, ±Infinity and finite values beyond a physical range (|v| > limit) with a {@link GemFormatError} naming the
 * element: a value such as 3.4e38 is finite but overflows the first product it enters.
 * @param values the values
 * @param limit largest magnitude accepted
 * @param fileName file being parsed
 * @param field field path of the array
 * @returns the values, for chaining
 */
export function requireWithin<T extends ArrayLike<number>>(values: T, limit: number, fileName: string, field: string): T {
    for (let i = 0; i < values.length; i++) {
        const value = values[i];
        if (!Number.isFinite(value)) {
            throw new GemFormatError("non-finite", fileName, `${field}[${i}]`, "a finite number", value);
        }
        if (value > limit || value < -limit) {
            throw new GemFormatError("out-of-range", fileName, `${field}[${i}]`, `a value within ±${limit}`, value);
        }
    }
    return values;
}
