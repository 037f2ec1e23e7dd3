import type { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Scene } from "@babylonjs/core/scene.js";

/**
 * GEM and FLAME data are right-handed (y up, metres): in a left-handed Babylon scene a mesh of such data is mirrored
 * in z so that it appears as authored (as Babylon's PLY loader flips y for its data).
 * @param node the avatar's mesh
 * @param scene its scene
 */
export function convertToSceneHandedness(node: TransformNode, scene: Scene): void {
    if (!scene.useRightHandedSystem) {
        node.scaling.z = -1;
    }
}
