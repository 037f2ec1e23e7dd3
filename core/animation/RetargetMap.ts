import type { GemLinearDriver, GemModel } from "../GemModel.js";
import { applyAffineMap } from "../gemDrivers.js";
import { AnimationChannelError } from "../errors/AnimationChannelError.js";
import { flameChannelOfDriverInput, gemChannelNames } from "./channelNames.js";
import type { ChannelLayout } from "./ChannelLayout.js";
import { jsonTextDepth, MaxJsonDepth } from "../errors/boundedJson.js";

/** JSON form of a {@link RetargetMap} (docs/ANIMATION.md §2). */
export interface RetargetMapJson {
    /** Always `gem-retarget-map`. */
    format: "gem-retarget-map";
    /** Format version (1). */
    version: number;
    /** Map name. */
    name: string;
    /** Source channel names. */
    source: string[];
    /** Target channel names (only the channels the map drives). */
    target: string[];
    /** Row-major target × source. */
    matrix: number[];
    /** Target values at zero input. */
    bias: number[];
}

/** Current version of the map JSON. */
export const RetargetMapVersion = 1;

/**
 * An affine map between channel spaces, `target = bias + matrix · source`, kept as data: ARKit-52 → FLAME, FLAME →
 * GEM (the distillation's driver), or any user fit. Maps compose ({@link compose}) and calibrate to a neutral face
 * ({@link calibrateNeutral}). The target list names the channels the map drives; other channels of the target space
 * are left to the layers below.
 */
export class RetargetMap {
    /** Map name (for errors and the UI). */
    public readonly name: string;
    /** Source channels. */
    public readonly source: readonly string[];
    /** Driven target channels. */
    public readonly target: readonly string[];
    /** Row-major target × source. */
    public readonly matrix: Float32Array;
    /** Target values at zero source. */
    public readonly bias: Float32Array;

    /**
     * Creates a map.
     * @param name name
     * @param source source channels
     * @param target target channels
     * @param matrix row-major target × source
     * @param bias target at zero input (default zeros)
     */
    constructor(name: string, source: readonly string[], target: readonly string[], matrix: Float32Array, bias?: Float32Array) {
        if (matrix.length !== source.length * target.length) {
            throw new AnimationChannelError("invalid-map", name, `matrix has ${matrix.length} values, expected ${target.length} × ${source.length}`);
        }
        if (bias && bias.length !== target.length) {
            throw new AnimationChannelError("invalid-map", name, `bias has ${bias.length} values, expected ${target.length}`);
        }
        RetargetMap._CheckUnique(name, "source", source);
        RetargetMap._CheckUnique(name, "target", target);
        const badAt = [...matrix, ...(bias ?? [])].findIndex((v) => !Number.isFinite(v));
        if (badAt >= 0) {
            throw new AnimationChannelError("non-finite", name, `value ${badAt} of the matrix/bias is not finite`);
        }
        this.name = name;
        this.source = [...source];
        this.target = [...target];
        this.matrix = matrix;
        this.bias = bias ?? new Float32Array(target.length);
    }

    /**
     * The identity on some channels.
     * @param channels channel names
     * @param name map name
     * @returns the map
     */
    public static Identity(channels: readonly string[], name = "identity"): RetargetMap {
        const n = channels.length;
        const matrix = new Float32Array(n * n);
        for (let i = 0; i < n; i++) {
            matrix[i * n + i] = 1;
        }
        return new RetargetMap(name, channels, channels, matrix);
    }

    /**
     * A GEM model's driver map (for example the FLAME map the distillation fitted) as a retarget map onto `gem/…`.
     * @param model the model
     * @param driver the driver (default the model's `flame` driver)
     * @returns the map, or null when the model has no such driver
     */
    public static FromGemDriver(model: GemModel, driver: GemLinearDriver | string = "flame"): RetargetMap | null {
        const d = typeof driver === "string" ? model.getDriver(driver) : driver;
        if (!d) {
            return null;
        }
        // An `arkit` map's inputs are ARKit names; any other map's are FLAME parameters (`jawPose.0`).
        const source = d.name === "arkit" ? d.inputs.map((input) => `arkit/${input}`) : d.inputs.map(flameChannelOfDriverInput);
        return new RetargetMap(`${d.name} → gem`, source, gemChannelNames(model), d.matrix, d.bias);
    }

    /**
     * Applies the map to named values.
     * @param source values by source channel (missing channels read 0)
     * @returns values by target channel
     */
    public applyNamed(source: Readonly<Record<string, number>>): Record<string, number> {
        const input = new Float32Array(this.source.map((name) => source[name] ?? 0));
        const output = this.apply(input);
        const result: Record<string, number> = {};
        this.target.forEach((name, i) => (result[name] = output[i]));
        return result;
    }

    /**
     * Applies the map: `out = bias + matrix · source`. Non-finite inputs count as 0.
     * @param source one value per source channel
     * @param out destination, one per target channel (allocated when omitted)
     * @returns out
     */
    public apply(source: ArrayLike<number>, out?: Float32Array): Float32Array {
        if (source.length !== this.source.length) {
            throw new AnimationChannelError("size-mismatch", this.name, `expected ${this.source.length} source values, got ${source.length}`);
        }
        return applyAffineMap(this.matrix, this.bias, source, out);
    }

    /**
     * This map followed by another: `next(this(x))`. Sources of `next` that this map does not drive read 0. (Not named
     * `then`: a class with a `then` method is a thenable, and `await`ing a map would call it.)
     * @param next a map whose sources are (some of) this map's targets
     * @returns the composed map, from this map's sources to `next`'s targets
     */
    public compose(next: RetargetMap): RetargetMap {
        const p = this.source.length;
        const q = next.target.length;
        const rows = next.source.map((name) => this.target.indexOf(name));
        if (rows.every((r) => r < 0)) {
            throw new AnimationChannelError("no-route", `${this.name} → ${next.name}`, `no channel of "${this.name}" feeds "${next.name}"`, next.source);
        }
        const matrix = new Float32Array(q * p);
        const bias = new Float32Array(next.bias);
        for (let t = 0; t < q; t++) {
            for (let m = 0; m < next.source.length; m++) {
                const r = rows[m];
                const w = next.matrix[t * next.source.length + m];
                if (r < 0 || w === 0) {
                    continue;
                }
                bias[t] += w * this.bias[r];
                for (let i = 0; i < p; i++) {
                    matrix[t * p + i] += w * this.matrix[r * p + i];
                }
            }
        }
        return new RetargetMap(`${this.name} → ${next.name}`, this.source, next.target, matrix, bias);
    }

    /**
     * Neutral-face calibration: the returned map sends the given source values (a capture of the performer's relaxed
     * face, for example ARKit weights that never reach 0) to what this map gives for zero input, i.e.
     * `f'(x) = bias + matrix · (x − neutral)`.
     * @param neutral source values of the neutral face, by channel name (missing channels read 0) or in source order
     * @returns the calibrated map
     */
    public calibrateNeutral(neutral: Readonly<Record<string, number>> | ArrayLike<number>): RetargetMap {
        const values = RetargetMap._IsArrayLike(neutral) ? neutral : this.source.map((name) => (neutral as Record<string, number>)[name] ?? 0);
        if (values.length !== this.source.length) {
            throw new AnimationChannelError("size-mismatch", this.name, `neutral has ${values.length} values, expected ${this.source.length}`);
        }
        const shift = this.apply(values);
        const bias = new Float32Array(this.target.length);
        for (let t = 0; t < bias.length; t++) {
            bias[t] = 2 * this.bias[t] - shift[t];
        }
        return new RetargetMap(`${this.name} (calibrated)`, this.source, this.target, this.matrix, bias);
    }

    /**
     * Index tables binding this map to two layouts, for per-frame use without name lookups.
     * @param source the layout the inputs live in
     * @param target the layout the outputs go to
     * @returns slot of each source channel in `source` (−1 where absent) and of each target channel in `target`
     */
    public bind(source: ChannelLayout, target: ChannelLayout): { sourceSlots: Int32Array; targetSlots: Int32Array } {
        const missing = this.target.filter((name) => !target.has(name));
        if (missing.length > 0) {
            throw new AnimationChannelError(
                "unknown-channel",
                this.name,
                `drives ${missing.length} channel(s) the target does not have: ${missing.slice(0, 5).join(", ")}`,
                missing
            );
        }
        return {
            sourceSlots: Int32Array.from(this.source, (name) => source.indexOf(name)),
            targetSlots: Int32Array.from(this.target, (name) => target.indexOf(name)),
        };
    }

    /** @returns the JSON form */
    public toJSON(): RetargetMapJson {
        return {
            format: "gem-retarget-map",
            version: RetargetMapVersion,
            name: this.name,
            source: [...this.source],
            target: [...this.target],
            matrix: Array.from(this.matrix),
            bias: Array.from(this.bias),
        };
    }

    /**
     * Reads a map written by {@link toJSON}, checking every field.
     * @param json parsed JSON or its text
     * @param fileName name used in errors
     * @returns the map
     */
    public static FromJSON(json: unknown, fileName = "retarget map"): RetargetMap {
        const data = typeof json === "string" ? RetargetMap._ParseText(json, fileName) : json;
        const fail = (message: string): never => {
            throw new AnimationChannelError("invalid-map", fileName, message);
        };
        if (typeof data !== "object" || data === null) {
            return fail("expected a JSON object");
        }
        const d = data as Partial<RetargetMapJson>;
        if (d.format !== "gem-retarget-map") {
            fail(`format: expected "gem-retarget-map", found ${JSON.stringify(d.format)}`);
        }
        if (d.version !== RetargetMapVersion) {
            fail(`version: expected ${RetargetMapVersion}, found ${JSON.stringify(d.version)}`);
        }
        const strings = (field: "source" | "target"): string[] => {
            const v = d[field];
            if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
                fail(`${field}: expected an array of channel names`);
            }
            return v as string[];
        };
        const source = strings("source");
        const target = strings("target");
        const numbers = (field: "matrix" | "bias", length: number): Float32Array => {
            const v = d[field];
            if (!Array.isArray(v) || v.length !== length) {
                fail(`${field}: expected ${length} numbers, found ${Array.isArray(v) ? v.length : typeof v}`);
            }
            const bad = (v as unknown[]).findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
            if (bad >= 0) {
                throw new AnimationChannelError("non-finite", fileName, `${field}[${bad}] is ${JSON.stringify((v as unknown[])[bad])}`);
            }
            return new Float32Array(v as number[]);
        };
        return new RetargetMap(typeof d.name === "string" ? d.name : fileName, source, target, numbers("matrix", source.length * target.length), numbers("bias", target.length));
    }

    private static _ParseText(text: string, fileName: string): unknown {
        if (jsonTextDepth(text, MaxJsonDepth) > MaxJsonDepth) {
            throw new AnimationChannelError("invalid-map", fileName, `JSON nested deeper than ${MaxJsonDepth} levels`, []);
        }
        try {
            return JSON.parse(text);
        } catch (e) {
            throw new AnimationChannelError("invalid-map", fileName, `not JSON: ${(e as Error).message}`, [], { cause: e });
        }
    }

    private static _IsArrayLike(v: unknown): v is ArrayLike<number> {
        return Array.isArray(v) || ArrayBuffer.isView(v);
    }

    private static _CheckUnique(name: string, field: string, channels: readonly string[]): void {
        const seen = new Set<string>();
        for (const c of channels) {
            if (seen.has(c)) {
                throw new AnimationChannelError("invalid-map", name, `${field} channel "${c}" appears twice`, [c]);
            }
            seen.add(c);
        }
    }
}
