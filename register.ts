/**
 * Side-effect entry: registers the GEM and FLAME scene-loader plugins (lazily: each loader's code is imported by its
 * first load) and the GEM node-material blocks. `import "babylon-gem-avatars/register";`
 */
import { RegisterGemAvatarLoaders } from "./loaders/dynamic.js";
import { RegisterGemEigenBlock } from "./materials/GemEigenBlock.js";

RegisterGemAvatarLoaders();
RegisterGemEigenBlock();
