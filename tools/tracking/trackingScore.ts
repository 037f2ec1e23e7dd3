/**
 * How well a face tracker reads expressions, scored so that a dead tracker cannot pass: per pose, the error of each
 * channel the pose activates (jaw on the jaw pose, each blink on the blink pose, …) and the largest false activation of
 * the others; per channel, the correlation between truth and solved over a talking performance (a constant output has
 * no correlation: scored 0); head yaw and pitch errors. {@link trackingGoalFailures} lists every goal a score misses.
 */
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";

/** One solved frame with its truth. */
export interface ScoredFrame {
    /** Pose name (`talk` frames form the performance). */
    pose: string;
    /** 52 true ARKit weights. */
    truth: ArrayLike<number>;
    /** 52 solved ARKit weights (ArkitBlendshapeNames order). */
    solved: ArrayLike<number>;
    /** True and solved head yaw and pitch, radians. */
    yaw: number;
    solvedYaw: number;
    pitch: number;
    solvedPitch: number;
}

/** The score of one pose (averaged over its frames). */
export interface PoseScore {
    pose: string;
    frames: number;
    /** |solved − truth| of each channel the pose activates. */
    active: Record<string, { truth: number; solved: number; error: number }>;
    /** The largest solved weight among channels the pose leaves at 0, and which. */
    falseActivation: { channel: string; value: number };
}

/** A tracker's score on one identity. */
export interface TrackingScore {
    poses: PoseScore[];
    /** Pearson correlation of truth and solved over the talking frames, per scored channel (0 when either is constant). */
    correlation: Record<string, number>;
    /** Mean |yaw| and |pitch| error, degrees, over every frame. */
    yawErrorDegrees: number;
    pitchErrorDegrees: number;
}

/** Channels whose talking-performance correlation is scored, with their goal. */
export const CorrelationGoals: Readonly<Record<string, number>> = {
    jawOpen: 0.8,
    mouthSmileLeft: 0.6,
    mouthSmileRight: 0.6,
    mouthFunnel: 0.6,
    mouthPucker: 0.6,
    eyeBlinkLeft: 0.6,
    eyeBlinkRight: 0.6,
    browInnerUp: 0.6,
};

/** Goals of a tracker on held-out identities. */
export interface TrackingGoals {
    /** Largest active-channel error of any scored pose. */
    activeError: number;
    /** Largest false activation on the neutral and turned-neutral poses. */
    falseActivation: number;
    /** Correlation goals per channel. */
    correlation: Readonly<Record<string, number>>;
    /** Largest mean yaw and pitch errors, degrees. */
    poseDegrees: number;
}

/** The tracker issue's goals. */
export const TrackingIssueGoals: TrackingGoals = { activeError: 0.15, falseActivation: 0.2, correlation: CorrelationGoals, poseDegrees: 2 };

/** Poses whose active channels are scored, and the poses on which any activation is false. */
export const ActivePoses = ["jaw", "smile", "blink", "blinkLeft", "blinkRight", "brows", "pucker", "funnel"];
export const NeutralPoses = ["turnLeft", "turnRight", "lookUp"];

/**
 * Pearson correlation of two series of one length.
 * @param a first series
 * @param b second series
 * @returns r, or 0 when either series is constant
 */
export function pearson(a: readonly number[], b: readonly number[]): number {
    const n = a.length;
    const ma = a.reduce((s, v) => s + v, 0) / n;
    const mb = b.reduce((s, v) => s + v, 0) / n;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) ** 2;
        sbb += (b[i] - mb) ** 2;
    }
    return saa > 1e-12 && sbb > 1e-12 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Scores solved frames against their truth.
 * @param frames solved frames of one identity
 * @returns the score
 */
export function scoreTracking(frames: readonly ScoredFrame[]): TrackingScore {
    const poses: PoseScore[] = [];
    for (const name of [...new Set(frames.map((f) => f.pose))]) {
        if (name === "talk") {
            continue;
        }
        const of = frames.filter((f) => f.pose === name);
        const truth = ArkitBlendshapeNames.map((_, c) => of.reduce((s, f) => s + f.truth[c], 0) / of.length);
        const solved = ArkitBlendshapeNames.map((_, c) => of.reduce((s, f) => s + f.solved[c], 0) / of.length);
        const active: PoseScore["active"] = {};
        let falseActivation = { channel: "", value: 0 };
        ArkitBlendshapeNames.forEach((channel, c) => {
            if (truth[c] > 0) {
                active[channel] = { truth: truth[c], solved: solved[c], error: Math.abs(solved[c] - truth[c]) };
            } else if (solved[c] > falseActivation.value) {
                falseActivation = { channel, value: solved[c] };
            }
        });
        poses.push({ pose: name, frames: of.length, active, falseActivation });
    }
    const talk = frames.filter((f) => f.pose === "talk");
    const correlation: Record<string, number> = {};
    for (const channel of Object.keys(CorrelationGoals)) {
        const c = ArkitBlendshapeNames.indexOf(channel);
        correlation[channel] =
            talk.length > 2
                ? pearson(
                      talk.map((f) => f.truth[c]),
                      talk.map((f) => f.solved[c])
                  )
                : 0;
    }
    const degrees = (values: number[]) => ((values.reduce((s, v) => s + v, 0) / Math.max(1, values.length)) * 180) / Math.PI;
    return {
        poses,
        correlation,
        yawErrorDegrees: degrees(frames.map((f) => Math.abs(f.solvedYaw - f.yaw))),
        pitchErrorDegrees: degrees(frames.map((f) => Math.abs(f.solvedPitch - f.pitch))),
    };
}

/**
 * Every goal a score misses, as readable lines (empty: all met).
 * @param score the score
 * @param goals the goals
 * @returns the misses
 */
export function trackingGoalFailures(score: TrackingScore, goals: TrackingGoals = TrackingIssueGoals): string[] {
    const failures: string[] = [];
    for (const pose of score.poses) {
        if (ActivePoses.includes(pose.pose)) {
            for (const [channel, a] of Object.entries(pose.active)) {
                if (!(a.error <= goals.activeError)) {
                    failures.push(`${pose.pose}: ${channel} ${a.solved.toFixed(2)} for ${a.truth.toFixed(2)}`);
                }
            }
        }
        if (NeutralPoses.includes(pose.pose) || pose.pose === "neutral") {
            if (!(pose.falseActivation.value <= goals.falseActivation)) {
                failures.push(`${pose.pose}: false ${pose.falseActivation.channel} ${pose.falseActivation.value.toFixed(2)}`);
            }
        }
    }
    for (const pose of [...ActivePoses, ...NeutralPoses]) {
        if (!score.poses.some((p) => p.pose === pose)) {
            failures.push(`${pose}: not scored`);
        }
    }
    for (const [channel, goal] of Object.entries(goals.correlation)) {
        if (!(score.correlation[channel] >= goal)) {
            failures.push(`talk: ${channel} r ${score.correlation[channel].toFixed(2)} < ${goal}`);
        }
    }
    if (!(score.yawErrorDegrees <= goals.poseDegrees)) {
        failures.push(`yaw error ${score.yawErrorDegrees.toFixed(2)}°`);
    }
    if (!(score.pitchErrorDegrees <= goals.poseDegrees)) {
        failures.push(`pitch error ${score.pitchErrorDegrees.toFixed(2)}°`);
    }
    return failures;
}

/**
 * A score as a table row per pose and one line of correlations.
 * @param score the score
 * @returns text
 */
export function formatTrackingScore(score: TrackingScore): string {
    const rows = score.poses.map(
        (p) =>
            `  ${p.pose.padEnd(10)} ${Object.entries(p.active)
                .map(([c, a]) => `${c} ${a.solved.toFixed(2)}/${a.truth.toFixed(2)}`)
                .join(", ")}${Object.keys(p.active).length ? "; " : ""}largest other ${p.falseActivation.channel || "-"} ${p.falseActivation.value.toFixed(2)}`
    );
    rows.push(
        `  talk r: ${Object.entries(score.correlation)
            .map(([c, r]) => `${c} ${r.toFixed(2)}`)
            .join(", ")}`
    );
    rows.push(`  yaw error ${score.yawErrorDegrees.toFixed(2)}°, pitch error ${score.pitchErrorDegrees.toFixed(2)}°`);
    return rows.join("\n");
}

/** Bounds a test holds a tracker to: chosen channels of chosen poses, false activations, correlations, head pose. */
export interface TrackingBounds {
    /** |solved − truth| of a channel on a pose. */
    active: readonly { pose: string; channel: string; maxError: number }[];
    /** Largest other channel on a pose. */
    falseActivation: readonly { pose: string; max: number }[];
    /** Talking-performance correlation per channel. */
    correlation: Readonly<Record<string, number>>;
    /** Mean yaw and pitch error, degrees. */
    yawDegrees: number;
    pitchDegrees: number;
}

/**
 * Every bound a score misses (empty: all held). A pose or channel the score lacks is a miss.
 * @param score the score
 * @param bounds the bounds
 * @returns the misses
 */
export function trackingBoundFailures(score: TrackingScore, bounds: TrackingBounds): string[] {
    const failures: string[] = [];
    for (const { pose, channel, maxError } of bounds.active) {
        const a = score.poses.find((p) => p.pose === pose)?.active[channel];
        if (!a || !(a.error <= maxError)) {
            failures.push(`${pose}: ${channel} ${a ? `${a.solved.toFixed(2)} for ${a.truth.toFixed(2)}` : "not scored"} (bound ±${maxError})`);
        }
    }
    for (const { pose, max } of bounds.falseActivation) {
        const p = score.poses.find((q) => q.pose === pose);
        if (!p || !(p.falseActivation.value <= max)) {
            failures.push(`${pose}: false ${p ? `${p.falseActivation.channel} ${p.falseActivation.value.toFixed(2)}` : "not scored"} (bound ${max})`);
        }
    }
    for (const [channel, goal] of Object.entries(bounds.correlation)) {
        if (!(score.correlation[channel] >= goal)) {
            failures.push(`talk: ${channel} r ${(score.correlation[channel] ?? Number.NaN).toFixed(2)} < ${goal}`);
        }
    }
    if (!(score.yawErrorDegrees <= bounds.yawDegrees)) {
        failures.push(`yaw error ${score.yawErrorDegrees.toFixed(2)}° (bound ${bounds.yawDegrees}°)`);
    }
    if (!(score.pitchErrorDegrees <= bounds.pitchDegrees)) {
        failures.push(`pitch error ${score.pitchErrorDegrees.toFixed(2)}° (bound ${bounds.pitchDegrees}°)`);
    }
    return failures;
}
