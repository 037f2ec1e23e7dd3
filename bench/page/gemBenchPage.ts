/**
 * Browser benchmark page: GPU eigen-reconstruction against (a) a read-only pass over the same basis bytes (the
 * texture-bandwidth floor on this device) and (b) Babylon's static GaussianSplattingMesh drawing the same splats.
 */
import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera.js";
import { Constants } from "@babylonjs/core/Engines/constants.js";
import type { Engine } from "@babylonjs/core/Engines/engine.js";
import { createMeasurementEngine } from "../../tools/browser/measurementEngine.js";
import { EffectRenderer, EffectWrapper } from "@babylonjs/core/Materials/effectRenderer.js";
import { ShaderLanguage } from "@babylonjs/core/Materials/shaderLanguage.js";
import "@babylonjs/core/Engines/Extensions/engine.readTexture.js";
import { RenderTargetTexture } from "@babylonjs/core/Materials/Textures/renderTargetTexture.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { GaussianSplattingMesh } from "@babylonjs/core/Meshes/GaussianSplatting/gaussianSplattingMesh.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import { Scene } from "@babylonjs/core/scene.js";
import { ShaderStore } from "@babylonjs/core/Engines/shaderStore.js";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { GemCrowd } from "../../plugin/GemCrowd.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { concatenateGaussians, reconstructGaussians, reconstructGroupLinear, type GemGaussians } from "../../core/gemReconstruction.js";
import { packSplatRows } from "../../core/splatRows.js";
import { createRandom, createRandomModel, randomCoefficients } from "../../tools/synthetic/syntheticModels.js";
import { gemFullscreenVertexShaderName } from "../../materials/shaders/glsl/gemFullscreen.vertex.js";
import "../../materials/shaders/wgsl/gemFullscreen.vertex.js";
import { median } from "../statistics.js";
import { waitAnimationFrames } from "../../tools/browser/animationFrames.js";
import { writeGaussianPly } from "../../tools/writers/gaussianPlyWriter.js";

ShaderStore.ShadersStore.gemBenchReadPixelShader = `precision highp float;
precision highp int;
uniform sampler2D gemBasis;
uniform int gemComponents;
uniform int gemRowsPerComponent;
void main(void) {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec4 acc = vec4(0.0);
    for (int k = 0; k < 4096; k++) {
        if (k >= gemComponents) { break; }
        acc += texelFetch(gemBasis, ivec2(p.x, p.y + k * gemRowsPerComponent), 0);
    }
    gl_FragColor = acc;
}
`;

ShaderStore.ShadersStoreWGSL.gemBenchReadPixelShader = `var gemBasis: texture_2d<f32>;
uniform gemComponents: i32;
uniform gemRowsPerComponent: i32;
@fragment
fn main(input: FragmentInputs) -> FragmentOutputs {
    let p = vec2i(fragmentInputs.position.xy);
    var acc = vec4f(0.0);
    for (var k = 0; k < 4096; k++) {
        if (k >= uniforms.gemComponents) {
            break;
        }
        acc += textureLoad(gemBasis, vec2i(p.x, p.y + k * uniforms.gemRowsPerComponent), 0);
    }
    fragmentOutputs.color = acc;
}
`;

let engine: Engine;
let scene: Scene;

/** Waits until the GPU has done everything submitted so far (WebGL2: a one-pixel read; WebGPU: the queue drained). */
async function finish(): Promise<void> {
    if (engine.isWebGPU) {
        const webgpu = engine as unknown as { flushFramebuffer(): void; _device: GPUDevice };
        webgpu.flushFramebuffer();
        await webgpu._device.queue.onSubmittedWorkDone();
        return;
    }
    const gl = (engine as unknown as { _gl: WebGL2RenderingContext })._gl;
    const pixel = new Uint8Array(4);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
}

/** Babylon's static splat mesh of reconstructed Gaussians (the baseline), once it is ready to draw. */
async function createStaticSplatMesh(data: GemGaussians): Promise<GaussianSplattingMesh> {
    const mesh = new GaussianSplattingMesh("static", null, scene);
    mesh.updateData(packSplatRows(data), undefined, { flipY: false });
    while (!mesh.isReady(true)) {
        scene.render();
        await waitAnimationFrames(1);
    }
    return mesh;
}

/** One configuration timed by {@link medianFrameTimes}: the meshes it draws and what changes before each frame. */
interface FrameVariant {
    meshes: AbstractMesh[];
    onFrame: () => void;
}

/**
 * Median time per rendered frame of each variant, the variants interleaved frame by frame (only the measured
 * variant's meshes enabled) so that drift of a shared, noisy machine falls on all of them alike; three rounds of
 * warm-up, the GPU finished before and after each frame.
 * @param frameCount frames measured per variant
 * @param variants the configurations compared
 * @returns milliseconds per frame, one per variant
 */
async function medianFrameTimes(frameCount: number, variants: FrameVariant[]): Promise<number[]> {
    const samples = variants.map(() => [] as number[]);
    for (let round = 0; round < frameCount + 3; round++) {
        for (let v = 0; v < variants.length; v++) {
            variants.forEach((other, o) => other.meshes.forEach((m) => m.setEnabled(o === v)));
            variants[v].onFrame();
            await finish();
            const start = performance.now();
            scene.render();
            await finish();
            if (round >= 3) {
                samples[v].push(performance.now() - start);
            }
            await waitAnimationFrames(1);
        }
    }
    return samples.map(median);
}

/** Renders until a splat mesh can draw (data uploaded, first sort applied). */
async function untilDrawable(mesh: GaussianSplattingMesh): Promise<void> {
    while (!mesh.isReady(true)) {
        scene.render();
        await waitAnimationFrames(1);
    }
    scene.render();
    await finish();
}

const api = {
    async init(size = 256, kind: "webgl2" | "webgpu" = "webgl2"): Promise<string> {
        const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
        canvas.style.width = canvas.style.height = `${size}px`;
        canvas.width = canvas.height = size;
        engine = await createMeasurementEngine(canvas, kind);
        scene = new Scene(engine);
        scene.clearColor = new Color4(0, 0, 0, 1);
        const camera = new FreeCamera("camera", new Vector3(0, 0, -0.6), scene);
        camera.setTarget(Vector3.Zero());
        camera.minZ = 0.01;
        return kind === "webgpu" ? `${navigator.userAgent} | WebGPU` : `${navigator.userAgent} | ${engine.getGlInfo().renderer}`;
    },

    /** Times the reconstruction passes and a read-only pass over the same basis texels. */
    async reconstruction(gaussians: number, components: number, dtype: "float32" | "float16", repeats: number) {
        const source = createRandomModel({ gaussianCount: gaussians, seed: 1, components: { position: components, opacity: components, scale: components, rotation: components } });
        const model = dtype === "float32" ? source : parseGemFile(serializeGemFile(source, { basisDtype: dtype }));
        const avatar = new GemAvatar(model, scene, { name: "bench" });
        const pass = avatar.reconstructionPass!;
        while (!pass.isReady()) {
            await waitAnimationFrames(1);
        }
        const random = createRandom(3);
        const weights = () => {
            avatar.setCoefficients(randomCoefficients(model.totalComponents, random));
            return avatar.groupWeights;
        };
        // Read-only floor: one fetch of every basis texel, per group, into same-sized targets, drawn the way the pass
        // draws (an effect on Babylon's full-screen quad).
        const renderer = new EffectRenderer(engine);
        const floors = pass.basis.groups
            .filter((g) => g.basis)
            .map((g) => {
                const target = new RenderTargetTexture("floor", { width: g.layout.width, height: g.layout.rowsPerComponent }, scene, {
                    generateMipMaps: false,
                    type: Constants.TEXTURETYPE_FLOAT,
                    generateDepthBuffer: false,
                    samplingMode: Constants.TEXTURE_NEAREST_SAMPLINGMODE,
                });
                const wrapper = new EffectWrapper({
                    engine,
                    name: "floor",
                    useShaderStore: true,
                    shaderLanguage: engine.isWebGPU ? ShaderLanguage.WGSL : ShaderLanguage.GLSL,
                    vertexShader: gemFullscreenVertexShaderName,
                    fragmentShader: "gemBenchRead",
                    attributeNames: ["position"],
                    uniformNames: ["gemComponents", "gemRowsPerComponent"],
                    samplerNames: ["gemBasis"],
                });
                wrapper.onApplyObservable.add(() => {
                    wrapper.effect.setTexture("gemBasis", g.basis!);
                    wrapper.effect.setInt("gemComponents", components);
                    wrapper.effect.setInt("gemRowsPerComponent", g.layout.rowsPerComponent);
                });
                return { target, wrapper };
            });
        while (!floors.every((f) => f.wrapper.isReady())) {
            await waitAnimationFrames(1);
        }
        const ours: number[] = [];
        const floor: number[] = [];
        for (let i = 0; i < repeats + 2; i++) {
            const w = weights();
            await finish();
            let start = performance.now();
            pass.render(w);
            await finish();
            const a = performance.now() - start;
            start = performance.now();
            engine.setState(false);
            for (const f of floors) {
                renderer.render(f.wrapper, f.target);
            }
            await finish();
            const b = performance.now() - start;
            if (i >= 2) {
                ours.push(a);
                floor.push(b);
            }
        }
        const basisBytes = pass.basis.basisByteLength;
        floors.forEach((f) => {
            f.target.dispose();
            f.wrapper.dispose();
        });
        renderer.dispose();
        avatar.dispose();
        return { gaussians, components, dtype, basisBytes, passMs: median(ours), readOnlyMs: median(floor) };
    },

    /**
     * Depth sort with deformed positions: new coefficients → CPU position group → Babylon's sort worker → index buffer
     * applied, against Babylon's own sort of a static mesh of the same count (a forced re-sort of unchanged data).
     * Both are timed from the request to the settled sort.
     */
    async sortLatency(gaussians: number, components: number, repeats: number) {
        const model = createRandomModel({ gaussianCount: gaussians, seed: 8, components: { position: components, opacity: components, scale: components, rotation: components } });
        const random = createRandom(9);
        type Sortable = { _isDepthSortSettled: boolean; _postToWorker(force: boolean): void };
        // Polls through a MessageChannel: setTimeout(0) is clamped to 4 ms when nested, coarser than a sort.
        const channel = new MessageChannel();
        const yieldTask = () =>
            new Promise<void>((resolve) => {
                channel.port1.onmessage = () => resolve();
                channel.port2.postMessage(0);
            });
        const settled = async (mesh: Sortable) => {
            for (let i = 0; i < 1000000 && !mesh._isDepthSortSettled; i++) {
                await yieldTask();
            }
        };
        const avatar = new GemAvatar(model, scene, { name: "sorted" });
        while (!avatar.isUpToDate || !avatar.mesh.isReady(true)) {
            scene.render();
            await waitAnimationFrames(1);
        }
        const positions = model.getGroup("position");
        const ours: number[] = [];
        const cpu: number[] = [];
        for (let i = 0; i < repeats + 2; i++) {
            await settled(avatar.mesh as unknown as Sortable);
            const coefficients = randomCoefficients(model.totalComponents, random, 1);
            let start = performance.now();
            reconstructGroupLinear(model, positions, coefficients.subarray(0, positions.components));
            const cpuMs = performance.now() - start;
            start = performance.now();
            avatar.setCoefficients(coefficients);
            avatar.update();
            await settled(avatar.mesh as unknown as Sortable);
            if (i >= 2) {
                ours.push(performance.now() - start);
                cpu.push(cpuMs);
            }
        }
        const staticData = reconstructGaussians(model, new Float32Array(model.totalComponents));
        avatar.dispose();
        const staticMesh = await createStaticSplatMesh(staticData);
        const baseline: number[] = [];
        const sortable = staticMesh as unknown as Sortable;
        for (let i = 0; i < repeats + 2; i++) {
            await settled(sortable);
            const start = performance.now();
            sortable._postToWorker(true);
            await settled(sortable);
            if (i >= 2) {
                baseline.push(performance.now() - start);
            }
        }
        staticMesh.dispose();
        channel.port1.close();
        return { gaussians, components, oursMs: median(ours), cpuPositionsMs: median(cpu), babylonMs: median(baseline) };
    },

    /** Frame time of an avatar whose coefficients change every frame against a static splat mesh of the same splats. */
    async frameTime(gaussians: number, components: number, frameCount: number) {
        const model = createRandomModel({ gaussianCount: gaussians, seed: 5, components: { position: components, opacity: components, scale: components, rotation: components } });
        const random = createRandom(6);
        const avatar = new GemAvatar(model, scene, { name: "animated" });
        while (!avatar.isUpToDate || !avatar.mesh.isReady(true)) {
            scene.render();
            await waitAnimationFrames(1);
        }
        const staticMesh = await createStaticSplatMesh(reconstructGaussians(model, new Float32Array(model.totalComponents)));
        const [animatedMs, staticMs] = await medianFrameTimes(frameCount, [
            { meshes: [avatar.mesh], onFrame: () => avatar.setCoefficients(randomCoefficients(model.totalComponents, random, 1)) },
            { meshes: [staticMesh], onFrame: () => {} },
        ]);
        avatar.dispose();
        staticMesh.dispose();
        return { gaussians, components, animatedMs, staticMs };
    },

    /**
     * Row 4: N avatars of G Gaussians with new coefficients every frame, in one GemCrowd (one global sort) and as N
     * separate GemAvatars (each sorted on its own), against one static splat mesh of N × G splats.
     */
    async crowdFrameTime(count: number, gaussians: number, components: number, frameCount: number) {
        const model = createRandomModel({ gaussianCount: gaussians, seed: 8, components: { position: components, opacity: components, scale: components, rotation: components } });
        const random = createRandom(9);
        const offset = (i: number) => [((i % 4) - 1.5) * 0.12, (Math.floor(i / 4) - 1.5) * 0.12, 0];
        const crowd = new GemCrowd(scene, { name: "benchCrowd", capacity: count * gaussians });
        const members = Array.from({ length: count }, (_, i) => {
            const member = crowd.addAvatar(model, { name: `m${i}` });
            member.mesh.position.set(offset(i)[0], offset(i)[1], offset(i)[2]);
            return member;
        });
        while (!members.every((m) => m.isUpToDate) || !crowd.mesh.isReady(true)) {
            scene.render();
            await waitAnimationFrames(1);
        }
        const separate = Array.from({ length: count }, (_, i) => {
            const avatar = new GemAvatar(model, scene, { name: `s${i}` });
            avatar.mesh.position.set(offset(i)[0], offset(i)[1], offset(i)[2]);
            return avatar;
        });
        while (!separate.every((a) => a.isUpToDate && a.mesh.isReady(true))) {
            scene.render();
            await waitAnimationFrames(1);
        }
        const rest = reconstructGaussians(model, new Float32Array(model.totalComponents));
        const staticMesh = await createStaticSplatMesh(
            concatenateGaussians(
                new Array(count).fill(rest),
                Array.from({ length: count }, (_, i) => offset(i))
            )
        );
        const [crowdMs, separateMs, staticMs] = await medianFrameTimes(frameCount, [
            { meshes: [crowd.mesh], onFrame: () => members.forEach((m) => m.setCoefficients(randomCoefficients(model.totalComponents, random, 1))) },
            { meshes: separate.map((a) => a.mesh), onFrame: () => separate.forEach((a) => a.setCoefficients(randomCoefficients(model.totalComponents, random, 1))) },
            { meshes: [staticMesh], onFrame: () => {} },
        ]);
        crowd.dispose();
        separate.forEach((a) => a.dispose());
        staticMesh.dispose();
        return { count, gaussians, components, crowdMs, separateMs, staticMs };
    },

    /**
     * Load to first drawable frame in the browser: `.gem` parse + avatar creation + GPU upload + first reconstruction
     * and sort, against Babylon's own path for the same avatar's rest frame as a 3DGS PLY (convert, upload, sort).
     */
    async loadToFirstFrame(gaussians: number, components: number, repeats: number) {
        const model = createRandomModel({ gaussianCount: gaussians, seed: 3, components: { position: components, opacity: components, scale: components, rotation: components } });
        const ply = writeGaussianPly(reconstructGaussians(model, new Float32Array(model.totalComponents)));
        const rows: { format: string; bytes: number; ms: number }[] = [];
        for (const dtype of ["float32", "float16", "uint8"] as const) {
            const bytes = serializeGemFile(model, { basisDtype: dtype });
            const times: number[] = [];
            for (let r = 0; r < repeats + 1; r++) {
                await finish();
                const start = performance.now();
                const avatar = new GemAvatar(parseGemFile(bytes, `bench-${dtype}.gem`), scene);
                await untilDrawable(avatar.mesh);
                if (r > 0) times.push(performance.now() - start);
                avatar.dispose();
            }
            rows.push({ format: `.gem ${dtype}`, bytes: bytes.byteLength, ms: median(times) });
        }
        const times: number[] = [];
        for (let r = 0; r < repeats + 1; r++) {
            await finish();
            const start = performance.now();
            const splat = await GaussianSplattingMesh.ConvertPLYToSplatAsync(ply.buffer.slice(ply.byteOffset, ply.byteOffset + ply.byteLength) as ArrayBuffer);
            const mesh = new GaussianSplattingMesh("ply", null, scene);
            mesh.updateData(splat, undefined, { flipY: false });
            await untilDrawable(mesh);
            if (r > 0) times.push(performance.now() - start);
            mesh.dispose();
        }
        rows.push({ format: "PLY, 1 frame (Babylon)", bytes: ply.byteLength, ms: median(times) });
        return rows;
    },
};

(window as unknown as { gemBench: typeof api }).gemBench = api;
