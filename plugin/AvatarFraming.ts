import type { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";

/** Anything with a mesh: GemAvatar, FlameAvatar, RiggedGaussianAvatar (a LAM avatar), or the mesh itself. */
export type FramedAvatar = AbstractMesh | { readonly mesh: AbstractMesh };

/** Where an avatar is and how large, in world space (the box of its mesh and the meshes under it). */
export interface AvatarFramingInfo {
    min: Vector3;
    max: Vector3;
    center: Vector3;
    size: Vector3;
    /** Radius of the sphere around the box. */
    radius: number;
}

function meshOf(avatar: FramedAvatar): AbstractMesh {
    return "getHierarchyBoundingVectors" in avatar ? avatar : avatar.mesh;
}

/**
 * The world box of an avatar: its mesh and every mesh under it (a splat mesh's box holds its Gaussians' centres with a
 * padding). Avatars come in at the size and place their files give: a LAM avatar stands 1.4–1.9 m up (a standing
 * person's head), a GEM or FLAME head sits near the origin.
 * @param avatar the avatar or its mesh
 * @returns its box, centre, size and bounding radius
 */
export function GetAvatarFramingInfo(avatar: FramedAvatar): AvatarFramingInfo {
    const mesh = meshOf(avatar);
    mesh.computeWorldMatrix(true);
    const { min, max } = mesh.getHierarchyBoundingVectors(true);
    const size = max.subtract(min);
    return { min, max, center: min.add(max).scaleInPlace(0.5), size, radius: size.length() / 2 };
}

/**
 * Points an ArcRotateCamera at an avatar, in the spirit of Babylon's FramingBehavior: its target on the avatar's
 * centre, its radius so that the avatar's bounding sphere fills `fill` of the narrower field of view, its near plane
 * close enough not to cut the head (Babylon's default 1 m would).
 * @param camera the camera
 * @param avatar the avatar or its mesh
 * @param options `fill`: share of the view the avatar's sphere fills (default 0.8)
 * @returns the framing info used
 */
export function FrameAvatar(camera: ArcRotateCamera, avatar: FramedAvatar, options: { fill?: number } = {}): AvatarFramingInfo {
    const info = GetAvatarFramingInfo(avatar);
    const engine = camera.getScene().getEngine();
    const aspect = engine.getAspectRatio(camera) || 1;
    const vertical = camera.fov;
    const horizontal = 2 * Math.atan(Math.tan(vertical / 2) * aspect);
    const half = Math.min(vertical, horizontal) / 2;
    const fill = Math.min(1, Math.max(0.05, options.fill ?? 0.8));
    camera.setTarget(info.center.clone());
    camera.radius = info.radius / Math.sin(half * fill);
    camera.minZ = Math.max(0.001, (camera.radius - info.radius) * 0.1);
    camera.maxZ = Math.max(camera.maxZ, (camera.radius + info.radius) * 10);
    if (camera.lowerRadiusLimit !== null && camera.lowerRadiusLimit > camera.radius) {
        camera.lowerRadiusLimit = camera.radius;
    }
    if (camera.upperRadiusLimit !== null && camera.upperRadiusLimit < camera.radius) {
        camera.upperRadiusLimit = camera.radius;
    }
    return info;
}

/**
 * Moves an avatar (its mesh's position, in its parent's space) so that its box's centre lies at a point: a LAM avatar
 * loaded at standing height, brought to the origin where the Quick start's camera looks.
 * @param avatar the avatar or its mesh
 * @param to where its centre goes (default the origin)
 * @returns the translation applied, world space
 */
export function RecentreAvatar(avatar: FramedAvatar, to: Vector3 = Vector3.Zero()): Vector3 {
    const mesh = meshOf(avatar);
    const offset = to.subtract(GetAvatarFramingInfo(mesh).center);
    const parent = mesh.parent;
    if (parent) {
        // The world offset in the parent's frame (rotation and scale only).
        const inverse = parent.getWorldMatrix().clone().invert();
        mesh.position.addInPlace(Vector3.TransformNormal(offset, inverse));
    } else {
        mesh.position.addInPlace(offset);
    }
    mesh.computeWorldMatrix(true);
    return offset;
}
