/**
 * Procedural FLAME-rigged Gaussians for a model (samples and tests): a few Gaussians per face, flattened along the
 * face, skin-coloured, deterministic.
 */
import type { FlameModel } from "../../core/flame/FlameModel.js";
import { createRiggedGaussians, ShC0, type RiggedGaussians } from "../../core/flame/riggedGaussians.js";
import { createRandom } from "./syntheticModels.js";

/**
 * Builds a rig.
 * @param model the FLAME model (its faces)
 * @param perFace Gaussians per face
 * @param seed seed
 * @returns the rig
 */
export function createTestRig(model: FlameModel, perFace = 3, seed = 5): RiggedGaussians {
    const random = createRandom(seed);
    const faces = model.data.faces.length / 3;
    const count = faces * perFace;
    const rig = createRiggedGaussians(count);
    const skin = [0.86, 0.66, 0.56];
    for (let i = 0; i < count; i++) {
        rig.binding[i] = Math.floor(i / perFace);
        // In the face frame: a0 along the first edge, a1 the normal, a2 in-plane.
        rig.localPositions.set([(random() - 0.5) * 0.4, 0, (random() - 0.5) * 0.4], 3 * i);
        rig.localLogScales.set([Math.log(0.45), Math.log(0.08), Math.log(0.45)], 3 * i);
        rig.localRotations.set([1, 0, 0, 0], 4 * i);
        rig.opacityLogits[i] = 4;
        const shade = 0.9 + 0.2 * random();
        rig.colorDc.set(
            skin.map((c) => (c * shade - 0.5) / ShC0),
            3 * i
        );
    }
    return rig;
}
