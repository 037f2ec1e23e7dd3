/**
 * A minimal glTF 2.0 binary (GLB) writer for generated test assets: one triangle mesh with named morph targets and,
 * optionally, a skin over a named joint chain, and node animations. Dense accessors, one buffer.
 */

/** A joint of the skin's chain. */
export interface GlbJoint {
    name: string;
    /** Index of the parent joint, -1 for the root. */
    parent: number;
    /** Translation relative to the parent. */
    translation: [number, number, number];
}

/** A node animation: rotation keys (quaternions x, y, z, w) of one joint. */
export interface GlbAnimation {
    name: string;
    joint: number;
    times: Float32Array;
    rotations: Float32Array;
}

/** What {@link writeGlb} writes. */
export interface GlbInput {
    /** V × 3 positions. */
    positions?: Float32Array;
    /** Triangle indices. */
    indices?: Uint32Array;
    /** Morph targets: names and V × 3 position deltas each. */
    morphTargets?: { name: string; deltas: Float32Array }[];
    /** Skin: joints and one joint index per vertex (weight 1). */
    skin?: { joints: GlbJoint[]; vertexJoints: Uint16Array };
    /** Animations of the joints. */
    animations?: GlbAnimation[];
    /** Generator string. */
    generator?: string;
}

/**
 * Writes a GLB.
 * @param input mesh, morph targets, skin, animations
 * @returns file bytes
 */
export function writeGlb(input: GlbInput): Uint8Array {
    const chunks: Uint8Array[] = [];
    let byteLength = 0;
    const bufferViews: Record<string, unknown>[] = [];
    const accessors: Record<string, unknown>[] = [];
    const addAccessor = (data: Float32Array | Uint32Array | Uint16Array, type: string, componentType: number, count: number, extra: Record<string, unknown> = {}) => {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
        padded.set(bytes);
        bufferViews.push({ buffer: 0, byteOffset: byteLength, byteLength: bytes.byteLength });
        chunks.push(padded);
        byteLength += padded.byteLength;
        accessors.push({ bufferView: bufferViews.length - 1, componentType, count, type, ...extra });
        return accessors.length - 1;
    };
    const bounds = (values: Float32Array) => {
        const min = [Infinity, Infinity, Infinity];
        const max = [-Infinity, -Infinity, -Infinity];
        for (let i = 0; i < values.length; i += 3) {
            for (let c = 0; c < 3; c++) {
                min[c] = Math.min(min[c], values[i + c]);
                max[c] = Math.max(max[c], values[i + c]);
            }
        }
        return { min, max };
    };
    const nodes: Record<string, unknown>[] = [];
    const json: Record<string, unknown> = { asset: { version: "2.0", generator: input.generator ?? "babylon-gem-avatars tools/writers/glbWriter.ts" }, scene: 0 };
    const roots: number[] = [];
    const skin = input.skin;
    if (skin) {
        skin.joints.forEach((joint) => nodes.push({ name: joint.name, translation: joint.translation }));
        skin.joints.forEach((joint, i) => {
            if (joint.parent < 0) {
                roots.push(i);
            } else {
                const parent = nodes[joint.parent] as { children?: number[] };
                parent.children = [...(parent.children ?? []), i];
            }
        });
    }
    if (input.positions) {
        const v = input.positions.length / 3;
        const attributes: Record<string, number> = { POSITION: addAccessor(input.positions, "VEC3", 5126, v, bounds(input.positions)) };
        const primitive: Record<string, unknown> = { attributes, mode: 4 };
        if (input.indices) {
            primitive.indices = addAccessor(input.indices, "SCALAR", 5125, input.indices.length);
        }
        if (skin) {
            const joints = new Uint16Array(4 * v);
            const weights = new Float32Array(4 * v);
            for (let i = 0; i < v; i++) {
                joints[4 * i] = skin.vertexJoints[i];
                weights[4 * i] = 1;
            }
            attributes.JOINTS_0 = addAccessor(joints, "VEC4", 5123, v);
            attributes.WEIGHTS_0 = addAccessor(weights, "VEC4", 5126, v);
        }
        const targets = input.morphTargets ?? [];
        if (targets.length > 0) {
            primitive.targets = targets.map((t) => ({ POSITION: addAccessor(t.deltas, "VEC3", 5126, v, bounds(t.deltas)) }));
        }
        json.meshes = [
            { name: "head", primitives: [primitive], ...(targets.length ? { weights: targets.map(() => 0), extras: { targetNames: targets.map((t) => t.name) } } : {}) },
        ];
        const meshNode: Record<string, unknown> = { name: "head_mesh", mesh: 0 };
        if (skin) {
            // Inverse bind matrices of a chain of translations: the inverse of each joint's world translation.
            const world = skin.joints.map(() => [0, 0, 0]);
            skin.joints.forEach((joint, i) => {
                const parent = joint.parent >= 0 ? world[joint.parent] : [0, 0, 0];
                world[i] = [parent[0] + joint.translation[0], parent[1] + joint.translation[1], parent[2] + joint.translation[2]];
            });
            const ibm = new Float32Array(16 * skin.joints.length);
            world.forEach((t, i) => ibm.set([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, -t[0], -t[1], -t[2], 1], 16 * i));
            json.skins = [{ joints: skin.joints.map((_, i) => i), inverseBindMatrices: addAccessor(ibm, "MAT4", 5126, skin.joints.length), skeleton: roots[0] }];
            meshNode.skin = 0;
        }
        nodes.push(meshNode);
        roots.push(nodes.length - 1);
    }
    if (input.animations?.length) {
        json.animations = input.animations.map((animation) => {
            const times = addAccessor(animation.times, "SCALAR", 5126, animation.times.length, {
                min: [animation.times[0]],
                max: [animation.times[animation.times.length - 1]],
            });
            const values = addAccessor(animation.rotations, "VEC4", 5126, animation.times.length);
            return {
                name: animation.name,
                samplers: [{ input: times, output: values, interpolation: "LINEAR" }],
                channels: [{ sampler: 0, target: { node: animation.joint, path: "rotation" } }],
            };
        });
    }
    json.nodes = nodes;
    json.scenes = [{ nodes: roots }];
    json.accessors = accessors;
    json.bufferViews = bufferViews;
    json.buffers = [{ byteLength }];
    let text = JSON.stringify(json);
    text += " ".repeat((4 - (text.length % 4)) % 4);
    const jsonBytes = new TextEncoder().encode(text);
    const total = 12 + 8 + jsonBytes.byteLength + 8 + byteLength;
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    view.setUint32(0, 0x46546c67, true);
    view.setUint32(4, 2, true);
    view.setUint32(8, total, true);
    view.setUint32(12, jsonBytes.byteLength, true);
    view.setUint32(16, 0x4e4f534a, true);
    out.set(jsonBytes, 20);
    let at = 20 + jsonBytes.byteLength;
    view.setUint32(at, byteLength, true);
    view.setUint32(at + 4, 0x004e4942, true);
    at += 8;
    for (const chunk of chunks) {
        out.set(chunk, at);
        at += chunk.byteLength;
    }
    return out;
}
