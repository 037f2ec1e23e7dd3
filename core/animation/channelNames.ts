/**
 * Channel names: every scalar an animation can drive, as `<space>/<name>`.
 *
 * - `arkit/<blendshape>` (ARKit-52 weights in [0, 1], plus `arkit/headYaw` … `arkit/rightEyeRoll` in radians);
 * - `flame/<field>/<i>` (FLAME parameters: `shape`, `expression`, `globalPose`, `neckPose`, `jawPose`, `eyePose`,
 *   `translation`, `eyelids`; the same fields a GEM `flame` driver names as `<field>.<i>`);
 * - `gem/<semantic>/<k>` (GEM coefficient k of the position, opacity, scale, rotation or colour group).
 *
 * Names never contain dots, so they survive Babylon's dotted property paths and JSON keys unchanged.
 */
import type { GemModel } from "../GemModel.js";
import { ArkitBlendshapeNames, ArkitRotationNames } from "./arkitBlendshapes.js";

/** Channel spaces the animation system knows. */
export type ChannelSpace = "arkit" | "flame" | "gem";

/** FLAME parameter fields and their widths where fixed. */
export const FlameChannelFields = ["shape", "expression", "globalPose", "neckPose", "jawPose", "eyePose", "translation", "eyelids"] as const;

/** A FLAME parameter field. */
export type FlameChannelField = (typeof FlameChannelFields)[number];

const fixedFlameWidths: Partial<Record<FlameChannelField, number>> = { globalPose: 3, neckPose: 3, jawPose: 3, eyePose: 6, translation: 3, eyelids: 2 };

/**
 * The ARKit channels.
 * @param withRotations include head and eye rotations (default true)
 * @returns `arkit/<name>` for the 52 blendshapes, then the rotations
 */
export function arkitChannelNames(withRotations = true): string[] {
    const names = withRotations ? [...ArkitBlendshapeNames, ...ArkitRotationNames] : [...ArkitBlendshapeNames];
    return names.map((n) => `arkit/${n}`);
}

/**
 * The FLAME channels of a model size.
 * @param expressionCount number of expression components
 * @param shapeCount number of shape components (default 0: identity is not animated)
 * @param withEyelids include the two eyelid channels (default true)
 * @returns channel names, field by field
 */
export function flameChannelNames(expressionCount: number, shapeCount = 0, withEyelids = true): string[] {
    const names: string[] = [];
    for (const field of FlameChannelFields) {
        const width = field === "shape" ? shapeCount : field === "expression" ? expressionCount : field === "eyelids" && !withEyelids ? 0 : fixedFlameWidths[field]!;
        for (let i = 0; i < width; i++) {
            names.push(`flame/${field}/${i}`);
        }
    }
    return names;
}

/**
 * The GEM coefficient channels of a model, in coefficient order.
 * @param model the model
 * @returns `gem/<semantic>/<k>`
 */
export function gemChannelNames(model: GemModel): string[] {
    const names: string[] = [];
    for (const group of model.groups) {
        for (let k = 0; k < group.components; k++) {
            names.push(`gem/${group.semantic}/${k}`);
        }
    }
    return names;
}

/**
 * The space a channel belongs to.
 * @param channel a channel name
 * @returns its space, or null for a name outside the known spaces
 */
export function channelSpace(channel: string): ChannelSpace | null {
    const slash = channel.indexOf("/");
    const space = channel.slice(0, slash);
    return space === "arkit" || space === "flame" || space === "gem" ? space : null;
}

/**
 * The FLAME channel of a GEM driver input (`jawPose.0` → `flame/jawPose/0`).
 * @param input a driver input name
 * @returns the channel name
 */
export function flameChannelOfDriverInput(input: string): string {
    const dot = input.lastIndexOf(".");
    return `flame/${input.slice(0, dot)}/${input.slice(dot + 1)}`;
}

/**
 * Splits a FLAME channel name.
 * @param channel for example `flame/jawPose/0`
 * @returns field and index, or null when the name is not a FLAME channel
 */
export function parseFlameChannel(channel: string): { field: FlameChannelField; index: number } | null {
    const parts = channel.split("/");
    if (parts.length !== 3 || parts[0] !== "flame") {
        return null;
    }
    const field = parts[1] as FlameChannelField;
    const index = Number(parts[2]);
    return FlameChannelFields.includes(field) && Number.isInteger(index) && index >= 0 ? { field, index } : null;
}

/**
 * Whether a channel name matches a pattern in which `*` stands for any run of characters (`flame/jawPose/*`,
 * `arkit/mouth*`).
 * @param pattern the pattern
 * @param channel the channel name
 * @returns true on a match
 */
export function channelMatches(pattern: string, channel: string): boolean {
    if (!pattern.includes("*")) {
        return pattern === channel;
    }
    const parts = pattern.split("*");
    if (!channel.startsWith(parts[0])) {
        return false;
    }
    let position = parts[0].length;
    for (let i = 1; i < parts.length - 1; i++) {
        const found = channel.indexOf(parts[i], position);
        if (found < 0) {
            return false;
        }
        position = found + parts[i].length;
    }
    const last = parts[parts.length - 1];
    return channel.length - last.length >= position && channel.endsWith(last);
}
