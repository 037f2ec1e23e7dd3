import { parseHeadJoints, type GemHeadJoints } from "./headPose.js";
import { GemFormatError } from "./errors/GemFormatError.js";
import { fromHalf } from "./halfFloat.js";
import { requireFinite } from "./errors/requireFinite.js";

/** What a GEM attribute group describes; each semantic appears exactly once in a model. */
export type GemAttributeSemantic = "position" | "opacity" | "scale" | "rotation" | "color";

/**
 * Function applied to an attribute after the linear combination.
 * Upstream GEM builds its bases on post-activation values, so its groups use `none` except rotation (`normalize`);
 * `exp` and `sigmoid` serve models whose bases live on log-scales or logit opacities.
 */
export type GemActivation = "none" | "exp" | "sigmoid" | "normalize";

/** How a group's basis values are stored, in memory as in the `.gem` file. */
export type GemBasisStorage =
    | { dtype: "float32"; data: Float32Array }
    | { dtype: "float16"; data: Uint16Array }
    | {
          dtype: "uint8";
          data: Uint8Array;
          /** Per-component scale: value = offset[k] + scale[k] * byte / 255. */
          scale: Float32Array;
          /** Per-component offset. */
          offset: Float32Array;
      };

/** Number of channels each semantic carries. Rotation is a quaternion in (w, x, y, z) order. */
export const GemSemanticChannels: Readonly<Record<GemAttributeSemantic, number>> = {
    position: 3,
    opacity: 1,
    scale: 3,
    rotation: 4,
    color: 3,
};

/** The order in which attribute groups are stored and their coefficients concatenated (upstream GEM order). */
export const GemSemanticOrder: readonly GemAttributeSemantic[] = ["position", "opacity", "scale", "rotation", "color"];

/**
 * One attribute group of the eigen-ensemble: `value = mean + Σ_k c_k · σ_k · basis_k`, then the activation.
 */
export interface GemAttributeGroup {
    /** Group name, as upstream names it (`geometry`, `opacity`, `scales`, `rotation`, `colors`). */
    name: string;
    /** Which Gaussian attribute it reconstructs. */
    semantic: GemAttributeSemantic;
    /** Channels per Gaussian (3, 1, 3, 4 or 3). */
    channels: number;
    /** Number of basis components K (0 for static attributes such as upstream colours). */
    components: number;
    /** Applied after the linear combination. */
    activation: GemActivation;
    /** Mean, Gaussian-major and channel-minor: index `g * channels + c`. */
    mean: Float32Array;
    /** Basis, component-major then Gaussian then channel: index `(k * G + g) * channels + c`; null when K = 0. */
    basis: GemBasisStorage | null;
    /** Variance of each component (σ_k²). */
    eigenvalues: Float32Array;
    /** Optional human-readable component names (for sliders and channels). */
    componentNames?: string[];
}

/**
 * A linear map from named driver inputs to the model's whole coefficient vector: `c = bias + matrix · x`.
 * The distillation tool fits one from FLAME parameters (`flame`), so a FLAME track drives the avatar without the mesh.
 */
export interface GemLinearDriver {
    /** Driver name, for example `flame`. */
    name: string;
    /**
     * Input names. FLAME inputs are named after {@link FlameParameters} fields and an index: `expression.3`,
     * `jawPose.0`, `eyePose.4`, `eyelids.1`.
     */
    inputs: string[];
    /** Optional human-readable labels, one per input (for sliders). */
    labels?: string[];
    /** Row-major, totalComponents × inputs.length. */
    matrix: Float32Array;
    /** Coefficients at zero input, totalComponents. */
    bias: Float32Array;
}

/** Units of the coefficients a user sets. */
export type GemCoefficientUnits = "stddev" | "raw";

/** Construction parameters of a {@link GemModel}. */
export interface GemModelOptions {
    /** Number of Gaussians G. */
    gaussianCount: number;
    /** The five attribute groups (any order; stored in {@link GemSemanticOrder}). */
    groups: GemAttributeGroup[];
    /**
     * `stddev` (upstream GEM): coefficients are whitened and multiplied by σ_k = sqrt(eigenvalue).
     * `raw`: coefficients multiply the basis directly.
     */
    coefficientUnits?: GemCoefficientUnits;
    /** Free-form metadata (source, licence, actor id...). */
    metadata?: Record<string, unknown>;
    /** Linear driver maps (for example FLAME → coefficients). */
    drivers?: GemLinearDriver[];
    /** File name used in error messages. */
    fileName?: string;
}

/**
 * A Gaussian Eigen Model held in memory, independent of any engine: the data a `.gem` file stores.
 * Shared by every avatar that uses it.
 */
export class GemModel {
    /** Number of Gaussians. */
    public readonly gaussianCount: number;
    /** Attribute groups in {@link GemSemanticOrder}. */
    public readonly groups: readonly GemAttributeGroup[];
    /** Units of the user-facing coefficients. */
    public readonly coefficientUnits: GemCoefficientUnits;
    /** Free-form metadata. */
    public readonly metadata: Record<string, unknown>;
    /** Offset of each group's coefficients in the concatenated coefficient vector. */
    public readonly coefficientOffsets: readonly number[];
    /** Length of the concatenated coefficient vector (Σ K over groups). */
    public readonly totalComponents: number;
    /** Linear driver maps stored with the model. */
    public readonly drivers: readonly GemLinearDriver[];
    /**
     * FLAME root and neck joints of the avatar's canonical mesh (metadata `flameJoints`), the pivots of its head pose;
     * null when the model does not say (the head then pivots about the origin).
     */
    public readonly headJoints: GemHeadJoints | null;

    /**
     * Creates a model after checking that every array has the size its counts imply.
     * @param options counts, groups and metadata
     */
    constructor(options: GemModelOptions) {
        const fileName = options.fileName ?? "GemModel";
        const g = options.gaussianCount;
        if (!Number.isInteger(g) || g <= 0) {
            throw new GemFormatError("invalid-descriptor", fileName, "gaussianCount", "a positive integer", g);
        }
        const bySemantic = new Map<GemAttributeSemantic, GemAttributeGroup>();
        for (const group of options.groups) {
            if (bySemantic.has(group.semantic)) {
                throw new GemFormatError("invalid-descriptor", fileName, `groups.${group.name}.semantic`, "each semantic once", `${group.semantic} twice`);
            }
            bySemantic.set(group.semantic, group);
        }
        const groups: GemAttributeGroup[] = [];
        for (const semantic of GemSemanticOrder) {
            const group = bySemantic.get(semantic);
            if (!group) {
                throw new GemFormatError("invalid-descriptor", fileName, "groups", `a group with semantic "${semantic}"`, "none");
            }
            GemModel._validateGroup(group, g, options.coefficientUnits ?? "stddev", fileName);
            groups.push(group);
        }
        this.gaussianCount = g;
        this.groups = groups;
        this.coefficientUnits = options.coefficientUnits ?? "stddev";
        this.metadata = options.metadata ?? {};
        const offsets: number[] = [];
        let total = 0;
        for (const group of groups) {
            offsets.push(total);
            total += group.components;
        }
        this.coefficientOffsets = offsets;
        this.totalComponents = total;
        const drivers = options.drivers ?? [];
        drivers.forEach((driver, index) => GemModel._validateDriver(driver, total, fileName, `drivers[${index}]`));
        if (new Set(drivers.map((d) => d.name)).size !== drivers.length) {
            throw new GemFormatError("invalid-descriptor", fileName, "drivers", "unique driver names", drivers.map((d) => d.name).join(", "));
        }
        this.drivers = drivers;
        this.headJoints = parseHeadJoints(this.metadata.flameJoints, fileName);
    }

    /**
     * A model sharing this one's Gaussians and bases with other metadata or driver maps (checked like any model).
     * @param changes metadata entries to add or replace, and/or the driver maps to use instead
     * @param fileName used in error messages
     * @returns the new model
     */
    public derive(changes: { metadata?: Record<string, unknown>; drivers?: GemLinearDriver[] }, fileName?: string): GemModel {
        return new GemModel({
            gaussianCount: this.gaussianCount,
            groups: [...this.groups],
            coefficientUnits: this.coefficientUnits,
            metadata: { ...this.metadata, ...changes.metadata },
            drivers: changes.drivers ?? [...this.drivers],
            fileName,
        });
    }

    /**
     * Returns a driver map by name.
     * @param name driver name, for example `flame`
     * @returns the driver, or undefined
     */
    public getDriver(name: string): GemLinearDriver | undefined {
        return this.drivers.find((driver) => driver.name === name);
    }

    /**
     * Returns the group reconstructing a semantic.
     * @param semantic attribute semantic
     * @returns the group
     */
    public getGroup(semantic: GemAttributeSemantic): GemAttributeGroup {
        return this.groups[GemSemanticOrder.indexOf(semantic)];
    }

    /**
     * Returns a group by its name (for example `geometry`) or semantic (for example `position`).
     * @param name group name or semantic
     * @returns the group, or undefined
     */
    public findGroup(name: string): GemAttributeGroup | undefined {
        return this.groups.find((group) => group.name === name) ?? this.groups.find((group) => group.semantic === name);
    }

    /**
     * Reads one dequantized basis value.
     * @param group the group
     * @param component component index k
     * @param element flat element index `g * channels + c`
     * @returns the basis value as a number
     */
    public static BasisValue(group: GemAttributeGroup, component: number, element: number): number {
        const basis = group.basis!;
        const index = component * group.mean.length + element;
        switch (basis.dtype) {
            case "float32":
                return basis.data[index];
            case "float16":
                return fromHalf(basis.data[index]);
            case "uint8":
                return basis.offset[component] + (basis.scale[component] * basis.data[index]) / 255;
        }
    }

    /**
     * Decodes one component of a basis (or all of them) to float32.
     * @param group the group
     * @param component a component index, or undefined for the whole basis
     * @returns the decoded values (G·C per component)
     */
    public static DequantizeBasis(group: GemAttributeGroup, component?: number): Float32Array {
        const basis = group.basis;
        if (!basis) {
            return new Float32Array(0);
        }
        const n = group.mean.length;
        const first = component ?? 0;
        const count = component === undefined ? group.components : 1;
        const out = new Float32Array(count * n);
        for (let k = first; k < first + count; k++) {
            const src = k * n;
            const dst = (k - first) * n;
            if (basis.dtype === "float32") {
                out.set(basis.data.subarray(src, src + n), dst);
            } else if (basis.dtype === "float16") {
                for (let i = 0; i < n; i++) {
                    out[dst + i] = fromHalf(basis.data[src + i]);
                }
            } else {
                const scale = basis.scale[k] / 255;
                const offset = basis.offset[k];
                for (let i = 0; i < n; i++) {
                    out[dst + i] = offset + scale * basis.data[src + i];
                }
            }
        }
        return out;
    }

    private static _validateDriver(driver: GemLinearDriver, total: number, fileName: string, field: string): void {
        if (typeof driver.name !== "string" || driver.name.length === 0) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.name`, "a non-empty string", String(driver.name));
        }
        if (!Array.isArray(driver.inputs) || driver.inputs.some((s) => typeof s !== "string") || new Set(driver.inputs).size !== driver.inputs.length) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.inputs`, "unique input names", JSON.stringify(driver.inputs));
        }
        if (driver.labels !== undefined && (!Array.isArray(driver.labels) || driver.labels.length !== driver.inputs.length || driver.labels.some((s) => typeof s !== "string"))) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.labels`, `${driver.inputs.length} strings`, JSON.stringify(driver.labels));
        }
        if (driver.matrix.length !== total * driver.inputs.length) {
            throw new GemFormatError("size-mismatch", fileName, `${field}.matrix.length`, `${total} × ${driver.inputs.length}`, driver.matrix.length);
        }
        if (driver.bias.length !== total) {
            throw new GemFormatError("size-mismatch", fileName, `${field}.bias.length`, total, driver.bias.length);
        }
        requireFinite(driver.matrix, fileName, `${field}.matrix`);
        requireFinite(driver.bias, fileName, `${field}.bias`);
    }

    private static _validateGroup(group: GemAttributeGroup, g: number, units: GemCoefficientUnits, fileName: string): void {
        const field = `groups.${group.name}`;
        const channels = GemSemanticChannels[group.semantic];
        if (group.channels !== channels) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.channels`, channels, group.channels);
        }
        if (!Number.isInteger(group.components) || group.components < 0) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.components`, "a non-negative integer", group.components);
        }
        if (group.mean.length !== g * channels) {
            throw new GemFormatError("size-mismatch", fileName, `${field}.mean.length`, g * channels, group.mean.length);
        }
        if (group.eigenvalues.length !== group.components) {
            throw new GemFormatError("size-mismatch", fileName, `${field}.eigenvalues.length`, group.components, group.eigenvalues.length);
        }
        if (group.components === 0) {
            if (group.basis) {
                throw new GemFormatError("invalid-descriptor", fileName, `${field}.basis`, "no basis for 0 components", "a basis");
            }
            return;
        }
        if (!group.basis) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.basis`, `a basis of ${group.components} components`, "none");
        }
        const expected = group.components * g * channels;
        if (group.basis.data.length !== expected) {
            throw new GemFormatError("size-mismatch", fileName, `${field}.basis.length`, expected, group.basis.data.length);
        }
        if (group.basis.dtype === "uint8" && (group.basis.scale.length !== group.components || group.basis.offset.length !== group.components)) {
            throw new GemFormatError(
                "size-mismatch",
                fileName,
                `${field}.basis.quantization`,
                `${group.components} scales and offsets`,
                `${group.basis.scale.length} and ${group.basis.offset.length}`
            );
        }
        if (group.componentNames && group.componentNames.length !== group.components) {
            throw new GemFormatError("size-mismatch", fileName, `${field}.componentNames.length`, group.components, group.componentNames.length);
        }
        GemModel._validateRange(group, units, fileName, field);
    }

    /**
     * Refuses finite values so large that the reconstruction overflows (a flipped exponent bit turns 0.01 into 10^36):
     * at coefficients of up to {@link GemModel.CoefficientRangeChecked} σ every value must stay below 10^30, and an
     * `exp` group's mean (a log value) below 80. One pass over the mean and the basis.
     * @param group the group (sizes already checked)
     * @param units coefficient units (σ_k = sqrt(eigenvalue) for stddev, 1 for raw)
     * @param fileName for errors
     * @param field for errors
     */
    private static _validateRange(group: GemAttributeGroup, units: GemCoefficientUnits, fileName: string, field: string): void {
        let bound = 0;
        let highest = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < group.mean.length; i++) {
            bound = Math.max(bound, Math.abs(group.mean[i]));
            highest = Math.max(highest, group.mean[i]);
        }
        const basis = group.basis;
        if (basis) {
            let sigmaSum = 0;
            for (let k = 0; k < group.components; k++) {
                sigmaSum += units === "stddev" ? Math.sqrt(Math.max(group.eigenvalues[k], 0)) : 1;
            }
            let largest = 0;
            if (basis.dtype === "float32") {
                for (let i = 0; i < basis.data.length; i++) {
                    largest = Math.max(largest, Math.abs(basis.data[i]));
                }
            } else if (basis.dtype === "float16") {
                // Magnitude order is the order of the bits without the sign (NaN and ∞ are refused by the parsers).
                let bits = 0;
                for (let i = 0; i < basis.data.length; i++) {
                    bits = Math.max(bits, basis.data[i] & 0x7fff);
                }
                largest = fromHalf(bits);
            } else {
                for (let k = 0; k < group.components; k++) {
                    largest = Math.max(largest, Math.abs(basis.offset[k]) + Math.abs(basis.scale[k]));
                }
            }
            bound += GemModel.CoefficientRangeChecked * sigmaSum * largest;
        }
        if (!(bound <= 1e30)) {
            throw new GemFormatError(
                "invalid-descriptor",
                fileName,
                `${field} values`,
                `a reconstruction within ±1e30 at |c| ≤ ${GemModel.CoefficientRangeChecked}σ (mean, basis and eigenvalues of a sane model)`,
                `values up to ${bound.toPrecision(3)}`
            );
        }
        if (group.activation === "exp" && highest > 80) {
            throw new GemFormatError("invalid-descriptor", fileName, `${field}.mean`, "log values below 80 (exp overflows past 88)", highest);
        }
    }

    /** Coefficient magnitude (in σ) up to which a loaded model is checked not to overflow. */
    public static readonly CoefficientRangeChecked = 10;
}
