/**
 * Deterministic synthetic GEM models for tests and benchmarks (random bases, plausible attribute ranges).
 */
import { GemModel, GemSemanticChannels, GemSemanticOrder, type GemActivation, type GemAttributeGroup, type GemAttributeSemantic } from "../../core/GemModel.js";

import { createRandom } from "../../core/random.js";

export { createRandom };

/** Options of {@link createRandomModel}. */
export interface RandomModelOptions {
    /** Number of Gaussians. */
    gaussianCount: number;
    /** Components per semantic (colour defaults to 0, as upstream). */
    components?: Partial<Record<GemAttributeSemantic, number>>;
    /** Seed. */
    seed?: number;
    /** Activations per semantic (defaults follow upstream GEM: rotation normalised, the rest linear). */
    activations?: Partial<Record<GemAttributeSemantic, GemActivation>>;
}

/**
 * Builds a random model whose Gaussians stay well-formed for moderate coefficients (|c| ≤ 3).
 * @param options counts and seed
 * @returns the model (float32 storage)
 */
export function createRandomModel(options: RandomModelOptions): GemModel {
    const random = createRandom(options.seed ?? 1);
    const g = options.gaussianCount;
    const activations: Record<GemAttributeSemantic, GemActivation> = {
        position: "none",
        opacity: "none",
        scale: "none",
        rotation: "normalize",
        color: "none",
        ...options.activations,
    };
    const components: Record<GemAttributeSemantic, number> = { position: 4, opacity: 2, scale: 3, rotation: 3, color: 0, ...options.components };
    const groups: GemAttributeGroup[] = GemSemanticOrder.map((semantic) => {
        const c = GemSemanticChannels[semantic];
        const k = components[semantic];
        const mean = new Float32Array(g * c);
        const activation = activations[semantic];
        let amplitude = 0.01;
        for (let i = 0; i < g; i++) {
            for (let j = 0; j < c; j++) {
                const r = random();
                let v: number;
                switch (semantic) {
                    case "position":
                        v = (r - 0.5) * 0.3;
                        amplitude = 0.01;
                        break;
                    case "opacity":
                        v = activation === "sigmoid" ? (r - 0.5) * 4 : 0.4 + 0.5 * r;
                        amplitude = activation === "sigmoid" ? 0.3 : 0.03;
                        break;
                    case "scale":
                        v = activation === "exp" ? Math.log(0.004 + 0.01 * r) : 0.004 + 0.01 * r;
                        amplitude = activation === "exp" ? 0.1 : 0.0006;
                        break;
                    case "rotation":
                        v = j === 0 ? 1 + r : r - 0.5;
                        amplitude = 0.1;
                        break;
                    default:
                        v = r;
                }
                mean[i * c + j] = v;
            }
        }
        const basisData = new Float32Array(k * g * c);
        for (let i = 0; i < basisData.length; i++) {
            basisData[i] = (random() - 0.5) * 2;
        }
        const eigenvalues = new Float32Array(k);
        for (let i = 0; i < k; i++) {
            // Decaying spectrum, normalised so each unit-σ coefficient moves an element by about `amplitude`.
            eigenvalues[i] = (amplitude / (1 + i)) ** 2;
        }
        return {
            name: semantic,
            semantic,
            channels: c,
            components: k,
            activation,
            mean,
            basis: k > 0 ? { dtype: "float32", data: basisData } : null,
            eigenvalues,
        };
    });
    return new GemModel({ gaussianCount: g, groups, coefficientUnits: "stddev", metadata: { synthetic: true, seed: options.seed ?? 1 } });
}

/**
 * Random coefficient vector in [-range, range].
 * @param length number of coefficients
 * @param random PRNG
 * @param range half-width
 * @returns the vector
 */
export function randomCoefficients(length: number, random: () => number, range = 2): Float32Array {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) {
        out[i] = (random() * 2 - 1) * range;
    }
    return out;
}
