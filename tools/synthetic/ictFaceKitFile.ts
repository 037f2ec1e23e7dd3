/**
 * The files the ICT heads are built from, read from this repository (Node only): ICT-FaceKit's compact export (pages
 * parse the same bytes with `readNpzAsync` and {@link parseIctFaceKit}) and the talking track.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { readNpz } from "../../loaders/archives/npzArchive.js";
import { talkingTrackRows } from "./ictDefaultHeads.js";
import { parseIctFaceKit, type IctFaceKit } from "./ictHead.js";

/** Where the data lives in this repository. */
export const IctFaceKitPath = resolve(dirname(fileURLToPath(import.meta.url)), "../data/ict-facekit/ict-facekit.npz");

/**
 * Reads the compact ICT-FaceKit export.
 * @param path npz path
 * @returns the kit
 */
export function readIctFaceKit(path = IctFaceKitPath): IctFaceKit {
    return parseIctFaceKit(readNpz(new Uint8Array(readFileSync(path)), "ict-facekit.npz", (data, size) => new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }))));
}

/** The ARKit track shipped with the samples (LAM_WebRender, MIT). */
export const TalkingTrackPath = resolve(dirname(fileURLToPath(import.meta.url)), "../../samples/assets/lam-arkit-track/talking.json");

/**
 * The talking track as rows of 52 ARKit weights.
 * @param path the LAM-layout JSON
 * @returns one row per frame
 */
export function readTalkingTrack(path = TalkingTrackPath): Float32Array[] {
    return talkingTrackRows(readFileSync(path, "utf8"));
}
