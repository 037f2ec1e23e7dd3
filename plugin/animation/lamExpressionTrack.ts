/**
 * Import of ARKit-52 weight tracks in the JSON layout of LAM's web renderer and LAM_Audio2Expression:
 * `{ "names": [52 ARKit names], "frames": [{ "weights": [one per name], "time": seconds, "rotation": [] }],
 * "head_pose": [[3 numbers] per frame] }`, played at a fixed 30 frames per second by LAM's own player.
 */
import { AnimationChannelError } from "../../core/errors/AnimationChannelError.js";
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { jsonTextDepth, MaxJsonDepth } from "../../core/errors/boundedJson.js";
import { ExpressionClip } from "./ExpressionClip.js";
import { LiveLinkFaceRanges } from "./liveLinkFaceCsv.js";

/** Options of {@link parseLamExpressionTrack}. */
export interface LamExpressionTrackOptions {
    /** File name used in errors and as the clip name. */
    fileName?: string;
    /** Frame rate of the track (default 30, what LAM's player assumes; `time` is checked against it). */
    frameRate?: number;
    /** Largest accepted file, in characters (default 64 MiB). */
    maxLength?: number;
    /** Most frames accepted (default 1,000,000: over nine hours at 30 fps). */
    maxFrames?: number;
}

/** Result of {@link parseLamExpressionTrack}. */
export interface LamExpressionTrackImport {
    /** The clip, channels `arkit/<name>` for every ARKit name the track holds. */
    clip: ExpressionClip;
    /** Frames read. */
    frameCount: number;
    /** Weights outside [0, 1] that were clamped (ARKit's range). */
    clampedCount: number;
    /** Names in the track that are not ARKit-52 names, left out. */
    ignoredNames: string[];
    /** ARKit names the track lacks (their channels stay unkeyed). */
    missingNames: string[];
    /**
     * Whether the file has a `head_pose` array. It is not imported: LAM's player ignores it and the layout documents
     * neither its axis order nor its unit.
     */
    hasHeadPose: boolean;
}

/**
 * Parses a LAM expression track (text or already-parsed JSON) into a clip keyed once per frame.
 * @param source the file's text, or its parsed JSON
 * @param options file name, rate, limits
 * @returns the clip and what the import did
 * @throws AnimationChannelError for a layout that is not this one, a weight row of the wrong length, a non-finite
 * weight or times that do not increase
 */
export function parseLamExpressionTrack(source: string | unknown, options: LamExpressionTrackOptions = {}): LamExpressionTrackImport {
    const fileName = options.fileName ?? "expression.json";
    const fail = (message: string, code: "invalid-clip" | "non-finite" = "invalid-clip", channels: string[] = []): never => {
        throw new AnimationChannelError(code, fileName, message, channels);
    };
    let json: unknown = source;
    if (typeof source === "string") {
        const maxLength = options.maxLength ?? 64 * 1024 * 1024;
        if (source.length > maxLength) {
            fail(`file has ${source.length} characters, more than the ${maxLength} accepted`);
        }
        if (jsonTextDepth(source, MaxJsonDepth) > MaxJsonDepth) {
            fail(`JSON nested deeper than ${MaxJsonDepth} levels`);
        }
        try {
            json = JSON.parse(source);
        } catch (error) {
            fail(`not JSON: ${(error as Error).message}`);
        }
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
        fail(`expected an object with "names" and "frames", found ${Array.isArray(json) ? "an array" : typeof json}`);
    }
    const { names, frames, head_pose: headPose } = json as { names?: unknown; frames?: unknown; head_pose?: unknown };
    if (!Array.isArray(names) || names.length === 0 || names.length > 1024 || !names.every((n) => typeof n === "string")) {
        fail(`"names" must be a list of 1 to 1024 strings (ARKit blendshape names), found ${Array.isArray(names) ? `${names.length} entries` : typeof names}`);
    }
    if (!Array.isArray(frames) || frames.length === 0) {
        fail(`"frames" must be a non-empty list of {"weights": [...]}, found ${Array.isArray(frames) ? "an empty list" : typeof frames}`);
    }
    const frameList = frames as unknown[];
    const maxFrames = options.maxFrames ?? 1_000_000;
    if (frameList.length > maxFrames) {
        fail(`${frameList.length} frames, more than the ${maxFrames} accepted`);
    }
    const nameList = names as string[];
    const arkit = new Set<string>(ArkitBlendshapeNames);
    const columns = nameList.map((name) => (arkit.has(name) ? name : null));
    if (new Set(nameList).size !== nameList.length) {
        fail(`"names" lists a name twice`);
    }
    if (columns.every((c) => c === null)) {
        fail(`none of the ${nameList.length} names is an ARKit-52 blendshape name (found ${nameList.slice(0, 4).join(", ")}…)`);
    }
    const frameRate = options.frameRate ?? 30;
    const clip = new ExpressionClip(fileName.replace(/^.*[\\/]/, "").replace(/\.json$/i, ""), frameRate);
    let clampedCount = 0;
    let previousTime = Number.NEGATIVE_INFINITY;
    frameList.forEach((frame, f) => {
        const weights = (frame as { weights?: unknown } | null)?.weights;
        if (!Array.isArray(weights) || weights.length !== nameList.length) {
            fail(`frames[${f}].weights must hold ${nameList.length} numbers (one per name), found ${Array.isArray(weights) ? weights.length : typeof weights}`);
        }
        const time = (frame as { time?: unknown }).time;
        if (time !== undefined) {
            if (typeof time !== "number" || !Number.isFinite(time) || time <= previousTime || time > LiveLinkFaceRanges.maxDurationSeconds) {
                fail(`frames[${f}].time ${String(time)} is not a time after ${previousTime} and within ${LiveLinkFaceRanges.maxDurationSeconds} s`);
            }
            previousTime = time as number;
        }
        (weights as unknown[]).forEach((value, c) => {
            const name = columns[c];
            if (name === null) {
                return;
            }
            if (typeof value !== "number" || !Number.isFinite(value)) {
                fail(`frames[${f}].weights[${c}] (${name}) is ${String(value)}`, "non-finite", [`arkit/${name}`]);
            }
            if (Math.abs(value as number) > LiveLinkFaceRanges.maxBlendshapeMagnitude) {
                fail(`frames[${f}].weights[${c}] (${name}) is ${String(value)}, outside ±${LiveLinkFaceRanges.maxBlendshapeMagnitude}`, "invalid-clip", [`arkit/${name}`]);
            }
            const clamped = Math.min(1, Math.max(0, value as number));
            if (clamped !== value) {
                clampedCount++;
            }
            // LAM's player indexes frames at a fixed rate; `time` is only checked to increase.
            clip.setKey(`arkit/${name}`, f, clamped);
        });
    });
    return {
        clip,
        frameCount: frameList.length,
        clampedCount,
        ignoredNames: nameList.filter((_, i) => columns[i] === null),
        missingNames: ArkitBlendshapeNames.filter((name) => !nameList.includes(name)),
        hasHeadPose: Array.isArray(headPose),
    };
}
