import { type flame, formats, type GemModel } from "babylon-gem-avatars";

async function fetchBytes(url: string): Promise<Uint8Array> {
    return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

/** The embedded default head (`assets/default-head.gem`), parsed. */
export async function loadDefaultHeadModel(): Promise<GemModel> {
    return formats.parseGemFile(await fetchBytes("assets/default-head.gem"), "default-head.gem");
}

/** The default head's bundled FLAME performance (`assets/default-head-track.npz`), parsed. */
export async function loadDefaultHeadTrack(): Promise<flame.FlameTrack> {
    const arrays = await formats.readNpzAsync(await fetchBytes("assets/default-head-track.npz"), "default-head-track.npz");
    return formats.flameTrackFromArrays(arrays, "default-head-track.npz");
}
