import { describe, expect, it } from "vitest";
import { AnimationChannelError } from "../../../core/errors/AnimationChannelError.js";
import { createArkitToFlameMap } from "../../../core/animation/arkitToFlameMap.js";
import { RetargetMap } from "../../../core/animation/RetargetMap.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { relativeError } from "../../support/relativeError.js";

function randomMap(name: string, source: string[], target: string[], seed: number): RetargetMap {
    const random = createRandom(seed);
    return new RetargetMap(
        name,
        source,
        target,
        Float32Array.from({ length: source.length * target.length }, () => random() * 2 - 1),
        Float32Array.from({ length: target.length }, () => random() - 0.5)
    );
}

describe("RetargetMap", () => {
    it("composes: (A then B)(x) equals B(A(x)) on random inputs, including channels B reads that A does not drive", () => {
        const a = randomMap("A", ["s/0", "s/1", "s/2"], ["m/0", "m/1", "m/2", "m/3"], 1);
        const b = randomMap("B", ["m/0", "m/2", "m/3", "m/9"], ["t/0", "t/1"], 2);
        const ab = a.compose(b);
        const random = createRandom(3);
        for (let trial = 0; trial < 20; trial++) {
            const x = Float32Array.from({ length: 3 }, () => random() * 4 - 2);
            const middle = a.apply(x);
            const named: Record<string, number> = {};
            a.target.forEach((n, i) => (named[n] = middle[i]));
            const expected = b.applyNamed(named);
            const got = ab.apply(x);
            expect(relativeError(got, [expected["t/0"], expected["t/1"]])).toBeLessThan(1e-5);
        }
        expect(() => a.compose(randomMap("C", ["q/0"], ["t/0"], 4))).toThrow(/no channel/);
    });

    it("neutral calibration sends the captured neutral to the uncalibrated zero-input output", () => {
        const map = randomMap("M", ["s/0", "s/1"], ["t/0", "t/1", "t/2"], 5);
        const calibrated = map.calibrateNeutral({ "s/0": 0.2, "s/1": -0.1 });
        expect(relativeError(calibrated.apply([0.2, -0.1]), map.bias)).toBeLessThan(1e-6);
        // A movement away from neutral is mapped by the same matrix.
        const delta = Float32Array.from(calibrated.apply([0.7, 0.4])).map((v, i) => v - map.bias[i]);
        const direct = Float32Array.from(map.apply([0.5, 0.5])).map((v, i) => v - map.bias[i]);
        expect(relativeError(delta, direct)).toBeLessThan(1e-5);
    });

    it("round-trips through JSON and rejects bad files with typed errors", () => {
        const map = randomMap("M", ["s/0", "s/1"], ["t/0"], 6);
        const back = RetargetMap.FromJSON(JSON.stringify(map.toJSON()));
        expect(Array.from(back.matrix)).toEqual(Array.from(map.matrix));
        expect(back.target).toEqual(map.target);
        const json = map.toJSON();
        const bad = (patch: object) => () => RetargetMap.FromJSON({ ...json, ...patch }, "bad.json");
        expect(bad({ version: 2 })).toThrow(/version/);
        expect(bad({ format: "other" })).toThrow(/format/);
        expect(bad({ matrix: [1] })).toThrow(/matrix: expected 2 numbers/);
        expect(bad({ bias: [NaN] })).toThrow(AnimationChannelError);
        expect(bad({ source: ["s/0", "s/0"] })).toThrow(/twice/);
        expect(() => RetargetMap.FromJSON("{not json", "x.json")).toThrow(/x.json: not JSON/);
    });

    it("the ARKit map drives FLAME jaw, eyelids, gaze and named expressions with FLAME's axis conventions", () => {
        const names = ["smile", "pucker", undefined, "mouthLeft"];
        const map = createArkitToFlameMap({ expressionNames: names });
        const out = map.applyNamed({
            "arkit/jawOpen": 1,
            "arkit/mouthSmileLeft": 1,
            "arkit/mouthSmileRight": 1,
            "arkit/eyeBlinkRight": 0.5,
            "arkit/eyeLookOutLeft": 1,
            "arkit/eyeLookOutRight": 1,
            "arkit/mouthRight": 1,
        });
        expect(out["flame/jawPose/0"]).toBeCloseTo(0.35, 6);
        expect(out["flame/expression/0"]).toBeCloseTo(1, 6);
        expect(out["flame/expression/3"]).toBeCloseTo(-1, 6);
        expect(out["flame/eyelids/1"]).toBeCloseTo(0.5, 6);
        expect(out["flame/eyelids/0"]).toBe(0);
        // Both eyes turned out: the left eye towards +x (yaw > 0), the right eye towards −x.
        expect(out["flame/eyePose/1"]).toBeGreaterThan(0);
        expect(out["flame/eyePose/4"]).toBeLessThan(0);
        expect(map.target).not.toContain("flame/expression/2");
    });
});
