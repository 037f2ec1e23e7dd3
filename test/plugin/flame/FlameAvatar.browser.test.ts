import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { flameForward, type FlameParameters } from "../../../core/flame/flameForward.js";
import { createRandom } from "../../../tools/synthetic/syntheticModels.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../../tools/browser/browserSession.js";

const npz = createTestFlameNpz();
const { model } = parseFlameNpz(npz, "test-flame.npz");
/** The FLAME avatar's GPU paths on both engines: WebGL2, and WebGPU on SwiftShader's Vulkan (WGSL twins of the shaders). */
for (const kind of ["webgl2", "webgpu"] as const) {
    describe(`FlameAvatar on the GPU (Chromium, ${kind === "webgpu" ? "WebGPU on SwiftShader Vulkan" : "SwiftShader WebGL2"})`, () => {
        let session: BrowserSession;
        const call = <T>(name: string, ...args: unknown[]) =>
            session.page.evaluate(([n, a]) => (window as any).gemTest[n as string](...(a as unknown[])), [name, args] as const) as Promise<T>;
        // Screenshots of a WebGPU canvas come back black: read the frame through the engine there.
        const screenshot = () => call<string>(kind === "webgpu" ? "engineScreenshot" : "screenshot");
        const prefix = kind === "webgpu" ? "webgpu-" : "";

        beforeAll(async () => {
            const flags = kind === "webgpu" ? ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader"] : [];
            session = await openBrowserSession(["gem-test"], { "assets/test-flame.npz": npz }, flags);
            const renderer = await call<string>("init", 320, 320, kind);
            if (kind === "webgpu") expect(renderer).toMatch(/pass on the GPU/);
        }, 300_000);
        afterAll(async () => {
            await session?.close();
        });

        it("GPU morph targets + skinning agree with the CPU forward pass on random parameters", async () => {
            const random = createRandom(8);
            const r = (s: number) => (random() * 2 - 1) * s;
            for (let trial = 0; trial < 4; trial++) {
                const p: FlameParameters = {
                    shape: Array.from({ length: model.shapeCount }, () => r(2)),
                    expression: Array.from({ length: model.expressionCount }, () => r(2)),
                    globalPose: [r(0.3), r(0.5), r(0.2)],
                    neckPose: [r(0.3), r(0.3), r(0.2)],
                    jawPose: [Math.abs(r(0.4)), 0, 0],
                    eyePose: Array.from({ length: 6 }, () => r(0.3)),
                    translation: [r(0.05), r(0.05), r(0.05)],
                    eyelids: [Math.abs(r(1)), Math.abs(r(1))],
                };
                const gpu = await call<number[]>("flameGpuVertices", "assets/test-flame.npz", p);
                const cpu = flameForward(model, p).vertices;
                expect(gpu.length).toBe(cpu.length);
                let worst = 0;
                let scale = 0;
                for (let i = 0; i < cpu.length; i++) {
                    const e = Math.abs(gpu[i] - cpu[i]);
                    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
                    scale = Math.max(scale, Math.abs(cpu[i]));
                }
                console.log(`${kind} FLAME trial ${trial}: max |GPU − CPU| ${worst.toExponential(2)} m, relative ${(worst / scale).toExponential(2)}`);
                expect(worst / scale).toBeLessThan(1e-5);
                saveScreenshot(`${prefix}flame-trial${trial}`, await screenshot());
            }
        });

        describe("FLAME-rigged Gaussians", () => {
            it("places Gaussians on the deformed mesh as the CPU reference does", async () => {
                const { writeGaussianAvatarsPly } = await import("../../../tools/writers/gaussianPlyWriter.js");
                const { posedRiggedGaussians } = await import("../../../core/flame/riggedGaussians.js");
                const { toSplatTextures } = await import("../../../core/gemReconstruction.js");
                const { compareSplatTextures } = await import("../../support/splatComparison.js");
                const random = createRandom(21);
                const faceCount = model.data.faces.length / 3;
                const count = 2000;
                const rig = {
                    count,
                    binding: Uint32Array.from({ length: count }, () => Math.floor(random() * faceCount)),
                    localPositions: Float32Array.from({ length: 3 * count }, () => (random() - 0.5) * 0.6),
                    localLogScales: Float32Array.from({ length: 3 * count }, () => Math.log(0.2 + random() * 0.5)),
                    localRotations: Float32Array.from({ length: 4 * count }, () => random() - 0.5),
                    opacityLogits: Float32Array.from({ length: count }, () => (random() - 0.5) * 6),
                    colorDc: Float32Array.from({ length: 3 * count }, () => (random() - 0.5) * 3),
                };
                const ply = writeGaussianAvatarsPly(rig);
                await session.page.route("**/assets/rig.ply", (route) => route.fulfill({ body: Buffer.from(ply), contentType: "application/octet-stream" }));
                const r = (s: number) => (random() * 2 - 1) * s;
                for (let trial = 0; trial < 3; trial++) {
                    // Every parameter is set: the avatar keeps values from the previous test otherwise.
                    const p: FlameParameters = {
                        shape: Array.from({ length: model.shapeCount }, () => r(1)),
                        translation: [r(0.02), r(0.02), r(0.02)],
                        eyelids: [Math.abs(r(1)), Math.abs(r(1))],
                        expression: Array.from({ length: model.expressionCount }, () => r(1.5)),
                        globalPose: [r(0.3), r(0.5), 0],
                        neckPose: [r(0.2), r(0.2), 0],
                        jawPose: [Math.abs(r(0.3)), 0, 0],
                        eyePose: Array.from({ length: 6 }, () => r(0.2)),
                    };
                    const gpu = await call<Record<"centers" | "covariancesA" | "covariancesB" | "colors", number[]>>(
                        "riggedSplatTextures",
                        "assets/test-flame.npz",
                        "assets/rig.ply",
                        p
                    );
                    const cpu = toSplatTextures(posedRiggedGaussians(rig, flameForward(model, p).vertices, model.data.faces));
                    const errors = compareSplatTextures(gpu, cpu);
                    console.log(`${kind} rigged Gaussians trial ${trial}: ${JSON.stringify(errors)}`);
                    expect(errors.centers).toBeLessThan(1e-4);
                    expect(errors.covariances).toBeLessThan(3e-3);
                    expect(errors.colors).toBeLessThan(1 / 255 + 1e-4);
                    saveScreenshot(`${prefix}rigged-gaussians-trial${trial}`, await screenshot());
                }
            });
        });
    });
}
