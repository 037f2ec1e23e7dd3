/**
 * Regenerates the embedded sample assets: `npm run make-assets`.
 * Writes samples/assets/default-head.gem (float16 bases), test-flame.npz (the FLAME-format test model) and
 * test-flame-track.npz (a synthetic tracked sequence for it).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serializeGemFile } from "../loaders/gemContainer";
import { createDefaultAvatarModel } from "./defaultAvatar";
import { createTestFlameNpz } from "./testFlameModel";
import { createTestFlameTrackNpz } from "./testFlameTrack";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = resolve(root, "samples/assets/default-head.gem");
const model = createDefaultAvatarModel();
const bytes = serializeGemFile(model, { basisDtype: "float16", meanDtype: "float32", generator: "tools/makeDefaultAvatar.ts" });
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, bytes);
console.log(`wrote ${target}: ${model.gaussianCount} Gaussians, ${model.totalComponents} components, ${bytes.byteLength} bytes`);

for (const [file, data] of [["test-flame.npz", createTestFlameNpz()], ["test-flame-track.npz", createTestFlameTrackNpz()]] as const) {
    const path = resolve(root, "samples/assets", file);
    writeFileSync(path, data);
    console.log(`wrote ${path}: ${data.byteLength} bytes`);
}
