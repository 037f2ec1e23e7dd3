/**
 * Regenerates the embedded sample assets: `npm run make-assets`.
 * Writes samples/assets/default-head.gem (the distilled default avatar, float16 bases, with its FLAME map),
 * default-head-track.npz (the teacher's expression track, VHAP layout), test-flame.npz (the small FLAME-format test
 * model) and test-flame-track.npz (a synthetic tracked sequence for it).
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

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const assets = resolve(root, "samples/assets");
mkdirSync(assets, { recursive: true });
const { result, track } = buildDefaultAvatar(createProgressBar());
const files: [string, Uint8Array][] = [
    ["default-head.gem", serializeGemFile(result.model, DefaultAvatarWriteOptions)],
    ["default-head-track.npz", flameTrackNpz(track)],
    ["test-flame.npz", createTestFlameNpz()],
    ["test-flame-track.npz", createTestFlameTrackNpz()],
];
for (const [name, bytes] of files) {
    writeFileSync(resolve(assets, name), bytes);
    console.log(`wrote samples/assets/${name}: ${bytes.byteLength} bytes`);
}
console.log(
    `default head: ${result.model.gaussianCount} Gaussians, ${result.model.totalComponents} components (${result.model.groups.map((g) => `${g.name} ${g.components}`).join(", ")})`
);
