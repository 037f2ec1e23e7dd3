/**
 * Side-effect entry: registers the GEM and FLAME scene-loader plugins and the GEM node-material blocks.
 * `import "babylon-gem-avatars/register";`
 */
import { RegisterFlameFileLoader } from "./loaders/flame/FlameFileLoader.js";
import { RegisterGemFileLoader } from "./loaders/gem/GemFileLoader.js";
import "./materials/GemEigenBlock.js";

RegisterGemFileLoader();
RegisterFlameFileLoader();
