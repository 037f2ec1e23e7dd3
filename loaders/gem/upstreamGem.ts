/**
 * Builds a {@link GemModel} from what the upstream GEM code (Zielon/GEM, `pca_gauss.py`) writes: the `.ptk`
 * checkpoint read by {@link readTorchCheckpoint}, or the npz export described in docs/FORMAT.md §3.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { GemModel, type GemAttributeGroup, type GemAttributeSemantic } from "../../core/GemModel.js";
import type { NdArray } from "../archives/ndArray.js";
import { PickleObject, type PickleValue } from "../archives/torchCheckpoint.js";
import { requireFinite } from "../../core/errors/requireFinite.js";

/** Upstream attribute keys, in coefficient order, with our semantics. */
export const UpstreamGemAttributes: readonly { key: "geometry" | "opacity" | "scales" | "rotation"; semantic: GemAttributeSemantic; channels: number }[] = [
    { key: "geometry", semantic: "position", channels: 3 },
    { key: "opacity", semantic: "opacity", channels: 1 },
    { key: "scales", semantic: "scale", channels: 3 },
    { key: "rotation", semantic: "rotation", channels: 4 },
];

/** Options of the conversion. */
export interface UpstreamGemOptions {
    /** File name for errors and metadata. */
    fileName?: string;
    /** Components to keep per attribute (default: the checkpoint's `config`, as upstream truncates). */
    components?: Partial<Record<"geometry" | "opacity" | "scales" | "rotation", number>>;
}

/** One attribute's PCA as stored upstream. */
interface UpstreamPca {
    components: NdArray;
    variance: NdArray;
    mean: NdArray;
}

function isArray(value: unknown): value is NdArray {
    return typeof value === "object" && value !== null && "shape" in value && "data" in value && "dtype" in value;
}

function asFloat32(array: NdArray): Float32Array {
    return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as ArrayLike<number>);
}

function buildModel(pcas: Map<string, UpstreamPca>, colors: NdArray, config: Map<string, number>, options: UpstreamGemOptions, metadata: Record<string, unknown>): GemModel {
    const fileName = options.fileName ?? "gem.ptk";
    const colorValues = asFloat32(colors);
    if (colorValues.length % 3 !== 0) {
        throw new GemFormatError("size-mismatch", fileName, "colors", "3 values per Gaussian", colorValues.length);
    }
    const g = colorValues.length / 3;
    const groups: GemAttributeGroup[] = UpstreamGemAttributes.map(({ key, semantic, channels }) => {
        const pca = pcas.get(key);
        if (!pca) {
            throw new GemFormatError("invalid-descriptor", fileName, key, "a PCA (components, variance, mean)", "missing");
        }
        const n = g * channels;
        const [stored, width] = pca.components.shape.length === 2 ? pca.components.shape : [0, 0];
        if (width !== n) {
            throw new GemFormatError(
                "size-mismatch",
                fileName,
                `${key}.components`,
                `shape (K, ${n}) for ${g} Gaussians × ${channels} channels`,
                `(${pca.components.shape.join(", ")})`
            );
        }
        if (pca.mean.data.length !== n) {
            throw new GemFormatError("size-mismatch", fileName, `${key}.mean`, n, pca.mean.data.length);
        }
        const k = options.components?.[key] ?? config.get(key) ?? stored;
        if (!Number.isInteger(k) || k < 0 || k > stored || pca.variance.data.length < k) {
            throw new GemFormatError("size-mismatch", fileName, `${key} components`, `0..${Math.min(stored, pca.variance.data.length)}`, k);
        }
        const basis = asFloat32(pca.components).slice(0, k * n);
        const eigenvalues = asFloat32(pca.variance).slice(0, k);
        for (const [field, values] of [
            ["components", basis],
            ["variance", eigenvalues],
            ["mean", asFloat32(pca.mean)],
        ] as const) {
            requireFinite(values, fileName, `${key}.${field}`);
        }
        return {
            name: key,
            semantic,
            channels,
            components: k,
            // Upstream PCA'd post-activation values; only the quaternion is normalised after reconstruction.
            activation: semantic === "rotation" ? "normalize" : "none",
            mean: asFloat32(pca.mean).slice(),
            basis: k > 0 ? { dtype: "float32", data: basis } : null,
            eigenvalues,
        };
    });
    groups.push({ name: "colors", semantic: "color", channels: 3, components: 0, activation: "none", mean: colorValues.slice(), basis: null, eigenvalues: new Float32Array(0) });
    return new GemModel({ gaussianCount: g, groups, coefficientUnits: "stddev", metadata, fileName });
}

/**
 * Converts the dict `pca_gauss.py` saves (`{geometry|opacity|scales|rotation: {region: {components, variance, mean,
 * channels}}, colors: {region: tensor}, tex_map: ..., config: {...}}`).
 * @param root the unpickled checkpoint
 * @param options component counts and file name
 * @returns the model
 */
export function gemModelFromUpstreamCheckpoint(root: PickleValue, options: UpstreamGemOptions = {}): GemModel {
    const fileName = options.fileName ?? "gem.ptk";
    if (!(root instanceof Map)) {
        throw new GemFormatError("invalid-descriptor", fileName, "root", "a dict", root instanceof PickleObject ? root.kind : typeof root);
    }
    const geometry = root.get("geometry");
    if (!(geometry instanceof Map)) {
        throw new GemFormatError(
            "invalid-descriptor",
            fileName,
            "geometry",
            "a dict of regions (a GEM GAUSSIAN_PCA checkpoint)",
            geometry === undefined ? "missing" : typeof geometry
        );
    }
    const regions = [...geometry.keys()].map(String);
    if (regions.length !== 1) {
        throw new GemFormatError(
            "unsupported",
            fileName,
            "regions",
            "one region (the global GEM variant)",
            `${regions.length} regions (${regions.join(", ")}): the localized "parts" variant is not supported yet`
        );
    }
    const region = regions[0];
    const pcas = new Map<string, UpstreamPca>();
    for (const { key } of UpstreamGemAttributes) {
        const entry = (root.get(key) as Map<PickleValue, PickleValue> | undefined)?.get(region);
        if (!(entry instanceof Map)) {
            throw new GemFormatError("invalid-descriptor", fileName, `${key}.${region}`, "a dict with components, variance, mean", "missing");
        }
        const components = entry.get("components");
        const variance = entry.get("variance");
        const mean = entry.get("mean");
        if (!isArray(components) || !isArray(variance) || !isArray(mean)) {
            throw new GemFormatError("invalid-descriptor", fileName, `${key}.${region}`, "numpy arrays components, variance, mean", [...entry.keys()].join(", "));
        }
        pcas.set(key, { components, variance, mean });
    }
    const colors = (root.get("colors") as Map<PickleValue, PickleValue> | undefined)?.get(region);
    if (!isArray(colors)) {
        throw new GemFormatError("invalid-descriptor", fileName, `colors.${region}`, "an (M, 3) tensor", "missing");
    }
    const config = new Map<string, number>();
    const configValue = root.get("config");
    if (configValue instanceof Map) {
        configValue.forEach((v, k) => config.set(String(k), Number(v)));
    }
    return buildModel(pcas, colors, config, options, {
        source: "GEM (Zielon/GEM) GAUSSIAN_PCA checkpoint",
        file: fileName,
        region,
        config: Object.fromEntries(config),
        licence: "GEM checkpoints: MPG non-commercial research licence; do not redistribute",
    });
}

/**
 * Converts the npz export of docs/FORMAT.md §3 (`{attr}.components`, `{attr}.variance`, `{attr}.mean`, `colors.mean`).
 * @param arrays arrays by key
 * @param options component counts and file name
 * @returns the model
 */
export function gemModelFromNpzArrays(arrays: ReadonlyMap<string, NdArray>, options: UpstreamGemOptions = {}): GemModel {
    const fileName = options.fileName ?? "gem.npz";
    const get = (key: string) => {
        const array = arrays.get(key);
        if (!array) {
            throw new GemFormatError("invalid-descriptor", fileName, key, "an array", `missing (keys: ${[...arrays.keys()].join(", ")})`);
        }
        return array;
    };
    const pcas = new Map<string, UpstreamPca>();
    for (const { key } of UpstreamGemAttributes) {
        pcas.set(key, { components: get(`${key}.components`), variance: get(`${key}.variance`), mean: get(`${key}.mean`) });
    }
    return buildModel(pcas, get("colors.mean"), new Map(), options, {
        source: "GEM npz export",
        file: fileName,
        licence: "GEM checkpoints: MPG non-commercial research licence; do not redistribute",
    });
}
