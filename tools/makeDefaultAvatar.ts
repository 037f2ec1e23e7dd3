/**
 * Regenerates the embedded sample assets: `npm run make-assets` (`-- --only=heads|cartoon|flame` for one part).
 * Writes into samples/assets:
 * - default-head.gem, head-b.gem, head-c.gem: the realistic default heads, Gaussians on ICT-FaceKit (a scanned head,
 *   MIT) of three identities, distilled with an `arkit` driver map (and a `flame` map derived from it);
 * - cartoon-head.gem and cartoon-head-track.npz: the generated FLAME-driven teacher head of the first release and its
 *   expression track (VHAP layout), which the live sample's test encoder was fitted to;
 * - ict-flame.npz and ict-flame-track.npz: a head-shaped model in the FLAME layout derived from ICT-FaceKit (the FLAME
 *   sample's model) and the talking track as a FLAME track for it;
 * - test-flame.npz and test-flame-track.npz: the small FLAME-format test model and a synthetic tracked sequence.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serializeGemFile } from "../loaders/gem/gemContainer.js";
import { buildDefaultAvatar, DefaultAvatarWriteOptions } from "./synthetic/defaultAvatar.js";
import { createProgressBar } from "./distill/progressBar.js";
import { flameTrackNpz } from "./writers/flameTrackWriter.js";
import { createTestFlameNpz } from "./synthetic/testFlameModel.js";
import { createTestFlameTrackNpz } from "./synthetic/testFlameTrack.js";
import { deflateRawSync } from "node:zlib";
import { IctHeadIdentities } from "./synthetic/ictHead.js";
import { readIctFaceKit, readTalkingTrack } from "./synthetic/ictFaceKitFile.js";
import { createIctFlameNpz, ictFlameTrack } from "./synthetic/ictFlameModel.js";
import { buildIctHead, IctHeadWriteOptions } from "./synthetic/ictDefaultHeads.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const assets = resolve(root, "samples/assets");
mkdirSync(assets, { recursive: true });
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const progress = createProgressBar();
const write = (name: string, bytes: Uint8Array) => {
    writeFileSync(resolve(assets, name), bytes);
    console.log(`wrote samples/assets/${name}: ${bytes.byteLength} bytes`);
};

if (!only || only === "heads") {
    const kit = readIctFaceKit();
    const talking = readTalkingTrack();
    for (const head of IctHeadIdentities) {
        const build = buildIctHead(kit, head, talking, { onProgress: progress });
        write(`${head.name}.gem`, serializeGemFile(build.model, IctHeadWriteOptions));
        console.log(`${head.label}: ${build.model.gaussianCount} Gaussians, ${build.model.groups.map((g) => `${g.name} ${g.components}`).join(", ")}`);
    }
}
if (!only || only === "cartoon") {
    const { result, track } = buildDefaultAvatar(progress);
    write("cartoon-head.gem", serializeGemFile(result.model, DefaultAvatarWriteOptions));
    write("cartoon-head-track.npz", flameTrackNpz(track));
}
if (!only || only === "flame") {
    const kit = readIctFaceKit();
    write(
        "ict-flame.npz",
        createIctFlameNpz(kit, (data) => new Uint8Array(deflateRawSync(data, { level: 9 })))
    );
    write("ict-flame-track.npz", flameTrackNpz(ictFlameTrack(kit, readTalkingTrack())));
    write("test-flame.npz", createTestFlameNpz());
    write("test-flame-track.npz", createTestFlameTrackNpz());
}
