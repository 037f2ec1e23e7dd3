/**
 * MediaPipe's 478-point face mesh (with irises) in headless Chromium, for the project's tools and tests: the tfjs port
 * of MediaPipe's BlazeFace, face-mesh and iris models that `@vladmandic/human` ships inside its npm package (code MIT,
 * models Apache-2.0), on tfjs's WASM backend (the same runtime as the plugin's FaceTracker; 70–100 ms a picture where
 * SwiftShader's WebGL takes 1–7 s), served from node_modules on loopback. Nothing is fetched from elsewhere.
 *
 * Why this runtime: `@mediapipe/face_mesh` 0.4.1657299874 (the legacy solution, same models as tflite) aborts in
 * Chromium 156 with "RET_CHECK failure … TensorsToDetectionsCalculator … options_.has_num_classes()" on CPU and GPU
 * inference alike, and `@mediapipe/tasks-vision` refuses those tflite files ("requires specifying NormalizationOptions
 * metadata"); the landmark model inside `@vladmandic/human` is the same MediaPipe face mesh, and it runs.
 */
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const human = join(root, "node_modules/@vladmandic/human");
const tfjsWasm = join(root, "node_modules/@tensorflow/tfjs-backend-wasm/dist");

const page = `<!doctype html><html><body><script type="module">
import { Human } from "/human/dist/human.esm.js";
const human = new Human({ modelBasePath: "/human/models/", wasmPath: "/tfjs/", backend: "wasm", warmup: "none", debug: false, cacheSensitivity: 0,
  face: { enabled: true, detector: { rotation: true, maxDetected: 2, minConfidence: 0.2, return: false }, mesh: { enabled: true }, iris: { enabled: true },
    attention: { enabled: false }, emotion: { enabled: false }, description: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false } },
  body: { enabled: false }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false }, segmentation: { enabled: false }, filter: { enabled: false } });
window.detect = async (src) => {
  await human.load();
  const img = new Image(); img.src = src; await img.decode();
  const t = performance.now();
  const r = await human.detect(img);
  return { ms: performance.now() - t, faces: r.face.map((f) => ({ score: f.score, mesh: f.mesh.flat() })) };
};
window.ready = true;
</script></body></html>`;

/** A face found in an image. */
export interface DetectedFace {
    score: number;
    /** 478 × 3: x, y in pixels (origin top left), z relative depth in about pixel units (smaller is nearer). */
    mesh: number[];
}

/** The detector and what it runs on. */
export interface FaceLandmarkDetector {
    /**
     * Finds faces in an image.
     * @param dataUrl the image as a data URL
     * @returns faces and the detection time in the page
     */
    detect(dataUrl: string): Promise<{ ms: number; faces: DetectedFace[] }>;
    close(): Promise<void>;
}

/**
 * Starts headless Chromium with the detector page.
 * @returns the detector
 */
export async function openFaceLandmarkDetector(): Promise<FaceLandmarkDetector> {
    if (!existsSync(join(human, "dist/human.esm.js"))) {
        throw new Error("@vladmandic/human is not installed (npm ci)");
    }
    const server: Server = createServer((request, response) => {
        const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
        if (path === "/" || path === "/index.html") {
            response.writeHead(200, { "content-type": "text/html" });
            response.end(page);
            return;
        }
        const file = path.startsWith("/human/") ? join(human, path.slice("/human/".length)) : path.startsWith("/tfjs/") ? join(tfjsWasm, path.slice("/tfjs/".length)) : "";
        if (!(file.startsWith(human) || file.startsWith(tfjsWasm)) || !existsSync(file)) {
            response.writeHead(404);
            response.end();
            return;
        }
        response.writeHead(200, {
            "content-type": file.endsWith(".js")
                ? "text/javascript"
                : file.endsWith(".json")
                  ? "application/json"
                  : file.endsWith(".wasm")
                    ? "application/wasm"
                    : "application/octet-stream",
        });
        response.end(readFileSync(file));
    }).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    const browser: Browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
        args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
    const tab: Page = await browser.newPage();
    // Loopback only.
    await tab.route("**/*", (route) => (new URL(route.request().url()).hostname === "127.0.0.1" || route.request().url().startsWith("data:") ? route.continue() : route.abort()));
    await tab.goto(`http://127.0.0.1:${port}/index.html`);
    await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    return {
        detect: (dataUrl) => tab.evaluate((src) => (window as unknown as { detect(s: string): Promise<{ ms: number; faces: DetectedFace[] }> }).detect(src), dataUrl),
        async close() {
            await browser.close();
            server.close();
        },
    };
}
