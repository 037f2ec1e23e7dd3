/**
 * Side-effect entry: registers the GEM and FLAME scene-loader plugins (lazily: each loader's code is imported by its
 * first load), the GEM node-material blocks, and the `.babylon` parser that brings saved avatars back. `import "babylon-gem-avatars/register";`
 */
import { RegisterGemAvatarLoaders } from "./loaders/dynamic.js";
import { RegisterGemEigenBlock } from "./materials/GemEigenBlock.js";
import { RegisterGemSceneParser } from "./loaders/babylonFile/gemSceneParser.js";

RegisterGemAvatarLoaders();
RegisterGemEigenBlock();
RegisterGemSceneParser();
