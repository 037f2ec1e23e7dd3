/**
 * ICT-FaceKit's eyes as the head rig needs them. ICT turns its eyeballs with a rigid rotation in its own rig (its
 * `eyeLook…` shapes only move the lids), so the teacher turns them here: each eyeball (both of its shells, the
 * sclera/cornea and the iris inside it) rotates about the centre of a sphere fitted to its front, by the angles the
 * project's ARKit ↔ FLAME correspondence gives an `eyeLook…` weight of 1.
 *
 * Frame: ICT's own (+X the subject's left, +Y up, +Z the face's forward direction, metres).
 */
import { DefaultEyePitchRadians, DefaultEyeYawRadians } from "../../core/animation/arkitToFlameMap.js";

type Vec3 = [number, number, number];

/** One eyeball's geometry. */
export interface IctEyeGeometry {
    /** `left` is the subject's left (+X). */
    side: "left" | "right";
    /** Rotation centre: the centre of the sphere through the front of the outer shell. */
    centre: Vec3;
    /** That sphere's radius, metres. */
    radius: number;
    /** Unit gaze direction at rest: from the centre through the front of the iris. */
    axis: Vec3;
    /** Vertex ranges `[start, end)` of the whole eyeball (both shells), the sclera shell and the iris shell. */
    eyeball: [number, number];
    sclera: [number, number];
    iris: [number, number];
}

interface EyeKit {
    parts: Map<string, { vertices: [number, number]; triangles: [number, number] }>;
    subparts: Map<string, [number, number]>;
}

/**
 * Solves the 4 × 4 normal equations of a sphere fit |p|² = 2 c·p + d.
 * @param ata accumulated AᵀA (row-major, 16)
 * @param atb accumulated Aᵀb (4)
 * @returns c (3) and d
 */
function solve4(ata: number[], atb: number[]): number[] {
    const m = ata.map((v, i) => v + (i % 5 === 0 ? 1e-12 : 0));
    const b = atb.slice();
    for (let col = 0; col < 4; col++) {
        let pivot = col;
        for (let r = col + 1; r < 4; r++) {
            if (Math.abs(m[4 * r + col]) > Math.abs(m[4 * pivot + col])) {
                pivot = r;
            }
        }
        for (let c = 0; c < 4; c++) {
            [m[4 * col + c], m[4 * pivot + c]] = [m[4 * pivot + c], m[4 * col + c]];
        }
        [b[col], b[pivot]] = [b[pivot], b[col]];
        for (let r = 0; r < 4; r++) {
            if (r !== col) {
                const f = m[4 * r + col] / m[4 * col + col];
                for (let c = 0; c < 4; c++) {
                    m[4 * r + c] -= f * m[4 * col + c];
                }
                b[r] -= f * b[col];
            }
        }
    }
    return b.map((v, i) => v / m[4 * i + i]);
}

/**
 * The two eyeballs of a head.
 * @param kit the kit's parts and subparts
 * @param vertices the head's vertices (V × 3)
 * @returns left then right
 */
export function ictEyeGeometry(kit: EyeKit, vertices: ArrayLike<number>): [IctEyeGeometry, IctEyeGeometry] {
    const eye = (side: "left" | "right"): IctEyeGeometry => {
        const eyeball = kit.parts.get(`eyeball_${side}`)!.vertices;
        const sclera = kit.subparts.get(`sclera_${side}`)!;
        const iris = kit.subparts.get(`iris_${side}`)!;
        // The front of the outer shell: vertices in front of its mean depth.
        let meanZ = 0;
        for (let v = sclera[0]; v < sclera[1]; v++) {
            meanZ += vertices[3 * v + 2] / (sclera[1] - sclera[0]);
        }
        const ata = new Array<number>(16).fill(0);
        const atb = [0, 0, 0, 0];
        for (let v = sclera[0]; v < sclera[1]; v++) {
            const p = [vertices[3 * v], vertices[3 * v + 1], vertices[3 * v + 2]];
            if (p[2] < meanZ) {
                continue;
            }
            const row = [2 * p[0], 2 * p[1], 2 * p[2], 1];
            const rhs = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
            for (let i = 0; i < 4; i++) {
                atb[i] += row[i] * rhs;
                for (let j = 0; j < 4; j++) {
                    ata[4 * i + j] += row[i] * row[j];
                }
            }
        }
        if (ata[15] < 4) {
            throw new Error(`ictEyeGeometry: the ${side} eyeball has fewer than 4 vertices in front of its middle`);
        }
        const [cx, cy, cz, d] = solve4(ata, atb);
        const radius = Math.sqrt(d + cx * cx + cy * cy + cz * cz);
        let front = iris[0];
        for (let v = iris[0]; v < iris[1]; v++) {
            if (vertices[3 * v + 2] > vertices[3 * front + 2]) {
                front = v;
            }
        }
        const a: Vec3 = [vertices[3 * front] - cx, vertices[3 * front + 1] - cy, vertices[3 * front + 2] - cz];
        const l = Math.hypot(a[0], a[1], a[2]);
        return { side, centre: [cx, cy, cz], radius, axis: [a[0] / l, a[1] / l, a[2] / l], eyeball, sclera, iris };
    };
    return [eye("left"), eye("right")];
}

/**
 * Gaze angles of each eye from ARKit weights: yaw toward +X (the subject's left) and pitch upward, radians.
 * @param weight an ARKit channel's weight by name
 * @returns left then right, each [yaw, pitch]
 */
export function ictGazeAngles(weight: (name: string) => number): [[number, number], [number, number]] {
    const yaw = DefaultEyeYawRadians;
    const pitch = DefaultEyePitchRadians;
    return [
        [yaw * (weight("eyeLookOutLeft") - weight("eyeLookInLeft")), pitch * (weight("eyeLookUpLeft") - weight("eyeLookDownLeft"))],
        [yaw * (weight("eyeLookInRight") - weight("eyeLookOutRight")), pitch * (weight("eyeLookUpRight") - weight("eyeLookDownRight"))],
    ];
}

/**
 * Turns the eyeballs of posed vertices in place: yaw about +Y, then pitch (about −X, so a positive pitch looks up),
 * about each eye's centre.
 * @param eyes the eyes' geometry (of the same head's neutral)
 * @param vertices V × 3, changed
 * @param angles per eye [yaw, pitch] (from {@link ictGazeAngles})
 */
export function rotateIctEyes(eyes: readonly IctEyeGeometry[], vertices: Float32Array, angles: readonly (readonly [number, number])[]): void {
    eyes.forEach((eye, e) => {
        const [yaw, pitch] = angles[e];
        if (yaw === 0 && pitch === 0) {
            return;
        }
        // R = R_y(yaw) · R_x(−pitch).
        const cy = Math.cos(yaw);
        const sy = Math.sin(yaw);
        const cp = Math.cos(-pitch);
        const sp = Math.sin(-pitch);
        const r = [cy, sy * sp, sy * cp, 0, cp, -sp, -sy, cy * sp, cy * cp];
        const [ox, oy, oz] = eye.centre;
        for (let v = eye.eyeball[0]; v < eye.eyeball[1]; v++) {
            const x = vertices[3 * v] - ox;
            const y = vertices[3 * v + 1] - oy;
            const z = vertices[3 * v + 2] - oz;
            vertices[3 * v] = r[0] * x + r[1] * y + r[2] * z + ox;
            vertices[3 * v + 1] = r[3] * x + r[4] * y + r[5] * z + oy;
            vertices[3 * v + 2] = r[6] * x + r[7] * y + r[8] * z + oz;
        }
    });
}
