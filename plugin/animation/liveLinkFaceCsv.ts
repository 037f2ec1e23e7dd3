/**
 * Import of ARKit-52 recordings in the Live Link Face CSV layout: a header row `Timecode, BlendShapeCount,
 * EyeBlinkLeft, …, TongueOut[, HeadYaw, HeadPitch, HeadRoll, LeftEyeYaw, …, RightEyeRoll]`, then one row per frame
 * with an SMPTE-style timecode `HH:MM:SS:FF[.fff]` (FF counted at the recording rate).
 */
import { AnimationChannelError } from "../../core/errors/AnimationChannelError.js";
import { ArkitBlendshapeNames, ArkitRotationNames } from "../../core/animation/arkitBlendshapes.js";
import { ExpressionClip } from "./ExpressionClip.js";

/** A decimal number as CSV writers print it (no hex, binary, octal, `Infinity` or blank cells, which `Number` accepts). */
const DecimalPattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Physical ranges of the columns: blendshape weights are in [0, 1] (a little outside is clamped and counted; beyond
 * ±10 the file is broken), head and eye rotations are radians within one turn, and a
 * recording lasts at most a day.
 */
export const LiveLinkFaceRanges = { maxBlendshapeMagnitude: 10, maxRotationRadians: 2 * Math.PI, maxDurationSeconds: 86_400 } as const;

/**
 * Reads one cell as a decimal number.
 * @param text the cell
 * @returns the number, or NaN when the cell is not a decimal
 */
function parseDecimal(text: string): number {
    const trimmed = text.trim();
    return DecimalPattern.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** Options of {@link parseLiveLinkFaceCsv}. */
export interface LiveLinkFaceCsvOptions {
    /** File name used in errors and as the clip name. */
    fileName?: string;
    /** Frame rate the timecode's FF field counts at (default 60, the app's capture rate). */
    timecodeFrameRate?: number;
    /** Frame rate of the produced clip's keys (default the timecode rate). */
    clipFrameRate?: number;
    /** Keep head and eye rotations when present (default true). */
    rotations?: boolean;
    /** Largest accepted file, in characters (default 64 MiB). */
    maxLength?: number;
}

/** Result of {@link parseLiveLinkFaceCsv}. */
export interface LiveLinkFaceImport {
    /** The clip, channels `arkit/<name>`. */
    clip: ExpressionClip;
    /** Rows read. */
    frameCount: number;
    /** Blendshape values outside [0, 1] that were clamped (ARKit's range). */
    clampedCount: number;
    /** Whether head/eye rotation columns were present and imported. */
    hasRotations: boolean;
}

/**
 * Parses a Live Link Face CSV recording into a clip.
 * @param text the file's text
 * @param options file name, rates
 * @returns the clip and counts
 */
export function parseLiveLinkFaceCsv(text: string, options: LiveLinkFaceCsvOptions = {}): LiveLinkFaceImport {
    const fileName = options.fileName ?? "recording.csv";
    const fail = (message: string, channels: string[] = []): never => {
        throw new AnimationChannelError("invalid-clip", fileName, message, channels);
    };
    if (text.length > (options.maxLength ?? 64 * 1024 * 1024)) {
        fail(`file has ${text.length} characters, more than the ${options.maxLength ?? 64 * 1024 * 1024} accepted`);
    }
    const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
    if (lines.length < 2) {
        fail(`expected a header row and at least one frame, found ${lines.length} non-empty line(s)`);
    }
    const header = lines[0].split(",").map((h) => h.trim().toLowerCase());
    const column = (name: string) => header.indexOf(name.toLowerCase());
    const timeColumn = column("Timecode");
    if (timeColumn < 0) {
        fail(`header has no "Timecode" column (found: ${lines[0].slice(0, 80)})`);
    }
    const shapeColumns = ArkitBlendshapeNames.map(column);
    const missing = ArkitBlendshapeNames.filter((_, i) => shapeColumns[i] < 0);
    if (missing.length > 0) {
        fail(
            `missing ${missing.length} of the 52 ARKit blendshape columns: ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ", …" : ""}`,
            missing.map((m) => `arkit/${m}`)
        );
    }
    const rotationColumns = ArkitRotationNames.map(column);
    const presentRotations = rotationColumns.filter((c) => c >= 0).length;
    if (presentRotations > 0 && presentRotations < rotationColumns.length) {
        fail(`has ${presentRotations} of the ${rotationColumns.length} rotation columns (${ArkitRotationNames.join(", ")}): all or none`);
    }
    const hasRotations = presentRotations > 0 && options.rotations !== false;
    const timecodeRate = options.timecodeFrameRate ?? 60;
    const clipRate = options.clipFrameRate ?? timecodeRate;
    const clip = new ExpressionClip(fileName.replace(/\.csv$/i, ""), clipRate);
    let start = NaN;
    let previous = -Infinity;
    let clampedCount = 0;
    for (let row = 1; row < lines.length; row++) {
        const cells = lines[row].split(",");
        if (cells.length !== header.length) {
            fail(`line ${row + 1}: ${cells.length} fields, the header has ${header.length}`);
        }
        const seconds = parseTimecode(cells[timeColumn].trim(), timecodeRate);
        if (seconds === null) {
            fail(`line ${row + 1}: timecode "${cells[timeColumn].trim()}" is not HH:MM:SS:FF[.fff] or seconds`);
        }
        if (Number.isNaN(start)) {
            start = seconds!;
        }
        const time = seconds! - start;
        if (!(time <= LiveLinkFaceRanges.maxDurationSeconds)) {
            fail(`line ${row + 1}: timecode ${cells[timeColumn].trim()} is more than ${LiveLinkFaceRanges.maxDurationSeconds} s after the first`);
        }
        if (time <= previous) {
            fail(`line ${row + 1}: timecode ${cells[timeColumn].trim()} does not increase`);
        }
        previous = time;
        const frame = Math.round(time * clipRate * 1e6) / 1e6;
        const read = (c: number, name: string, limit: number): number => {
            const value = parseDecimal(cells[c]);
            if (!Number.isFinite(value)) {
                throw new AnimationChannelError("non-finite", fileName, `line ${row + 1}: ${name} is "${cells[c].trim().slice(0, 40)}", not a decimal number`, [`arkit/${name}`]);
            }
            if (Math.abs(value) > limit) {
                throw new AnimationChannelError("invalid-clip", fileName, `line ${row + 1}: ${name} is ${value}, outside ±${limit}`, [`arkit/${name}`]);
            }
            return value;
        };
        ArkitBlendshapeNames.forEach((name, i) => {
            const value = read(shapeColumns[i], name, LiveLinkFaceRanges.maxBlendshapeMagnitude);
            const clamped = Math.min(1, Math.max(0, value));
            if (clamped !== value) {
                clampedCount++;
            }
            clip.setKey(`arkit/${name}`, frame, clamped);
        });
        if (hasRotations) {
            ArkitRotationNames.forEach((name, i) => clip.setKey(`arkit/${name}`, frame, read(rotationColumns[i], name, LiveLinkFaceRanges.maxRotationRadians)));
        }
    }
    return { clip, frameCount: lines.length - 1, clampedCount, hasRotations };
}

/**
 * Seconds of a timecode.
 * @param text `HH:MM:SS:FF`, `HH:MM:SS:FF.fff` (fraction of a frame) or plain seconds
 * @param frameRate rate FF counts at
 * @returns seconds, or null when unreadable
 */
export function parseTimecode(text: string, frameRate: number): number | null {
    const match = /^(\d+):(\d{1,2}):(\d{1,2})[:;](\d+(?:\.\d+)?)$/.exec(text);
    if (match) {
        const [, h, m, s, f] = match;
        return Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(f) / frameRate;
    }
    const seconds = parseDecimal(text);
    return Number.isFinite(seconds) ? seconds : null;
}
