// webpack loader for Babylon's editors (Node Material Editor, Inspector): their property panes show the Babylon logo
// from www.babylonjs.com whenever they render. Pages built here fetch nothing from outside, so the logo's address is
// replaced, at build time, by a small local picture (a grey hexagon, as an inline SVG).
const ExternalLogo = "https://www.babylonjs.com/Assets/logo-babylonjs-social-twitter.png";
const LocalLogo = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Cpath d='M16 2 28 9v14L16 30 4 23V9z' fill='%23b0b4bc'/%3E%3C/svg%3E";

module.exports = function offlineEditorAssetsLoader(source) {
    return source.split(ExternalLogo).join(LocalLogo);
};
