import { parseGemFile } from "../loaders/gem/gemContainer.js";
import { type FlameTrack } from "../core/flame/flameTrack.js";
import { flameTrackFromArrays } from "../loaders/flame/flameTrackFile.js";
import { readNpzAsync } from "../loaders/archives/npzArchive.js";
import type { GemModel } from "../core/GemModel.js";

async function fetchBytes(url: string): Promise<Uint8Array> {
    return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

/** The embedded default head (`assets/default-head.gem`), parsed. */
export async function loadDefaultHeadModel(): Promise<GemModel> {
    return parseGemFile(await fetchBytes("assets/default-head.gem"), "default-head.gem");
}

/** The default head's bundled FLAME performance (`assets/default-head-track.npz`), parsed. */
export async function loadDefaultHeadTrack(): Promise<FlameTrack> {
    const arrays = await readNpzAsync(await fetchBytes("assets/default-head-track.npz"), "default-head-track.npz");
    return flameTrackFromArrays(arrays, "default-head-track.npz");
}
