import { Matrix, Quaternion, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { transformSplatTextures, type GemSplatTextures } from "../../core/gemReconstruction.js";
import { headPoseMatrix, type GemHeadPose } from "../../core/headPose.js";
import { createRandom, randomCoefficients } from "../../tools/synthetic/syntheticModels.js";
import { compareSplatTextures as compare, cpuSplatTextures, randomTestModel } from "../support/splatComparison.js";
import { openBrowserSession, repoRoot, saveScreenshot, screenshotDir, type BrowserSession } from "../../tools/browser/browserSession.js";

type Api = {
    init(w?: number, h?: number): Promise<string>;
    load(url: string): Promise<{ gaussians: number; components: number }>;
    setCoefficients(values: number[]): Promise<number>;
    readSplatTextures(): Promise<Record<keyof GemSplatTextures, number[]>>;
    screenshot(): Promise<string>;
    idlePassCount(n: number): Promise<number>;
    sortOrderCase(gpuSort?: boolean): Promise<{ rest: number[]; moved: number[]; restPoseSort: number[]; gpuMode: boolean }>;
    useEigenBlockMaterial(): Promise<void>;
    churn(n: number): Promise<{ textures: number; materials: number; meshes: number; observers: number; renders: number }>;
    containerRoundTrip(url: string): Promise<{ meshesInScene: number; texturesBefore: number; texturesAfter: number; beforeRenderObservers: number; meshesAfter: number }>;
    crowdSplatTextures(
        avatars: { url: string; coefficients: number[]; position: number[]; rotationY: number; scaling: number; headPose?: GemHeadPose }[]
    ): Promise<{ capacity: number; bands: (Record<keyof GemSplatTextures, number[]> & { offset: number; matrix: number[] })[] }>;
    crowdSortOrder(): Promise<{ drawn: number; inversions: number; worst: number; range: number; switches: number }>;
    crowdChurn(url: string, n: number): Promise<{ before: Record<string, number>; after: Record<string, number>; peakCapacity: number; gaussians: number }>;
};

const defaultAvatarPath = resolve(repoRoot, "samples/assets/cartoon-head.gem");

let session: BrowserSession;
const call = <K extends keyof Api>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> =>
    session.page.evaluate(([n, a]) => (window as any).gemTest[n as string](...(a as unknown[])), [name, args] as const) as any;

describe("GEM avatars in a real browser (Chromium, SwiftShader WebGL2)", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["gem-test"], {
            "assets/random.gem": serializeGemFile(randomTestModel, { basisDtype: "uint8", meanDtype: "float32" }),
            "assets/random-f32.gem": serializeGemFile(randomTestModel),
        });
        const renderer = await call("init", 320, 320);
        console.log(`renderer: ${renderer}; screenshots in ${screenshotDir}`);
    }, 300_000);

    afterAll(async () => {
        if (session) {
            const errors = session.console.filter((line) => line.startsWith("error") || line.startsWith("pageerror"));
            await session.close();
            expect(errors, errors.join("\n")).toEqual([]);
        }
    });

    it("loads the default avatar through ImportMeshAsync and matches the CPU reference for random coefficients", async () => {
        const model = parseGemFile(readFileSync(defaultAvatarPath), "cartoon-head.gem");
        const info = await call("load", "assets/cartoon-head.gem");
        expect(info).toMatchObject({ gaussians: model.gaussianCount, components: model.totalComponents });
        const random = createRandom(2024);
        const cases = [new Float32Array(model.totalComponents), ...Array.from({ length: 3 }, () => randomCoefficients(model.totalComponents, random, 1.5))];
        for (const [index, coefficients] of cases.entries()) {
            await call("setCoefficients", Array.from(coefficients));
            const errors = compare(await call("readSplatTextures"), cpuSplatTextures(model, coefficients));
            console.log(`default avatar case ${index}: worst relative error ${JSON.stringify(errors)}`);
            // Centres are float32 end to end (bases float16 in this file); covariances go through a float16 target.
            expect(errors.centers).toBeLessThan(1e-4);
            expect(errors.covariances).toBeLessThan(2e-3);
            expect(errors.colors).toBeLessThan(1 / 255 + 1e-4);
            saveScreenshot(`default-avatar-case${index}`, await call("screenshot"));
        }
    });

    it("does not re-run the passes while the coefficients stay the same", async () => {
        expect(await call("idlePassCount", 20)).toBe(0);
    });

    for (const file of ["random.gem", "random-f32.gem"]) {
        it(`matches the CPU reference for ${file} (exp and sigmoid activations, colour basis)`, async () => {
            const model = parseGemFile(serializeGemFile(randomTestModel, { basisDtype: file === "random.gem" ? "uint8" : "float32" }));
            await call("load", `assets/${file}`);
            const random = createRandom(99);
            for (let trial = 0; trial < 3; trial++) {
                const coefficients = randomCoefficients(model.totalComponents, random, 2.5);
                await call("setCoefficients", Array.from(coefficients));
                const errors = compare(await call("readSplatTextures"), cpuSplatTextures(model, coefficients));
                console.log(`${file} trial ${trial}: ${JSON.stringify(errors)}`);
                expect(errors.centers).toBeLessThan(1e-4);
                expect(errors.covariances).toBeLessThan(2e-3);
                expect(errors.colors).toBeLessThan(1 / 255 + 1e-4);
            }
            saveScreenshot(`random-${file}`, await call("screenshot"));
        });
    }

    it("sorts on deformed centres: a splat moved behind another is drawn behind it", async () => {
        const result = await call("sortOrderCase");
        saveScreenshot("sort-order-moved", await call("screenshot"));
        console.log(`sort order pixels: ${JSON.stringify(result)}`);
        const isBlue = (p: number[]) => p[2] > 200 && p[0] < 60;
        const isRed = (p: number[]) => p[0] > 200 && p[2] < 60;
        expect(isBlue(result.rest)).toBe(true);
        expect(isRed(result.moved)).toBe(true);
        // The control: sorting the same deformed splats by their rest centres draws them in the wrong order.
        expect(isBlue(result.restPoseSort)).toBe(true);
    });

    it("renders the same image through a node material with GemEigenBlock", async () => {
        const model = parseGemFile(readFileSync(defaultAvatarPath), "cartoon-head.gem");
        await call("load", "assets/cartoon-head.gem");
        const coefficients = new Float32Array(model.totalComponents);
        coefficients[0] = 1.2;
        coefficients[1] = 1;
        await call("setCoefficients", Array.from(coefficients));
        const reference = await call("screenshot");
        await call("useEigenBlockMaterial");
        const viaBlock = await call("screenshot");
        saveScreenshot("eigen-block-reference", reference);
        saveScreenshot("eigen-block-node-material", viaBlock);
        const diff = await session.page.evaluate(
            async ([a, b]) => {
                const load = (src: string) =>
                    new Promise<HTMLImageElement>((r) => {
                        const img = new Image();
                        img.onload = () => r(img);
                        img.src = src;
                    });
                const [ia, ib] = await Promise.all([load(a), load(b)]);
                const canvas = document.createElement("canvas");
                canvas.width = ia.width;
                canvas.height = ia.height;
                const ctx = canvas.getContext("2d")!;
                ctx.drawImage(ia, 0, 0);
                const da = ctx.getImageData(0, 0, ia.width, ia.height).data;
                ctx.drawImage(ib, 0, 0);
                const db = ctx.getImageData(0, 0, ib.width, ib.height).data;
                let sum = 0;
                let lit = 0;
                for (let i = 0; i < da.length; i += 4) {
                    sum += Math.abs(da[i] - db[i]) + Math.abs(da[i + 1] - db[i + 1]) + Math.abs(da[i + 2] - db[i + 2]);
                    if (da[i] + da[i + 1] + da[i + 2] > 30) {
                        lit++;
                    }
                }
                return { meanAbs: sum / (da.length / 4) / 3, lit };
            },
            [reference, viaBlock]
        );
        console.log(`GemEigenBlock vs pass: mean |Δ| ${diff.meanAbs.toFixed(3)} / 255 over the image, ${diff.lit} lit pixels`);
        expect(diff.lit).toBeGreaterThan(2000);
        expect(diff.meanAbs).toBeLessThan(1.5);
    });

    it("adding and removing avatars 100 times leaves no texture, material, mesh or observer behind", async () => {
        await call("load", "assets/random.gem");
        const left = await call("churn", 100);
        console.log(`churn: ${JSON.stringify(left)}`);
        expect(left).toMatchObject({ textures: 0, materials: 0, meshes: 0, observers: 0 });
        expect(left.renders).toBeGreaterThan(0);
    });

    it("LoadAssetContainerAsync keeps the avatar out of the scene until added, and dispose releases everything", async () => {
        const result = await call("containerRoundTrip", "assets/cartoon-head.gem");
        expect(result.meshesInScene).toBe(1);
        expect(result.meshesAfter).toBe(0);
        expect(result.beforeRenderObservers).toBe(0);
        expect(result.texturesAfter).toBe(result.texturesBefore);
    });

    it("crowd: avatars of two models with their own coefficients, placements and a FLAME head pose match the CPU reference with the transform baked in", async () => {
        const head = parseGemFile(readFileSync(defaultAvatarPath), "cartoon-head.gem");
        const random = createRandom(99);
        const placements = [
            { url: "assets/cartoon-head.gem", model: head, position: [0, 0, 0], rotationY: 0, scaling: 1 },
            {
                url: "assets/random.gem",
                model: parseGemFile(serializeGemFile(randomTestModel, { basisDtype: "uint8", meanDtype: "float32" })),
                position: [0.05, 0.01, 0.02],
                rotationY: 0.7,
                scaling: 0.5,
            },
            {
                url: "assets/cartoon-head.gem",
                model: head,
                position: [-0.06, 0, 0.03],
                rotationY: -0.4,
                scaling: 1.2,
                headPose: { globalPose: [0.1, 0.3, 0], neckPose: [0.2, 0, 0.1], translation: [0, 0.01, 0] },
            },
        ].map((p) => ({ ...p, coefficients: randomCoefficients(p.model.totalComponents, random, 1.2) }));
        const result = await call(
            "crowdSplatTextures",
            placements.map(({ url, coefficients, position, rotationY, scaling, headPose }) => ({
                url,
                coefficients: Array.from(coefficients),
                position,
                rotationY,
                scaling,
                headPose,
            }))
        );
        expect(result.capacity).toBeGreaterThanOrEqual(2 * head.gaussianCount + randomTestModel.gaussianCount);
        result.bands.forEach((band, i) => {
            // The expected world matrix, built here: FLAME head pose (column-vector, transposed) then the placement.
            const p = placements[i];
            const pose = headPoseMatrix(p.headPose ?? {}, p.model.headJoints);
            const headPose = Matrix.FromValues(pose[0], pose[4], pose[8], 0, pose[1], pose[5], pose[9], 0, pose[2], pose[6], pose[10], 0, pose[3], pose[7], pose[11], 1);
            // GemCrowd mirrors its members in z into Babylon's left-handed scene.
            const placement = Matrix.Compose(new Vector3(p.scaling, p.scaling, -p.scaling), Quaternion.RotationAxis(Vector3.Up(), p.rotationY), Vector3.FromArray(p.position));
            const expected = headPose.multiply(placement);
            expect(Math.max(...expected.m.map((v, k) => Math.abs(v - band.matrix[k])))).toBeLessThan(1e-5);
            const reference = transformSplatTextures(cpuSplatTextures(p.model, p.coefficients), Array.from(expected.m));
            const errors = compare(band, reference);
            console.log(`crowd avatar ${i}: worst relative error ${JSON.stringify(errors)}`);
            expect(errors.centers).toBeLessThan(1e-4);
            expect(errors.covariances).toBeLessThan(3e-3);
            expect(errors.colors).toBeLessThan(1 / 255 + 1e-4);
        });
        // One sort over all avatars: depths along the view never go back up, and the order interleaves avatars.
        const order = await call("crowdSortOrder");
        console.log(`crowd sort: ${JSON.stringify(order)}`);
        expect(order.drawn).toBe(2 * head.gaussianCount + randomTestModel.gaussianCount);
        expect(order.worst).toBeLessThan(order.range * 1e-3);
        expect(order.switches).toBeGreaterThan(100);
        saveScreenshot("crowd-three-avatars", await call("screenshot"));
    });

    it("crowd: adding and removing avatars 100 times leaves no texture, material, mesh or observer behind", async () => {
        const result = await call("crowdChurn", "assets/random.gem", 100);
        console.log(`crowd churn: ${JSON.stringify(result)}`);
        expect(result.after).toEqual(result.before);
        // Freed bands are reused: at most 4 avatars are alive at once.
        expect(result.peakCapacity).toBeLessThanOrEqual(2 * 4 * Math.ceil(result.gaussians / 128) * 128 + 16 * 128);
    });
});
