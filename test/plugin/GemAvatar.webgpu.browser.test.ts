/**
 * The GEM reconstruction passes on Babylon's WebGPUEngine (WGSL twins of the GLSL shaders), in headless Chromium on
 * SwiftShader's Vulkan: the splat textures the passes write match the CPU reference, with the WebGL2 tolerances.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transformSplatTextures, type GemSplatTextures } from "../../core/gemReconstruction.js";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { openBrowserSession, repoRoot, saveScreenshot, screenshotDir, type BrowserSession } from "../../tools/browser/browserSession.js";
import { createRandom, randomCoefficients } from "../../tools/synthetic/syntheticModels.js";
import { compareSplatTextures as compare, cpuSplatTextures, randomTestModel } from "../support/splatComparison.js";

type Api = {
    init(w: number, h: number, kind: "webgl2" | "webgpu"): Promise<string>;
    load(url: string): Promise<{ gaussians: number; components: number }>;
    setCoefficients(values: number[]): Promise<number>;
    readSplatTextures(): Promise<Record<keyof GemSplatTextures, number[]>>;
    engineScreenshot(): Promise<string>;
    useEigenBlockMaterial(): Promise<void>;
    sortOrderCase(gpuSort?: boolean): Promise<{ rest: number[]; moved: number[]; restPoseSort: number[]; gpuMode: boolean }>;
    crowdSplatTextures(
        avatars: { url: string; coefficients: number[]; position: number[]; rotationY: number; scaling: number }[]
    ): Promise<{ capacity: number; bands: (Record<keyof GemSplatTextures, number[]> & { offset: number; matrix: number[] })[] }>;
};

let session: BrowserSession;
const call = <K extends keyof Api>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> =>
    session.page.evaluate(([n, a]) => (window as any).gemTest[n as string](...(a as unknown[])), [name, args] as const) as any;

describe("GEM avatars on WebGPU (Chromium, SwiftShader Vulkan)", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["gem-test"], { "assets/random.gem": serializeGemFile(randomTestModel, { basisDtype: "uint8", meanDtype: "float32" }) }, [
            "--enable-unsafe-webgpu",
            "--enable-features=Vulkan",
            "--use-vulkan=swiftshader",
        ]);
        const renderer = await call("init", 320, 320, "webgpu");
        console.log(`renderer: ${renderer}; screenshots in ${screenshotDir}`);
        expect(renderer).toMatch(/pass on the GPU/);
    }, 300_000);

    afterAll(async () => {
        if (session) {
            const errors = session.console.filter((line) => line.startsWith("error") || line.startsWith("pageerror"));
            await session.close();
            expect(errors, errors.join("\n")).toEqual([]);
        }
    });

    it("the default avatar's passes match the CPU reference for random coefficients", async () => {
        const model = parseGemFile(readFileSync(resolve(repoRoot, "samples/assets/cartoon-head.gem")), "cartoon-head.gem");
        await call("load", "assets/cartoon-head.gem");
        const random = createRandom(2024);
        const cases = [new Float32Array(model.totalComponents), ...Array.from({ length: 2 }, () => randomCoefficients(model.totalComponents, random, 1.5))];
        for (const [index, coefficients] of cases.entries()) {
            await call("setCoefficients", Array.from(coefficients));
            const errors = compare(await call("readSplatTextures"), cpuSplatTextures(model, coefficients));
            console.log(`WebGPU default avatar case ${index}: worst relative error ${JSON.stringify(errors)}`);
            expect(errors.centers).toBeLessThan(1e-4);
            expect(errors.covariances).toBeLessThan(2e-3);
            expect(errors.colors).toBeLessThan(1 / 255 + 1e-4);
        }
        saveScreenshot("webgpu-default-avatar", await call("engineScreenshot"));
    });

    it("matches the CPU reference for a uint8-basis model with exp and sigmoid activations", async () => {
        const model = parseGemFile(serializeGemFile(randomTestModel, { basisDtype: "uint8" }));
        await call("load", "assets/random.gem");
        const random = createRandom(99);
        for (let trial = 0; trial < 2; trial++) {
            const coefficients = randomCoefficients(model.totalComponents, random, 2.5);
            await call("setCoefficients", Array.from(coefficients));
            const errors = compare(await call("readSplatTextures"), cpuSplatTextures(model, coefficients));
            console.log(`WebGPU random.gem trial ${trial}: ${JSON.stringify(errors)}`);
            expect(errors.centers).toBeLessThan(1e-4);
            expect(errors.covariances).toBeLessThan(2e-3);
            expect(errors.colors).toBeLessThan(1 / 255 + 1e-4);
        }
        saveScreenshot("webgpu-random", await call("engineScreenshot"));
    });

    it("sorts on deformed centres: a splat moved behind another is drawn behind it", async () => {
        const result = await call("sortOrderCase");
        console.log(`WebGPU sort order pixels: ${JSON.stringify(result)}`);
        const isBlue = (p: number[]) => p[2] > 200 && p[0] < 60;
        const isRed = (p: number[]) => p[0] > 200 && p[2] < 60;
        expect(isBlue(result.rest)).toBe(true);
        expect(isRed(result.moved)).toBe(true);
        expect(isBlue(result.restPoseSort)).toBe(true);
        expect(result.gpuMode).toBe(false);
    });

    it("with Babylon's GPU sorter switched on, sorts on the reconstructed centres texture, without the worker", async () => {
        const result = await call("sortOrderCase", true);
        console.log(`WebGPU GPU-sort order pixels: ${JSON.stringify(result)}`);
        const isBlue = (p: number[]) => p[2] > 200 && p[0] < 60;
        const isRed = (p: number[]) => p[0] > 200 && p[2] < 60;
        expect(result.gpuMode).toBe(true);
        expect(isBlue(result.rest)).toBe(true);
        // The moved splat is drawn behind: the sorter read the centres the pass wrote. (The rest-pose control does not
        // apply here: the sorter takes its depth range from the CPU centres' bounds, which the control falsifies.)
        expect(isRed(result.moved)).toBe(true);
    });

    it("renders the same image through a WGSL node material with GemEigenBlock", async () => {
        const model = parseGemFile(readFileSync(resolve(repoRoot, "samples/assets/cartoon-head.gem")), "cartoon-head.gem");
        await call("load", "assets/cartoon-head.gem");
        const coefficients = new Float32Array(model.totalComponents);
        coefficients[0] = 1.2;
        coefficients[1] = 1;
        await call("setCoefficients", Array.from(coefficients));
        const reference = await call("engineScreenshot");
        await call("useEigenBlockMaterial");
        const viaBlock = await call("engineScreenshot");
        saveScreenshot("webgpu-eigen-block-reference", reference);
        saveScreenshot("webgpu-eigen-block-node-material", viaBlock);
        const diff = await session.page.evaluate(
            async ([a, b]) => {
                const load = (src: string) =>
                    new Promise<HTMLImageElement>((done) => {
                        const image = new Image();
                        image.onload = () => done(image);
                        image.src = src;
                    });
                const images = await Promise.all([load(a), load(b)]);
                const pixels = images.map((image) => {
                    const canvas = document.createElement("canvas");
                    canvas.width = image.width;
                    canvas.height = image.height;
                    const context = canvas.getContext("2d")!;
                    context.drawImage(image, 0, 0);
                    return context.getImageData(0, 0, image.width, image.height).data;
                });
                let sum = 0;
                let lit = 0;
                for (let i = 0; i < pixels[0].length; i += 4) {
                    for (let c = 0; c < 3; c++) sum += Math.abs(pixels[0][i + c] - pixels[1][i + c]);
                    if (pixels[0][i] + pixels[0][i + 1] + pixels[0][i + 2] > 30) lit++;
                }
                return { mean: sum / ((pixels[0].length / 4) * 3), lit };
            },
            [reference, viaBlock] as const
        );
        console.log(`WebGPU GemEigenBlock vs pass: mean |Δ| ${diff.mean.toFixed(3)} / 255 over the image, ${diff.lit} lit pixels`);
        expect(diff.lit).toBeGreaterThan(2000);
        expect(diff.mean).toBeLessThan(1.5);
    });
    it("a crowd's bands match the CPU reference with each avatar's placement baked in", async () => {
        const model = parseGemFile(serializeGemFile(randomTestModel, { basisDtype: "uint8" }));
        const random = createRandom(5);
        const avatars = [0, 1, 2].map((i) => ({
            url: "assets/random.gem",
            coefficients: Array.from(randomCoefficients(model.totalComponents, random, 2)),
            position: [0.3 * i - 0.3, 0.05 * i, 0.1 * i],
            rotationY: 0.4 * i,
            scaling: 1 + 0.2 * i,
        }));
        const result = await call("crowdSplatTextures", avatars);
        expect(result.bands).toHaveLength(3);
        for (const [i, band] of result.bands.entries()) {
            // The band's own world matrix (checked against the placement by the WebGL2 test), baked into the reference.
            const reference = transformSplatTextures(cpuSplatTextures(model, Float32Array.from(avatars[i].coefficients)), band.matrix);
            const errors = compare(band, reference);
            console.log(`WebGPU crowd band ${i} at ${band.offset}: ${JSON.stringify(errors)}`);
            expect(errors.centers).toBeLessThan(1e-4);
            expect(errors.covariances).toBeLessThan(3e-3);
            expect(errors.colors).toBeLessThan(1 / 255 + 1e-4);
        }
        saveScreenshot("webgpu-crowd", await call("engineScreenshot"));
    });
});
