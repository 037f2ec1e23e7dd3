/**
 * The face solver's landmark model as an npz: `neutral` (n, 3), `expressions` (K, n, 3), `identities` (M, n, 3),
 * float arrays, `names` (K,) strings (ARKit names), and optionally `views` (5, n, 3), the view displacements
 * (FaceSolver's LandmarkViewTerms), and optionally `regressor` (K, n, 3) with `regressorBias` (K,), the learned map
 * from landmark displacement to weights, and `regressorGate` (1,), its gate on the least-squares weights. Every size, dtype and value is checked.
 */
import { GemError } from "../../core/errors/GemError.js";
import { GemFormatError } from "../../core/errors/GemFormatError.js";
import { TrackingError } from "../../core/errors/TrackingError.js";
import { requireFinite } from "../../core/errors/requireFinite.js";
import { LandmarkViewTerms, type LandmarkBlendshapeModel } from "../../core/tracking/FaceSolver.js";
import { requireKind } from "../archives/ndArray.js";
import { readNpz, type NpzArrays } from "../archives/npzArchive.js";

/**
 * Reads the model from npz arrays.
 * @param arrays arrays by key (with their string arrays)
 * @param fileName for errors
 * @returns the model
 */
export function landmarkModelFromArrays(arrays: NpzArrays, fileName: string): LandmarkBlendshapeModel {
    const get = (key: string) => {
        const array = arrays.get(key);
        if (!array) {
            throw new GemFormatError("invalid-descriptor", fileName, key, "present (a landmark model npz)", "missing");
        }
        return requireKind(array, "float", fileName, key);
    };
    const neutral = get("neutral");
    const expressions = get("expressions");
    const identities = get("identities");
    const names = arrays.strings.get("names");
    if (neutral.shape.length !== 2 || neutral.shape[1] !== 3) {
        throw new GemFormatError("size-mismatch", fileName, "neutral.shape", "(n, 3)", `(${neutral.shape.join(", ")})`);
    }
    const n = neutral.shape[0];
    if (!names || expressions.shape.join() !== [names.length, n, 3].join()) {
        throw new GemFormatError("size-mismatch", fileName, "expressions.shape", `(${names?.length ?? "K"}, ${n}, 3) with one name each`, `(${expressions.shape.join(", ")})`);
    }
    if (identities.shape.length !== 3 || identities.shape[1] !== n || identities.shape[2] !== 3) {
        throw new GemFormatError("size-mismatch", fileName, "identities.shape", `(M, ${n}, 3)`, `(${identities.shape.join(", ")})`);
    }
    const floats = (key: string, array: typeof neutral) => requireFinite(Float32Array.from(array.data as ArrayLike<number>), fileName, key);
    const model: LandmarkBlendshapeModel = {
        landmarkCount: n,
        names,
        neutral: floats("neutral", neutral),
        expressions: floats("expressions", expressions),
        identities: floats("identities", identities),
        identityCount: identities.shape[0],
    };
    if (arrays.has("views")) {
        const views = get("views");
        if (views.shape.join() !== [LandmarkViewTerms, n, 3].join()) {
            throw new GemFormatError("size-mismatch", fileName, "views.shape", `(${LandmarkViewTerms}, ${n}, 3)`, `(${views.shape.join(", ")})`);
        }
        model.views = floats("views", views);
    }
    if (arrays.has("regressor") || arrays.has("regressorBias")) {
        const regressor = get("regressor");
        const bias = get("regressorBias");
        if (regressor.shape.join() !== [names.length, n, 3].join()) {
            throw new GemFormatError("size-mismatch", fileName, "regressor.shape", `(${names.length}, ${n}, 3)`, `(${regressor.shape.join(", ")})`);
        }
        if (bias.shape.join() !== [names.length].join()) {
            throw new GemFormatError("size-mismatch", fileName, "regressorBias.shape", `(${names.length},)`, `(${bias.shape.join(", ")})`);
        }
        model.regressor = floats("regressor", regressor);
        model.regressorBias = floats("regressorBias", bias);
        if (arrays.has("regressorGate")) {
            const gate = floats("regressorGate", get("regressorGate"));
            if (gate.length !== 1 || !(gate[0] > 0)) {
                throw new GemFormatError("invalid-descriptor", fileName, "regressorGate", "one positive value", `${gate.length} values (${Array.from(gate).join(", ")})`);
            }
            model.regressorGate = gate[0];
        }
    }
    return model;
}

/**
 * Fetches and reads a landmark model npz.
 * @param url where it is served
 * @returns the model
 * @throws TrackingError `landmark-model` when it cannot be fetched or does not validate (the parser's error as cause)
 */
export async function LoadLandmarkModelAsync(url: string): Promise<LandmarkBlendshapeModel> {
    const name = url.split("/").pop() ?? url;
    let bytes: ArrayBuffer;
    try {
        const response = await fetch(url);
        if (!response.ok) {
            throw new Error(`HTTP ${response.status}`);
        }
        bytes = await response.arrayBuffer();
    } catch (error) {
        throw new TrackingError("landmark-model", name, `could not fetch ${url}: ${(error as Error).message}`, { cause: error });
    }
    try {
        return landmarkModelFromArrays(readNpz(new Uint8Array(bytes), name), name);
    } catch (error) {
        throw error instanceof GemError ? new TrackingError("landmark-model", name, error.message, { cause: error }) : error;
    }
}
