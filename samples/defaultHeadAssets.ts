import { type ExpressionClip, type flame, formats, type GemModel, parseLamExpressionTrack } from "babylon-gem-avatars";

async function fetchBytes(url: string): Promise<Uint8Array> {
    const response = await fetch(url);
    if (!response.ok) {
        throw new Error(`${url}: ${response.status} ${response.statusText}`);
    }
    return new Uint8Array(await response.arrayBuffer());
}

/** The realistic heads shipped in `assets/` (Gaussians on ICT-FaceKit, three identities, ARKit-driven). */
export const HeadFamily = ["default-head", "head-b", "head-c"] as const;

/**
 * A head of the family, parsed.
 * @param name file stem (default the embedded default head)
 * @returns the model
 */
export async function loadHeadModel(name: string = HeadFamily[0]): Promise<GemModel> {
    return formats.parseGemFile(await fetchBytes(`assets/${name}.gem`), `${name}.gem`);
}

/** The embedded default head (`assets/default-head.gem`), parsed. */
export async function loadDefaultHeadModel(): Promise<GemModel> {
    return loadHeadModel();
}

/**
 * The bundled 32 s talking performance (ARKit-52 weights, LAM_WebRender's track) as a clip of `arkit/…` channels.
 * @returns the clip and its frame count
 */
export async function loadTalkingClip(): Promise<{ clip: ExpressionClip; frameCount: number }> {
    const response = await fetch("assets/lam-arkit-track/talking.json");
    return parseLamExpressionTrack(await response.text(), { fileName: "talking.json" });
}

/** The cartoon head of the first release (the model the live sample's test encoder was fitted to). */
export async function loadCartoonHeadModel(): Promise<GemModel> {
    return formats.parseGemFile(await fetchBytes("assets/cartoon-head.gem"), "cartoon-head.gem");
}

/** The cartoon head's FLAME performance (`assets/cartoon-head-track.npz`), parsed. */
export async function loadCartoonHeadTrack(): Promise<flame.FlameTrack> {
    const arrays = await formats.readNpzAsync(await fetchBytes("assets/cartoon-head-track.npz"), "cartoon-head-track.npz");
    return formats.flameTrackFromArrays(arrays, "cartoon-head-track.npz");
}
