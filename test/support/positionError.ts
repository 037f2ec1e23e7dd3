import type { GemModel } from "../../core/GemModel.js";
import { applyActivation, reconstructGroupLinear } from "../../core/gemReconstruction.js";

/**
 * RMS over Gaussians of the distance between the centres two coefficient vectors give (the error figure of the
 * encoder tests; √3 times the per-component RMS that the distillation report prints).
 * @param model the model
 * @param a coefficients
 * @param b coefficients
 * @returns millimetres
 */
export function centreDistanceRmseMm(model: GemModel, a: ArrayLike<number>, b: ArrayLike<number>): number {
    const group = model.groups[0];
    const centres = (c: ArrayLike<number>) => applyActivation(group, reconstructGroupLinear(model, group, Array.from(c).slice(0, group.components)));
    const pa = centres(a);
    const pb = centres(b);
    let sum = 0;
    for (let i = 0; i < pa.length; i++) {
        sum += (pa[i] - pb[i]) ** 2;
    }
    return 1000 * Math.sqrt((3 * sum) / pa.length);
}
