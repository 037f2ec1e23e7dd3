/**
 * IEEE 754 binary16 conversions, exact round-to-nearest-even, for basis data stored as float16.
 */

const floatView = new Float32Array(1);
const intView = new Uint32Array(floatView.buffer);

/**
 * Converts a float to its nearest binary16 bit pattern (round half to even; overflow gives infinity).
 * @param value number to convert
 * @returns the 16-bit pattern
 */
export function toHalf(value: number): number {
    floatView[0] = value;
    const x = intView[0];
    const sign = (x >>> 16) & 0x8000;
    const exponent = (x >>> 23) & 0xff;
    let mantissa = x & 0x7fffff;
    if (exponent === 0xff) {
        return sign | 0x7c00 | (mantissa ? 0x200 : 0);
    }
    const e = exponent - 127 + 15;
    if (e >= 0x1f) {
        return sign | 0x7c00;
    }
    if (e <= 0) {
        if (e < -10) {
            return sign;
        }
        mantissa |= 0x800000;
        const shift = 14 - e;
        const half = 1 << (shift - 1);
        const rest = mantissa & ((1 << shift) - 1);
        let result = mantissa >>> shift;
        if (rest > half || (rest === half && result & 1)) {
            result++;
        }
        return sign | result;
    }
    let result = (e << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && result & 1)) {
        result++;
    }
    return sign | result;
}

/**
 * Converts a binary16 bit pattern to a number.
 * @param bits the 16-bit pattern
 * @returns the decoded value
 */
export function fromHalf(bits: number): number {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) {
        return sign * mantissa * 2 ** -24;
    }
    if (exponent === 0x1f) {
        return mantissa ? NaN : sign * Infinity;
    }
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Converts an array of floats to binary16.
 * @param values source values
 * @returns the packed halves
 */
export function toHalfArray(values: ArrayLike<number>): Uint16Array {
    const out = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) {
        out[i] = toHalf(values[i]);
    }
    return out;
}

/**
 * Converts binary16 bit patterns to floats.
 * @param bits packed halves
 * @returns the decoded values
 */
export function fromHalfArray(bits: Uint16Array): Float32Array {
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) {
        out[i] = fromHalf(bits[i]);
    }
    return out;
}
