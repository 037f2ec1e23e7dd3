/**
 * Writes recordings in the Live Link Face CSV layout (for tests and the clip-editor sample's bundled take).
 */
import { ArkitBlendshapeNames, ArkitRotationNames } from "../../core/animation/arkitBlendshapes.js";
import { parseTimecode } from "../../plugin/animation/liveLinkFaceCsv.js";

/** Options of {@link writeLiveLinkFaceCsv}. */
export interface LiveLinkFaceCsvWriteOptions {
    /** Timecode of the first row, `HH:MM:SS:FF.fff` (default 00:00:00:00.000). */
    startTimecode?: string;
    /** Capture rate (default 60). */
    frameRate?: number;
    /** Write the 9 rotation columns (default true). */
    rotations?: boolean;
}

const pascal = (name: string) => name[0].toUpperCase() + name.slice(1);

/**
 * Writes frames (ARKit name → value; missing names are 0) as a Live Link Face CSV.
 * @param frames one record per frame
 * @param options start, rate, rotations
 * @returns the CSV text
 */
export function writeLiveLinkFaceCsv(frames: readonly Readonly<Record<string, number>>[], options: LiveLinkFaceCsvWriteOptions = {}): string {
    const rate = options.frameRate ?? 60;
    const names = options.rotations === false ? [...ArkitBlendshapeNames] : [...ArkitBlendshapeNames, ...ArkitRotationNames];
    const start = parseTimecode(options.startTimecode ?? "00:00:00:00.000", rate) ?? 0;
    const lines = [["Timecode", "BlendShapeCount", ...names.map(pascal)].join(",")];
    frames.forEach((frame, t) => {
        const seconds = start + t / rate;
        const whole = Math.floor(seconds + 1e-9);
        const frameOfSecond = (seconds - whole) * rate;
        const pad = (v: number) => String(v).padStart(2, "0");
        const timecode = `${pad(Math.floor(whole / 3600))}:${pad(Math.floor(whole / 60) % 60)}:${pad(whole % 60)}:${pad(Math.floor(frameOfSecond + 1e-6))}.${String(Math.round((frameOfSecond % 1) * 1000) % 1000).padStart(3, "0")}`;
        lines.push([timecode, "61", ...names.map((n) => String(frame[n] ?? 0))].join(","));
    });
    return `${lines.join("\n")}\n`;
}
