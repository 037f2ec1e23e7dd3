// Builds the script-tag (UMD-style) bundle of the plugin for pages on Babylon's UMD packages: `npm run build:umd`
// writes dist/umd/babylon-gem-avatars.js (see umd.ts).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));

/**
 * @param {Record<string, string>} env webpack --env values (outDir)
 * @param {{ mode?: string }} argv CLI arguments
 */
export default function config(env = {}, argv = {}) {
    return {
        mode: argv.mode ?? "production",
        context: root,
        target: "web",
        devtool: false,
        entry: { "babylon-gem-avatars": "./umd.ts" },
        // One file: the loaders' lazy imports are bundled in rather than split into chunks a page would have to find.
        output: { path: resolve(root, env.outDir ?? "dist/umd"), filename: "[name].js", asyncChunks: false, iife: true, clean: true },
        resolve: { extensions: [".ts", ".js"], extensionAlias: { ".js": [".ts", ".js"] } },
        module: {
            rules: [{ test: /\.ts$/, loader: "ts-loader", exclude: /node_modules/, options: { transpileOnly: true } }],
        },
        // Babylon comes from the page's global BABYLON; its splat sort-worker body is not on it, so that one module
        // (self-contained, and it must match the Babylon version of the page) is bundled.
        externalsType: "var",
        externals: [
            ({ request }, callback) =>
                /^@babylonjs\/core(\/|$)/.test(request ?? "") && !/gaussianSplattingSortWorker/.test(request ?? "") ? callback(null, "BABYLON") : callback(),
        ],
        performance: { hints: false },
    };
}
