/**
 * A deterministic synthetic FLAME track (VHAP single-file layout) for the samples: jaw, expression, head and eyes
 * moving smoothly, 30 fps.
 */
import { writeNpz } from "../writers/npzWriter.js";

/**
 * Builds the track npz.
 * @param frames frame count
 * @param expressionCount expression components (the model's)
 * @param shapeCount shape components (zeros)
 * @returns the file
 */
export function createTestFlameTrackNpz(frames = 120, expressionCount = 10, shapeCount = 20): Uint8Array {
    const t = (i: number) => (i / frames) * Math.PI * 2;
    const f32 = (width: number, value: (i: number, c: number) => number) => {
        const data = new Float32Array(frames * width);
        for (let i = 0; i < frames; i++) {
            for (let c = 0; c < width; c++) {
                data[i * width + c] = value(i, c);
            }
        }
        return { descr: "<f4", shape: [frames, width], data };
    };
    return writeNpz({
        rotation: f32(3, (i, c) => (c === 1 ? 0.25 * Math.sin(t(i)) : c === 0 ? 0.08 * Math.sin(2 * t(i)) : 0)),
        translation: f32(3, () => 0),
        neck_pose: f32(3, (i, c) => (c === 2 ? 0.1 * Math.sin(t(i) + 1) : 0)),
        jaw_pose: f32(3, (i, c) => (c === 0 ? 0.2 * Math.max(0, Math.sin(3 * t(i))) : 0)),
        eyes_pose: f32(6, (i, c) => (c % 3 === 1 ? 0.3 * Math.sin(2 * t(i) + 0.5) : 0)),
        expr: f32(expressionCount, (i, c) => 1.5 * Math.sin(t(i) * (1 + (c % 3)) + c)),
        shape: { descr: "<f4", shape: [shapeCount], data: new Float32Array(shapeCount) },
    });
}
