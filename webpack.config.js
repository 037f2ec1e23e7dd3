// Builds the samples (npm start serves them) and the pages the browser tests drive.
import CopyWebpackPlugin from "copy-webpack-plugin";
import HtmlWebpackPlugin from "html-webpack-plugin";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));

/** Pages: entry point, title, and the page's body (a full-page canvas unless given). */
export const pages = {
    viewer: { entry: "./samples/viewer/index.ts", title: "GEM avatar viewer" },
    flame: { entry: "./samples/flame/index.ts", title: "FLAME head" },
    "clip-editor": { entry: "./samples/clip-editor/index.ts", title: "Expression clip editor" },
    crowd: { entry: "./samples/crowd/index.ts", title: "Crowd of GEM avatars" },
    live: { entry: "./samples/live/index.ts", title: "Live face" },
    room: { entry: "./samples/room/index.ts", title: "Telepresence room" },
    xr: { entry: "./samples/xr/index.ts", title: "WebXR room" },
    personalise: { entry: "./samples/personalise/index.ts", title: "Make your own avatar" },
    "node-editor": {
        entry: "./samples/node-editor/index.ts",
        title: "Node Material Editor on an avatar",
        body: `<div style="display:flex;height:100%"><canvas id="renderCanvas" style="width:35%"></canvas><div id="nodeEditor" style="position:relative;width:65%;height:100%"></div></div>`,
    },
    "viewer-element": {
        entry: "./samples/viewer-element/index.ts",
        title: "Babylon viewer element",
        body: `<babylon-viewer source="assets/default-head.gem" engine="WebGL" camera-orbit="-1.5708 auto auto" animation-auto-play render-when-idle style="width:100%;height:100%;display:block"></babylon-viewer>`,
    },
    "gem-test": { entry: "./test/support/page/gemTestPage.ts", title: "GEM browser tests" },
    "gem-bench": { entry: "./bench/page/gemBenchPage.ts", title: "GEM benchmarks" },
    "gaussian-render": { entry: "./tools/distill/page/gaussianRenderPage.ts", title: "Gaussian frame renderer" },
};

/** The samples' index: one line each, in the order a newcomer meets them. */
const sampleIndex = [
    ["viewer", "The default head (embedded), its eigen-coefficients, ARKit weights and talking performance, with Babylon's Inspector."],
    ["viewer-element", "The same head in Babylon's &lt;babylon-viewer&gt; element, from a .gem URL."],
    ["clip-editor", "Author expression clips on a timeline and save them as Babylon animation groups."],
    ["crowd", "Many avatars in one scene, one draw per crowd."],
    ["flame", "A FLAME head with a tracked FLAME sequence, and Gaussians bound to it."],
    ["live", "Your camera's face drives the head (face tracker in a worker); without a camera, an ONNX encoder on a video."],
    ["personalise", "Make your own avatar from ten seconds of webcam, in the page."],
    ["room", "A telepresence room: avatars of everyone connected (npm run room:dev first)."],
    ["xr", "The room in WebXR (open on http://localhost)."],
    ["node-editor", "The avatar's material in Babylon's Node Material Editor, with the GEM eigen block."],
];

/**
 * @param {Record<string, string>} env webpack --env values (pages=a,b limits the build)
 * @param {{ mode?: string }} argv CLI arguments
 */
export default function config(env = {}, argv = {}) {
    const selected = env.pages ? env.pages.split(",") : Object.keys(pages);
    const mode = argv.mode ?? "development";
    return {
        mode,
        context: root,
        // Parsed modules are kept between builds (the browser tests build a few pages each, on top of all of Babylon).
        cache:
            env.cache === "false"
                ? false
                : {
                      type: "filesystem",
                      name: mode,
                      cacheDirectory: resolve(root, "node_modules/.cache/webpack-samples"),
                      buildDependencies: { config: [fileURLToPath(import.meta.url)] },
                  },
        devtool: mode === "production" ? false : "eval-cheap-source-map",
        // npm start: each page is built when it is first opened, not all of them (and all of Babylon's editors) up front.
        ...(env.WEBPACK_SERVE ? { experiments: { lazyCompilation: { entries: true, imports: false } } } : {}),
        entry: Object.fromEntries(selected.map((name) => [name, pages[name].entry])),
        output: { path: resolve(root, env.outDir ?? "samples-dist"), filename: "[name].js", clean: true },
        resolve: {
            extensions: [".ts", ".js"],
            extensionAlias: { ".js": [".ts", ".js"] },
            // The samples import the package by name, as an app does (tsconfig.json maps the same names for tsc).
            alias: {
                "babylon-gem-avatars$": resolve(root, "index.ts"),
                "babylon-gem-avatars/pure$": resolve(root, "pure.ts"),
                "babylon-gem-avatars/register$": resolve(root, "register.ts"),
                "babylon-gem-avatars/room$": resolve(root, "room.ts"),
                "babylon-gem-avatars/encoder$": resolve(root, "encoder.ts"),
                "babylon-gem-avatars/tracking$": resolve(root, "tracking.ts"),
            },
        },
        module: {
            rules: [
                { test: /\.ts$/, loader: "ts-loader", exclude: /node_modules/, options: { transpileOnly: true } },
                // The editors' logo comes from babylonjs.com: a local picture instead (see the loader).
                { test: /[\\/]node_modules[\\/]@babylonjs[\\/](node-editor|inspector)[\\/].*\.js$/, loader: resolve(root, "tools/webpack/offlineEditorAssetsLoader.cjs") },
            ],
        },
        performance: { hints: false },
        plugins: [
            ...selected.map(
                (name) =>
                    new HtmlWebpackPlugin({
                        filename: `${name}.html`,
                        chunks: [name],
                        title: pages[name].title,
                        templateContent: `<!doctype html><html><head><meta charset="utf-8"><title>${pages[name].title}</title>
<link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{margin:0;height:100%;overflow:hidden;background:#1e1f24}canvas{width:100%;height:100%;display:block;touch-action:none}</style>
</head><body>${pages[name].body ?? '<canvas id="renderCanvas"></canvas>'}</body></html>`,
                    })
            ),
            new HtmlWebpackPlugin({
                filename: "index.html",
                chunks: [],
                templateContent: `<!doctype html><html><head><meta charset="utf-8"><title>GEM avatar samples</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0;padding:24px 32px;background:#1e1f24;color:#dde;font:15px/1.45 system-ui,sans-serif}h1{font-size:22px;margin:0 0 4px}
p{color:#aab;margin:0 0 18px}ul{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
li{background:#2a2c33;border:1px solid #3a3d47;border-radius:6px;padding:12px 14px}a{color:#9cf;font-weight:600;text-decoration:none}a:hover{text-decoration:underline}
span{display:block;color:#bbc;font-size:13px;margin-top:4px}</style></head><body>
<h1>GEM avatar samples</h1><p>Gaussian head avatars in Babylon.js. Each page loads what it needs when opened; the first open of a page builds it.</p>
<ul>${sampleIndex
                    .filter(([name]) => selected.includes(name))
                    .map(([name, line]) => `<li><a href="${name}.html">${pages[name].title}</a><span>${line}</span></li>`)
                    .join("")}</ul></body></html>`,
            }),
            new CopyWebpackPlugin({
                patterns: [
                    { from: "samples/assets", to: "assets" },
                    // The personalise sample's shape space: ICT-FaceKit's neutral, expressions and identity modes (MIT).
                    { from: "tools/data/ict-facekit/ict-facekit.npz", to: "assets/personalise/ict-facekit.npz" },
                    { from: "tools/data/ict-facekit/LICENSE", to: "assets/personalise/ict-facekit.LICENSE" },
                    // The face tracker's detector (MediaPipe's face detector, face mesh and iris models as tfjs graphs,
                    // Apache-2.0, inside @vladmandic/human) and tfjs's WASM runtime, served by the app itself.
                    { from: "node_modules/@vladmandic/human/models/{blazeface,facemesh,iris}.{json,bin}", to: "assets/human/[name][ext]" },
                    { from: "node_modules/@vladmandic/human/LICENSE", to: "assets/human/LICENSE" },
                    { from: "node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm", to: "assets/tfjs/[name][ext]" },
                    { from: "node_modules/@tensorflow/tfjs-backend-wasm/LICENSE", to: "assets/tfjs/LICENSE", noErrorOnMissing: true },
                ],
            }),
        ],
        devServer: {
            host: "localhost",
            port: 8080,
            open: ["/"],
            static: false,
            headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" },
        },
    };
}
