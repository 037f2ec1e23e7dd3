/**
 * Side-effect entry: registers the GEM scene-loader plugin and the GEM node-material blocks.
 * `import "babylon-gem-avatars/register";`
 */
import { RegisterGemFileLoader } from "../loaders/GemFileLoader";
import "../materials/GemEigenBlock";

RegisterGemFileLoader();
