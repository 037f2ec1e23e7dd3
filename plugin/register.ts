/**
 * Side-effect entry: registers the GEM and FLAME scene-loader plugins and the GEM node-material blocks.
 * `import "babylon-gem-avatars/register";`
 */
import { RegisterFlameFileLoader } from "../loaders/FlameFileLoader";
import { RegisterGemFileLoader } from "../loaders/GemFileLoader";
import "../materials/GemEigenBlock";

RegisterGemFileLoader();
RegisterFlameFileLoader();
