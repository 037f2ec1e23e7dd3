/**
 * Builds a {@link GemModel} from what the upstream GEM code (Zielon/GEM, `pca_gauss.py`) writes: the `.ptk`
 * checkpoint read by {@link readTorchCheckpoint}, or the npz export described in docs/FORMAT.md §3.
 */
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { GemModel, type GemAttributeGroup, type GemAttributeSemantic } from "../../core/GemModel.js";
import { requireKind, type NdArray } from "../archives/ndArray.js";
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
    /**
     * Components to keep per attribute (default: the checkpoint's `config`, as upstream truncates). For the localized
     * variant (`*_parts.ptk`) it is the number kept over all regions together, chosen by variance (default: the
     * config's count, the size of a global model; at most the sum over regions, which keeps everything).
     */
    components?: Partial<Record<"geometry" | "opacity" | "scales" | "rotation", number>>;
}

/** One attribute's PCA as stored upstream. */
interface UpstreamPca {
    components: NdArray;
    variance: NdArray;
    mean: NdArray;
}

/** One region of an upstream checkpoint: its Gaussians' PCAs and colours (the global variant has one, `full`). */
interface UpstreamRegion {
    name: string;
    pcas: Map<string, UpstreamPca>;
    colors: NdArray;
}

function isArray(value: unknown): value is NdArray {
    return typeof value === "object" && value !== null && "shape" in value && "data" in value && "dtype" in value;
}

function asFloat32(array: NdArray): Float32Array {
    return array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as ArrayLike<number>);
}

/** A component kept from a region: which region, which of its rows, and its variance. */
interface KeptComponent {
    region: number;
    row: number;
    variance: number;
}

function buildModel(regions: readonly UpstreamRegion[], config: Map<string, number>, options: UpstreamGemOptions, metadata: Record<string, unknown>): GemModel {
    const fileName = options.fileName ?? "gem.ptk";
    const counts: number[] = [];
    const colorParts: Float32Array[] = [];
    for (const region of regions) {
        const colorValues = requireFinite(asFloat32(region.colors), fileName, `colors.${region.name}`);
        if (colorValues.length % 3 !== 0 || colorValues.length === 0) {
            throw new GemFormatError("size-mismatch", fileName, `colors.${region.name}`, "3 values per Gaussian", colorValues.length);
        }
        counts.push(colorValues.length / 3);
        colorParts.push(colorValues);
    }
    const starts = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
    const g = counts.reduce((a, b) => a + b, 0);
    const localized = regions.length > 1;
    const conversion: Record<string, unknown> = {};
    const groups: GemAttributeGroup[] = UpstreamGemAttributes.map(({ key, semantic, channels }) => {
        // Check every region's arrays and find how many rows each offers.
        const available: number[] = [];
        const candidates: KeptComponent[] = [];
        const means: Float32Array[] = [];
        regions.forEach((region, r) => {
            const pca = region.pcas.get(key)!;
            const field = localized ? `${key}.${region.name}` : key;
            const n = counts[r] * channels;
            const [stored, width] = pca.components.shape.length === 2 ? pca.components.shape : [0, 0];
            if (width !== n) {
                throw new GemFormatError(
                    "size-mismatch",
                    fileName,
                    `${field}.components`,
                    `shape (K, ${n}) for ${counts[r]} Gaussians × ${channels} channels`,
                    `(${pca.components.shape.join(", ")})`
                );
            }
            if (pca.mean.data.length !== n) {
                throw new GemFormatError("size-mismatch", fileName, `${field}.mean`, n, pca.mean.data.length);
            }
            const perRegion = localized ? Math.min(stored, config.get(key) ?? stored) : (options.components?.[key] ?? config.get(key) ?? stored);
            if (!Number.isInteger(perRegion) || perRegion < 0 || perRegion > stored || pca.variance.data.length < perRegion) {
                throw new GemFormatError("size-mismatch", fileName, `${field} components`, `0..${Math.min(stored, pca.variance.data.length)}`, perRegion);
            }
            const variance = requireFinite(asFloat32(pca.variance).subarray(0, perRegion), fileName, `${field}.variance`);
            requireFinite(asFloat32(pca.components).subarray(0, perRegion * n), fileName, `${field}.components`);
            means.push(requireFinite(asFloat32(pca.mean), fileName, `${field}.mean`));
            for (let k = 0; k < perRegion; k++) {
                if (!(variance[k] >= 0)) {
                    throw new GemFormatError("invalid-descriptor", fileName, `${field}.variance[${k}]`, "a non-negative variance", variance[k]);
                }
                candidates.push({ region: r, row: k, variance: variance[k] });
            }
            available.push(perRegion);
        });
        let kept = candidates;
        if (localized) {
            // The regions' covariances are blocks of one block-diagonal covariance: its top eigenvectors are the regions'
            // own components of largest variance, so keeping those is the best K-term fit over all Gaussians.
            const total = candidates.length;
            const wanted = options.components?.[key] ?? Math.min(total, config.get(key) ?? total);
            if (!Number.isInteger(wanted) || wanted < 0 || wanted > total) {
                throw new GemFormatError("size-mismatch", fileName, `${key} components`, `0..${total} (the sum over ${regions.length} regions)`, wanted);
            }
            kept = [...candidates].sort((a, b) => b.variance - a.variance || a.region - b.region || a.row - b.row).slice(0, wanted);
            const all = candidates.reduce((sum, c) => sum + c.variance, 0);
            conversion[key] = {
                kept: wanted,
                of: total,
                varianceKept: all > 0 ? kept.reduce((sum, c) => sum + c.variance, 0) / all : 1,
                components: kept.map((c) => `${regions[c.region].name}.${c.row}`),
            };
        }
        const k = kept.length;
        const n = g * channels;
        const basis = new Float32Array(k * n);
        kept.forEach((c, i) => {
            const pca = regions[c.region].pcas.get(key)!;
            const width = counts[c.region] * channels;
            const row = asFloat32(pca.components).subarray(c.row * width, (c.row + 1) * width);
            basis.set(row, i * n + starts[c.region] * channels);
        });
        const mean = new Float32Array(n);
        means.forEach((m, r) => mean.set(m, starts[r] * channels));
        return {
            name: key,
            semantic,
            channels,
            components: k,
            // Upstream PCA'd post-activation values; only the quaternion is normalised after reconstruction.
            activation: semantic === "rotation" ? "normalize" : "none",
            mean,
            basis: k > 0 ? { dtype: "float32", data: basis } : null,
            eigenvalues: Float32Array.from(kept, (c) => c.variance),
            ...(localized ? { componentNames: kept.map((c) => `${regions[c.region].name}.${c.row}`) } : {}),
        };
    });
    const colors = new Float32Array(3 * g);
    colorParts.forEach((part, r) => colors.set(part, 3 * starts[r]));
    groups.push({ name: "colors", semantic: "color", channels: 3, components: 0, activation: "none", mean: colors, basis: null, eigenvalues: new Float32Array(0) });
    const regionTable = localized
        ? { regions: regions.map((region, r) => ({ name: region.name, firstGaussian: starts[r], gaussians: counts[r] })), partsConversion: conversion }
        : {};
    return new GemModel({ gaussianCount: g, groups, coefficientUnits: "stddev", metadata: { ...metadata, ...regionTable }, fileName });
}

/**
 * Converts the dict `pca_gauss.py` saves (`{geometry|opacity|scales|rotation: {region: {components, variance, mean,
 * channels}}, colors: {region: tensor}, tex_map: ..., config: {...}}`), global (one region) or localized
 * (`*_parts.ptk`, one PCA per region; see {@link UpstreamGemOptions.components} for how its regions are combined).
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
            geometry === undefined ? "missing" : describeValue(geometry)
        );
    }
    const names = [...geometry.keys()].map(String);
    if (names.length === 0) {
        throw new GemFormatError("invalid-descriptor", fileName, "geometry", "at least one region", "an empty dict");
    }
    const regions: UpstreamRegion[] = names.map((name) => {
        const pcas = new Map<string, UpstreamPca>();
        for (const { key } of UpstreamGemAttributes) {
            const attribute = root.get(key);
            const entry = attribute instanceof Map ? attribute.get(name) : undefined;
            if (!(entry instanceof Map)) {
                const found = !(attribute instanceof Map) ? (attribute === undefined ? `no "${key}" key` : describeValue(attribute)) : describeValue(entry);
                const track = isArray(entry) && entry.shape.length === 2;
                throw new GemFormatError(
                    track ? "unsupported" : "invalid-descriptor",
                    fileName,
                    `${key}.${name}`,
                    "a dict with components, variance, mean (a GAUSSIAN_PCA checkpoint)",
                    track ? `${found}: per-frame coefficients, as a *_coeffs.ptk track holds, not an eigenbasis` : found
                );
            }
            const components = entry.get("components");
            const variance = entry.get("variance");
            const mean = entry.get("mean");
            if (!isArray(components) || !isArray(variance) || !isArray(mean)) {
                throw new GemFormatError("invalid-descriptor", fileName, `${key}.${name}`, "numpy arrays components, variance, mean", [...entry.keys()].map(String).join(", "));
            }
            for (const [field, array] of [
                ["components", components],
                ["variance", variance],
                ["mean", mean],
            ] as const) {
                requireKind(array, "float", fileName, `${key}.${name}.${field}`);
            }
            pcas.set(key, { components, variance, mean });
        }
        const colorsByRegion = root.get("colors");
        const colors = colorsByRegion instanceof Map ? colorsByRegion.get(name) : undefined;
        if (!isArray(colors)) {
            throw new GemFormatError("invalid-descriptor", fileName, `colors.${name}`, "an (M, 3) tensor", colors === undefined ? "missing" : describeValue(colors));
        }
        requireKind(colors, "float", fileName, `colors.${name}`);
        return { name, pcas, colors };
    });
    const config = new Map<string, number>();
    const configValue = root.get("config");
    if (configValue instanceof Map) {
        configValue.forEach((v, k) => {
            const n = Number(v);
            if (!Number.isInteger(n) || n < 0) {
                throw new GemFormatError("invalid-descriptor", fileName, `config.${String(k)}`, "a non-negative component count", String(v));
            }
            config.set(String(k), n);
        });
    }
    return buildModel(regions, config, options, {
        source: regions.length > 1 ? "GEM (Zielon/GEM) GAUSSIAN_PCA checkpoint, localized (parts) variant" : "GEM (Zielon/GEM) GAUSSIAN_PCA checkpoint",
        file: fileName,
        ...(regions.length === 1 ? { region: regions[0].name } : {}),
        config: Object.fromEntries(config),
        licence: "GEM checkpoints: MPG non-commercial research licence; do not redistribute",
    });
}

/** What a pickled value is, in a few words, for an error message. */
function describeValue(value: PickleValue | undefined): string {
    if (value === undefined) {
        return "missing";
    }
    if (isArray(value)) {
        return `an array of shape (${value.shape.join(", ")})`;
    }
    if (value instanceof Map) {
        return `a dict with keys ${[...value.keys()].slice(0, 6).map(String).join(", ")}`;
    }
    if (value instanceof PickleObject) {
        return value.kind;
    }
    return Array.isArray(value) ? `a ${value.length}-element list` : typeof value;
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
        const [components, variance, mean] = ["components", "variance", "mean"].map((field) => requireKind(get(`${key}.${field}`), "float", fileName, `${key}.${field}`));
        pcas.set(key, { components, variance, mean });
    }
    return buildModel([{ name: "full", pcas, colors: requireKind(get("colors.mean"), "float", fileName, "colors.mean") }], new Map(), options, {
        source: "GEM npz export",
        file: fileName,
        licence: "GEM checkpoints: MPG non-commercial research licence; do not redistribute",
    });
}
