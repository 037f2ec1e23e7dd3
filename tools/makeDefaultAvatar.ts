/**
 * Regenerates the embedded default avatar: `npm run make-assets`.
 * Writes samples/assets/default-head.gem (float16 bases and means).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serializeGemFile } from "../loaders/gemContainer";
import { createDefaultAvatarModel } from "./defaultAvatar";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = resolve(root, "samples/assets/default-head.gem");
const model = createDefaultAvatarModel();
const bytes = serializeGemFile(model, { basisDtype: "float16", meanDtype: "float32", generator: "tools/makeDefaultAvatar.ts" });
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, bytes);
console.log(`wrote ${target}: ${model.gaussianCount} Gaussians, ${model.totalComponents} components, ${bytes.byteLength} bytes`);
