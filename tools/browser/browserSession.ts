/**
 * Real-browser harness (tests and benchmarks): builds the test pages with webpack, serves them on 127.0.0.1 and drives Debian's
 * Chromium (SwiftShader WebGL2) through playwright-core. Screenshots go to test-output/screenshots.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import webpack from "webpack";
import makeConfig from "../../webpack.config.js";

/** Repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Where screenshots are written. */
export const screenshotDir = resolve(repoRoot, "test-output/screenshots");

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** A running browser session on a served page. */
export interface BrowserSession {
    page: Page;
    baseUrl: string;
    console: string[];
    close(): Promise<void>;
}

/** What {@link openBrowserSession} can do besides opening the page. */
export interface BrowserSessionOptions {
    /**
     * Build each module as its own `eval` with its path as source URL, so stack traces name the source files
     * (`webpack-internal:///./plugin/GemSplatMesh.ts`); default off (one plain bundle).
     */
    moduleSourceUrls?: boolean;
    /** A script run in the page before any of its own (playwright's `addInitScript`). */
    initScript?: () => void;
}

async function buildPages(pages: string[], outDir: string, moduleSourceUrls = false): Promise<void> {
    const config = (makeConfig as (env: Record<string, string>, argv: Record<string, string>) => webpack.Configuration)(
        { pages: pages.join(","), outDir },
        { mode: "development" }
    );
    config.devtool = moduleSourceUrls ? "eval" : false;
    // One module cache per kind of output: what webpack keeps depends on the devtool.
    if (config.cache && typeof config.cache === "object" && config.cache.type === "filesystem") {
        config.cache.name = `tests-${moduleSourceUrls ? "eval" : "plain"}`;
    }
    await runWebpack(config);
}

/**
 * Runs one webpack build.
 * @param config the configuration
 * @returns when the build is written; rejects with webpack's errors
 */
export function runWebpack(config: webpack.Configuration): Promise<void> {
    return new Promise<void>((resolvePromise, reject) => {
        webpack(config, (error, stats) => {
            if (error || !stats || stats.hasErrors()) {
                reject(error ?? new Error(stats?.toString({ all: false, errors: true }) ?? "webpack failed"));
                return;
            }
            resolvePromise();
        });
    });
}

const mime: Record<string, string> = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".gem": "application/octet-stream",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".png": "image/png",
    ".webm": "video/webm",
};

function serve(root: string): Promise<{ server: Server; baseUrl: string }> {
    const server = createServer((request, response) => {
        const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)).replace(/^([/\\])+/, "");
        const file = join(root, path);
        if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
            response.writeHead(404).end();
            return;
        }
        const headers = {
            "Content-Type": mime[extname(file)] ?? "application/octet-stream",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Embedder-Policy": "require-corp",
            "Accept-Ranges": "bytes",
        };
        // Byte ranges: Chromium only seeks in a <video> whose server serves them.
        const size = statSync(file).size;
        const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? "");
        if (range && (range[1] || range[2])) {
            const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
            const end = range[1] && range[2] ? Math.min(size - 1, Number(range[2])) : size - 1;
            if (start > end || start >= size) {
                response.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
                return;
            }
            response.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${size}`, "Content-Length": end - start + 1 });
            createReadStream(file, { start, end }).pipe(response);
            return;
        }
        response.writeHead(200, { ...headers, "Content-Length": size });
        createReadStream(file).pipe(response);
    });
    return new Promise((resolvePromise) =>
        server.listen(0, "127.0.0.1", () => resolvePromise({ server, baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}` }))
    );
}

/**
 * Builds the named pages, serves them and opens the first in Chromium.
 * @param pages webpack pages (see webpack.config.js); the first is opened
 * @param extraFiles files written next to the bundle (name → bytes)
 * @param extraArgs extra Chromium flags (WebGPU, fake camera...)
 * @param options source URLs per module, a script to run first
 * @returns the session
 */
export async function openBrowserSession(
    pages: string[],
    extraFiles: Record<string, Uint8Array> = {},
    extraArgs: string[] = [],
    options: BrowserSessionOptions = {}
): Promise<BrowserSession> {
    const outDir = resolve(repoRoot, options.moduleSourceUrls ? "test-output/bundle-eval" : "test-output/bundle");
    await buildPages(pages, outDir, options.moduleSourceUrls);
    for (const [name, bytes] of Object.entries(extraFiles)) {
        mkdirSync(dirname(join(outDir, name)), { recursive: true });
        writeFileSync(join(outDir, name), bytes);
    }
    return openServedPage(outDir, `${pages[0]}.html`, extraArgs, options.initScript);
}

/** A page of a served folder open in Chromium, for checks on what it draws. */
export interface StaticPageSession extends BrowserSession {
    /** Uncaught page errors and console errors. */
    errors: string[];
    /**
     * Waits until Babylon has cleared the canvas (pixels of its default clear colour) and at least `fraction` of the
     * page is neither that colour nor the white page behind it (what a drawn head is), reading back screenshots.
     * @returns the last screenshot (a PNG data URL) and the fractions of background and head pixels
     */
    waitForHeadPixels(fraction: number, timeoutMs: number): Promise<{ screenshot: string; background: number; head: number }>;
}

/**
 * Serves an already built folder (an app bundled by someone else's tooling) and opens its `index.html` in Chromium.
 * @param folder the folder to serve
 * @returns the session
 */
export async function openStaticPage(folder: string): Promise<StaticPageSession> {
    const session = await openServedPage(folder, "index.html", []);
    return Object.assign(session, {
        get errors() {
            return session.console.filter((line) => line.startsWith("pageerror:") || line.startsWith("error:"));
        },
        async waitForHeadPixels(fraction: number, timeoutMs: number) {
            const deadline = Date.now() + timeoutMs;
            let last = { screenshot: "", background: 0, head: 0 };
            while (Date.now() < deadline) {
                const screenshot = `data:image/png;base64,${(await session.page.screenshot()).toString("base64")}`;
                // Babylon's default clear colour is (0.2, 0.2, 0.3): count the pixels near it, and those far from it
                // and from white.
                const [background, head] = await session.page.evaluate(async (url) => {
                    const image = new Image();
                    image.src = url;
                    await image.decode();
                    const canvas = new OffscreenCanvas(image.width, image.height);
                    const context = canvas.getContext("2d")!;
                    context.drawImage(image, 0, 0);
                    const data = context.getImageData(0, 0, image.width, image.height).data;
                    let clear = 0;
                    let drawn = 0;
                    for (let i = 0; i < data.length; i += 4) {
                        const fromClear = Math.abs(data[i] - 51) + Math.abs(data[i + 1] - 51) + Math.abs(data[i + 2] - 77);
                        if (fromClear <= 12) {
                            clear++;
                        } else if (fromClear > 60 && data[i] + data[i + 1] + data[i + 2] < 720) {
                            drawn++;
                        }
                    }
                    const pixels = data.length / 4;
                    return [clear / pixels, drawn / pixels];
                }, screenshot);
                last = { screenshot, background, head };
                if (background > 0.2 && head >= fraction) {
                    break;
                }
                await new Promise((wake) => setTimeout(wake, 500));
            }
            return last;
        },
    });
}

async function openServedPage(outDir: string, pagePath: string, extraArgs: string[], initScript?: () => void): Promise<BrowserSession> {
    const { server, baseUrl } = await serve(outDir);
    const profile = mkdtempSync(join(tmpdir(), "gem-chromium-"));
    let context: BrowserContext;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath: chromiumPath,
            headless: true,
            args: [
                "--headless=new",
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader",
                ...extraArgs,
            ],
        });
    } catch (error) {
        server.close();
        throw error;
    }
    // Nothing may be fetched from outside this machine (no CDN, no hub): such requests are refused here and fail the
    // session when it closes, so a test that passes proves the page works offline. Loopback servers (the page's own,
    // a room server the test started) are allowed.
    const externalRequests: string[] = [];
    await context.route(
        (url) => !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname),
        (route) => {
            externalRequests.push(route.request().url());
            return route.abort("blockedbyclient");
        }
    );
    // Serialised from its source: a stand-in for the name helper some TypeScript runners (tsx) wrap functions in.
    if (initScript) await context.addInitScript({ content: `var __name = (target) => target;\n(${initScript.toString()})();` });
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleLines: string[] = [];
    page.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`));
    // Resolves after the load event, by which time the deferred page scripts have run.
    await page.goto(`${baseUrl}/${pagePath}`, { waitUntil: "load" });
    return {
        page,
        baseUrl,
        console: consoleLines,
        async close() {
            await context.close();
            server.close();
            rmSync(profile, { recursive: true, force: true });
            if (externalRequests.length > 0) {
                throw new Error(`the page requested files from outside this machine: ${[...new Set(externalRequests)].join(", ")}`);
            }
        },
    };
}

/**
 * Saves a data-URL PNG under the screenshot folder.
 * @param name file name without extension
 * @param dataUrl `data:image/png;base64,...`
 * @returns the written path
 */
export function saveScreenshot(name: string, dataUrl: string): string {
    mkdirSync(screenshotDir, { recursive: true });
    const path = join(screenshotDir, `${name}.png`);
    writeFileSync(path, Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ""), "base64"));
    return path;
}
