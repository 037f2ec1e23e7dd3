/**
 * Page driven by the real-browser tests: loads avatars through the scene loader, sets coefficients,
 * reads back the GPU-written splat textures and rendered pixels.
 */
import type { GemHeadPose } from "../../../core/headPose.js";
import type { Engine } from "@babylonjs/core/Engines/engine.js";
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { createMeasurementEngine } from "../../../tools/browser/measurementEngine.js";
import "@babylonjs/core/Engines/Extensions/engine.readTexture.js";
import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera.js";
import { AppendSceneAsync, ImportMeshAsync, LoadAssetContainerAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { NodeMaterialModes } from "@babylonjs/core/Materials/Node/Enums/nodeMaterialModes.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import "../../../register.js";
import "@babylonjs/core/Materials/standardMaterial.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { HemisphericLight } from "@babylonjs/core/Lights/hemisphericLight.js";
import { FlameAvatar } from "../../../plugin/flame/FlameAvatar.js";
import type { FlameParameters } from "../../../core/flame/flameForward.js";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { MeshVertexCapture } from "../../../materials/MeshVertexCapture.js";
import { RiggedGaussianAvatar } from "../../../plugin/flame/RiggedGaussianAvatar.js";
import { parseGaussianAvatarsPly } from "../../../loaders/flame/gaussianAvatarsPly.js";
import { GemAvatar } from "../../../plugin/GemAvatar.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { ExpressionClip } from "../../../plugin/animation/ExpressionClip.js";
import { arkitChannelNames } from "../../../core/animation/channelNames.js";
import { SceneSerializer } from "@babylonjs/core/Misc/sceneSerializer.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { GaussianSplattingMeshBase } from "@babylonjs/core/Meshes/GaussianSplatting/gaussianSplattingMeshBase.js";
import "@babylonjs/core/Loading/Plugins/babylonFileLoader.js";
import "@babylonjs/core/Loading/loadingScreen.js";
import { GemCrowd } from "../../../plugin/GemCrowd.js";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { CreateGemEigenNodeMaterial } from "../../../materials/gemEigenNodeMaterial.js";
import { GemReconstructionPass } from "../../../materials/GemReconstructionPass.js";
import { GemModel, type GemAttributeGroup } from "../../../core/GemModel.js";
import { waitAnimationFrames } from "../../../tools/browser/animationFrames.js";

let engine: Engine;
let scene: Scene;
let camera: FreeCamera;
let avatar: GemAvatar | null = null;

/** Renders until the avatar has reconstructed its latest coefficients and its sort has settled. */
async function settle(target: GemAvatar): Promise<void> {
    for (let i = 0; i < 600; i++) {
        await waitAnimationFrames(1);
        if (target.isUpToDate && target.mesh.isReady(true) && (scene.activeCamera === null || target.mesh.material?.isReady(target.mesh) !== false)) {
            // A few more frames for the sort round trip to land in the index buffer.
            await waitAnimationFrames(4);
            return;
        }
    }
    throw new Error("avatar did not settle");
}

function toArray(view: ArrayBufferView, count: number): number[] {
    const values = view instanceof Float32Array ? view : view instanceof Uint8Array ? Float32Array.from(view, (b) => b / 255) : new Float32Array(0);
    return Array.from(values.subarray(0, count * 4));
}

let flame: FlameAvatar | null = null;

let rigged: RiggedGaussianAvatar | null = null;

let crowd: GemCrowd | null = null;

const api = {
    /**
     * Puts avatars of the given .gem files into one crowd with coefficients and placements, renders until all are
     * reconstructed and sorted, and reads back each avatar's band of the shared splat textures.
     */
    async crowdSplatTextures(avatars: { url: string; coefficients: number[]; position: number[]; rotationY: number; scaling: number; headPose?: GemHeadPose }[]) {
        avatar?.mesh.setEnabled(false);
        crowd?.dispose();
        crowd = new GemCrowd(scene, { name: "crowd", width: 256 });
        const models = new Map<string, GemModel>();
        for (const a of avatars) {
            if (!models.has(a.url)) {
                models.set(a.url, parseGemFile(new Uint8Array(await (await fetch(a.url)).arrayBuffer()), a.url));
            }
        }
        const members = avatars.map((a) => {
            const member = crowd!.addAvatar(models.get(a.url)!, { coefficients: a.coefficients });
            member.mesh.position.set(a.position[0], a.position[1], a.position[2]);
            member.mesh.rotation.y = a.rotationY;
            member.mesh.scaling.scaleInPlace(a.scaling);
            if (a.headPose) {
                member.setHeadPose(a.headPose);
            }
            return member;
        });
        for (let i = 0; i < 600 && !(members.every((m) => m.isUpToDate && !m.needsUpdate) && crowd.mesh.isReady(true)); i++) {
            await waitAnimationFrames(1);
        }
        await waitAnimationFrames(4);
        const [centers, covA, covB, colors] = await Promise.all(crowd.mesh.getScene() && (crowd as any)._output.textures.map((t: any) => t.readPixels()!));
        const slice = (view: ArrayBufferView, offset: number, count: number) => toArray(view, offset + count).slice(4 * offset);
        return {
            capacity: crowd.capacity,
            bands: members.map((m) => {
                const g = m.model.gaussianCount;
                const o = m.splatOffset;
                return {
                    offset: o,
                    matrix: Array.from(m.mesh.getWorldMatrix().m),
                    centers: slice(centers, o, g),
                    covariancesA: slice(covA, o, g),
                    covariancesB: slice(covB, o, g),
                    colors: slice(colors, o, g),
                };
            }),
        };
    },

    /**
     * The crowd's current draw order as depths along the camera's forward axis: a global sort gives a monotonic
     * sequence across avatars. Counts order inversions and how often the order switches between avatars.
     */
    async crowdSortOrder() {
        const mesh = crowd!.mesh as any;
        for (let i = 0; i < 600 && !mesh._isDepthSortSettled; i++) {
            await waitAnimationFrames(1);
        }
        await waitAnimationFrames(4);
        const order: ArrayLike<number> = mesh._splatIndex;
        const positions: Float32Array = mesh._sortPositions;
        const forward = camera.getDirection(new Vector3(0, 0, 1));
        const bands = crowd!.avatars.map((a) => [a.splatOffset, a.splatOffset + a.model.gaussianCount]);
        const owner = (i: number) => bands.findIndex(([lo, hi]) => i >= lo && i < hi);
        let previous = Infinity;
        let inversions = 0;
        let worst = 0;
        let switches = 0;
        let last = -1;
        let min = Infinity;
        let max = -Infinity;
        let drawn = 0;
        for (let k = 0; k < mesh._vertexCount && k < order.length; k++) {
            const i = order[k];
            const who = owner(i);
            if (who < 0) {
                continue;
            }
            drawn++;
            const depth = positions[4 * i] * forward.x + positions[4 * i + 1] * forward.y + positions[4 * i + 2] * forward.z;
            min = Math.min(min, depth);
            max = Math.max(max, depth);
            if (depth > previous) {
                inversions++;
                worst = Math.max(worst, depth - previous);
            }
            previous = depth;
            if (who !== last && last >= 0) {
                switches++;
            }
            last = who;
        }
        return { drawn, inversions, worst, range: max - min, switches };
    },

    /** Adds and removes crowd avatars n times and counts what the scene and engine hold afterwards. */
    async crowdChurn(url: string, n: number) {
        avatar?.mesh.setEnabled(false);
        crowd?.dispose();
        crowd = null;
        const model = parseGemFile(new Uint8Array(await (await fetch(url)).arrayBuffer()), url);
        const count = () => ({
            textures: scene.textures.length,
            materials: scene.materials.length,
            meshes: scene.meshes.length,
            observers: scene.onBeforeRenderObservable.observers.length,
            internalTextures: engine.getLoadedTexturesCache().length,
        });
        await waitAnimationFrames(2);
        const before = count();
        const churned = new GemCrowd(scene, { name: "churn", width: 128 });
        const live: ReturnType<GemCrowd["addAvatar"]>[] = [];
        for (let i = 0; i < n; i++) {
            live.push(churned.addAvatar(model, { coefficients: Array.from({ length: model.totalComponents }, () => Math.random() - 0.5) }));
            if (live.length > 3) {
                live.splice(Math.floor(Math.random() * live.length), 1)[0].dispose();
            }
            await waitAnimationFrames(1);
        }
        const peakCapacity = churned.capacity;
        churned.dispose();
        await waitAnimationFrames(3);
        return { before, after: count(), peakCapacity, gaussians: model.gaussianCount };
    },

    /** Binds the PLY's Gaussians to the FLAME avatar, poses it, and reads the splat textures the GPU wrote. */
    async riggedSplatTextures(modelUrl: string, plyUrl: string, parameters: FlameParameters) {
        await api.flameGpuVertices(modelUrl, {});
        if (!rigged) {
            const ply = new Uint8Array(await (await fetch(plyUrl)).arrayBuffer());
            rigged = new RiggedGaussianAvatar(parseGaussianAvatarsPly(ply, plyUrl, flame!.model.data.faces.length / 3), flame!, scene);
        }
        flame!.setParameters(parameters);
        for (let i = 0; i < 600; i++) {
            await waitAnimationFrames(1);
            if (rigged.isUpToDate && flame!.update() === false && rigged.mesh.isReady(true)) {
                break;
            }
        }
        await waitAnimationFrames(4);
        const g = rigged.rig.count;
        const [centers, covA, covB, colors] = await Promise.all(rigged.output!.textures.map((t) => t.readPixels()!));
        return { centers: toArray(centers, g), covariancesA: toArray(covA, g), covariancesB: toArray(covB, g), colors: toArray(colors, g) };
    },

    /** Loads the FLAME npz, poses it on the GPU and returns the GPU-computed vertices. */
    async flameGpuVertices(url: string, parameters: FlameParameters): Promise<number[]> {
        if (!flame) {
            const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
            flame = new FlameAvatar(parseFlameNpz(bytes, url).model, scene, { name: "flame" });
            const material = new StandardMaterial("flameMaterial", scene);
            material.diffuseColor = new Color3(0.85, 0.65, 0.55);
            material.backFaceCulling = false;
            flame.mesh.material = material;
        }
        avatar?.mesh.setEnabled(false);
        flame.setParameters(parameters);
        flame.update();
        const capture = new MeshVertexCapture(scene, flame.mesh, 64);
        while (!capture.isReady()) {
            await waitAnimationFrames(1);
        }
        scene.render();
        capture.render();
        const positions = Array.from(await capture.readPositionsAsync());
        capture.dispose();
        return positions;
    },

    /** Creates the engine (WebGL2, or WebGPU with the limits the splat target needs) and the scene. */
    async init(width = 256, height = 256, kind: "webgl2" | "webgpu" = "webgl2"): Promise<string> {
        const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
        canvas.style.width = `${width}px`;
        canvas.style.height = `${height}px`;
        canvas.width = width;
        canvas.height = height;
        engine = await createMeasurementEngine(canvas, kind);
        scene = new Scene(engine);
        scene.clearColor = new Color4(0, 0, 0, 1);
        camera = new FreeCamera("camera", new Vector3(0, 0, -0.6), scene);
        camera.setTarget(Vector3.Zero());
        camera.minZ = 0.01;
        new HemisphericLight("light", new Vector3(0, 1, -1), scene);
        engine.runRenderLoop(() => scene.render());
        if (kind === "webgpu") {
            return `WebGPU | ${(engine as unknown as AbstractEngine).description} | pass ${GemReconstructionPass.UnsupportedReason(engine) ?? "on the GPU"}`;
        }
        return `${(engine as any)._gl.getParameter((engine as any)._gl.VERSION)} | ${engine.getGlInfo().renderer}`;
    },

    /**
     * Saves the scene with SceneSerializer (the loaded avatar under a moved parent node, posed, with an animator), removes
     * the avatar, loads the `.babylon` text back with AppendSceneAsync and waits for the scene to be ready.
     * @returns the states before and after, the file's size, and the pictures before and after
     */
    async sceneRoundTrip(): Promise<{
        before: unknown;
        after: unknown;
        bytes: number;
        hasSplatData: boolean;
        pictures: [string, string];
        parentOfRestored: string | null;
        clipGroupsAfter: number[];
    }> {
        const original = avatar!;
        const parent = new TransformNode("stage", scene);
        parent.position.set(0.02, -0.01, 0.05);
        parent.rotation.y = 0.3;
        original.mesh.parent = parent;
        const animator = AvatarAnimator.Attach(original);
        const layer = animator.addLayer({ name: "face", channels: arkitChannelNames(false), weight: 0.8, mask: ["arkit/jaw*", "arkit/mouth*"] });
        layer.setChannels({ "arkit/jawOpen": 0.6, "arkit/mouthSmileLeft": 0.5 });
        // A clip on the layer, paused halfway: scene files do not keep clips (they drive layers, not scene nodes).
        const clip = new ExpressionClip("blink");
        clip.setKey("arkit/jawOpen", 0, 0.6);
        clip.setKey("arkit/jawOpen", 30, 0.2);
        const group = layer.playClip(clip, scene);
        group.goToFrame(15);
        group.pause();
        original.setHeadPose({ globalPose: [0.05, 0.25, 0], neckPose: [0.1, 0, 0] });
        await waitAnimationFrames(3);
        await settle(original);
        const state = (a: GemAvatar) => ({
            name: a.mesh.name,
            source: a.source,
            coefficients: Array.from(a.coefficients),
            headPose: { globalPose: Array.from(a.headPose.globalPose), neckPose: Array.from(a.headPose.neckPose) },
            scaling: a.mesh.scaling.asArray(),
            layers:
                (a.mesh.getBehaviorByName("AvatarAnimator") as AvatarAnimator | null)?.layers.map((l) => ({
                    name: l.name,
                    weight: l.weight,
                    mask: l.mask,
                    values: Array.from(l.values),
                })) ?? null,
        });
        const before = state(original);
        const pictureBefore = await api.engineScreenshot();
        const json = JSON.stringify(SceneSerializer.Serialize(scene));
        const saved = JSON.parse(json);
        const hasSplatData = saved.meshes.some((m: Record<string, unknown>) => "splatsData" in m);
        // Disposing the avatar disposes its animator and the clip groups of its layers.
        original.dispose();
        parent.dispose();
        avatar = null;
        await AppendSceneAsync(`data:${json}`, scene, { pluginExtension: ".babylon" });
        await scene.whenReadyAsync();
        const restored = GemAvatar.FromMesh(scene.getMeshByName(before.name));
        if (!restored) {
            throw new Error("the scene file did not bring the avatar back");
        }
        avatar = restored;
        await settle(restored);
        await waitAnimationFrames(3);
        await settle(restored);
        return {
            before,
            after: state(restored),
            bytes: json.length,
            hasSplatData,
            pictures: [pictureBefore, await api.engineScreenshot()],
            parentOfRestored: restored.mesh.parent?.name ?? null,
            clipGroupsAfter: scene.animationGroups.filter((g) => g.name === "blink").map((g) => g.targetedAnimations.length),
        };
    },

    /** Loads a .gem file through ImportMeshAsync. */
    async load(url: string): Promise<{ gaussians: number; components: number; textureSize: { width: number; height: number } }> {
        avatar?.dispose();
        const result = await ImportMeshAsync(url, scene);
        avatar = GemAvatar.FromMesh(result.meshes[0]);
        if (!avatar) {
            throw new Error("loader returned no GEM avatar");
        }
        await settle(avatar);
        return { gaussians: avatar.model.gaussianCount, components: avatar.model.totalComponents, textureSize: avatar.reconstructionPass!.splatTextureSize };
    },

    /** Sets coefficients and waits for the GPU reconstruction. */
    async setCoefficients(values: number[]): Promise<number> {
        avatar!.setCoefficients(values);
        await settle(avatar!);
        return avatar!.reconstructionCount;
    },

    /** Reads the four splat data textures back (first G texels). */
    async readSplatTextures(): Promise<{ centers: number[]; covariancesA: number[]; covariancesB: number[]; colors: number[] }> {
        const g = avatar!.model.gaussianCount;
        const [centers, covA, covB, colors] = await Promise.all(avatar!.reconstructionPass!.textures.map((t) => t.readPixels()!));
        return { centers: toArray(centers, g), covariancesA: toArray(covA, g), covariancesB: toArray(covB, g), colors: toArray(colors, g) };
    },

    /** PNG of the canvas. */
    async screenshot(): Promise<string> {
        await waitAnimationFrames(2);
        return (engine.getRenderingCanvas() as HTMLCanvasElement).toDataURL("image/png");
    },

    /** The first values of one group's linear-pass target (diagnostics). */
    async readLinearTarget(group: number, count: number): Promise<number[]> {
        const pass = (avatar!.reconstructionPass as unknown as { _linear: ({ target: { readPixels(): Promise<ArrayBufferView> } } | null)[] })._linear[group];
        if (!pass) return [];
        const data = (await pass.target.readPixels()) as Float32Array;
        return Array.from(data.subarray(0, count));
    },

    /** PNG of what the engine drew, read back through the engine (screenshots of a WebGPU canvas come back black). */
    async engineScreenshot(): Promise<string> {
        await waitAnimationFrames(2);
        const width = engine.getRenderWidth();
        const height = engine.getRenderHeight();
        // Read in the frame just drawn: a WebGPU canvas's texture is gone once the frame is presented.
        scene.render();
        const pixels = new Uint8Array((await engine.readPixels(0, 0, width, height)).buffer);
        const canvas = document.createElement("canvas");
        canvas.width = width;
        canvas.height = height;
        const context = canvas.getContext("2d")!;
        const image = context.createImageData(width, height);
        // WebGL2 reads rows bottom-up, WebGPU top-down.
        for (let y = 0; y < height; y++) {
            const source = engine.isWebGPU ? y : height - 1 - y;
            image.data.set(pixels.subarray(source * width * 4, (source + 1) * width * 4), y * width * 4);
        }
        context.putImageData(image, 0, 0);
        return canvas.toDataURL("image/png");
    },

    /** Points the camera from a world position at a world target. */
    async setCamera(position: number[], target: number[]): Promise<void> {
        camera.position.set(position[0], position[1], position[2]);
        camera.setTarget(new Vector3(target[0], target[1], target[2]));
        await waitAnimationFrames(2);
        if (avatar) {
            await settle(avatar);
        }
    },

    /**
     * Points of the loaded avatar's model frame (x, y, z triples) in the world and on the screen.
     * @returns world triples and pixel pairs (x right, y down)
     */
    async projectModelPoints(points: number[]): Promise<{ world: number[]; screen: number[] }> {
        const world: number[] = [];
        const screen: number[] = [];
        const matrix = avatar!.mesh.computeWorldMatrix(true);
        const viewport = camera.viewport.toGlobal(engine.getRenderWidth(), engine.getRenderHeight());
        for (let i = 0; i < points.length; i += 3) {
            const w = Vector3.TransformCoordinates(new Vector3(points[i], points[i + 1], points[i + 2]), matrix);
            world.push(w.x, w.y, w.z);
            const p = Vector3.Project(w, Matrix.IdentityReadOnly, scene.getTransformMatrix(), viewport);
            screen.push(p.x, p.y);
        }
        return { world, screen };
    },

    /** What the engine drew: RGBA bytes, top row first. */
    async readImage(): Promise<{ width: number; height: number; pixels: number[] }> {
        await waitAnimationFrames(2);
        const width = engine.getRenderWidth();
        const height = engine.getRenderHeight();
        scene.render();
        const raw = new Uint8Array((await engine.readPixels(0, 0, width, height)).buffer);
        const pixels = new Array<number>(raw.length);
        for (let y = 0; y < height; y++) {
            const source = engine.isWebGPU ? y : height - 1 - y;
            for (let i = 0; i < width * 4; i++) {
                pixels[y * width * 4 + i] = raw[source * width * 4 + i];
            }
        }
        return { width, height, pixels };
    },

    /** RGBA of the canvas at (x, y) from the top-left. */
    async pixel(x: number, y: number): Promise<number[]> {
        await waitAnimationFrames(2);
        if (engine.isWebGPU) {
            // Read in the frame just drawn (rows top-down on WebGPU).
            scene.render();
            return Array.from(new Uint8Array((await engine.readPixels(x, y, 1, 1)).buffer).subarray(0, 4));
        }
        const gl = (engine as any)._gl as WebGL2RenderingContext;
        const out = new Uint8Array(4);
        gl.readPixels(x, engine.getRenderHeight() - 1 - y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
        return Array.from(out);
    },

    /** How many avatars re-ran the passes over n frames without any change (must be 0). */
    async idlePassCount(n: number): Promise<number> {
        const before = avatar!.reconstructionCount;
        await waitAnimationFrames(n);
        return avatar!.reconstructionCount - before;
    },

    /**
     * Two opaque splats on the camera axis: blue in front, red behind. Component 0 moves blue 0.1 m behind red.
     * Returns the centre pixel at rest, after the move, and after forcing the sort back to rest-pose centres.
     */
    async sortOrderCase(gpuSort = false): Promise<{ rest: number[]; moved: number[]; restPoseSort: number[]; gpuMode: boolean }> {
        avatar?.dispose();
        // Babylon's GPU sorter is opt-in (WebGPU only); avatars follow its switch.
        GaussianSplattingMeshBase.UseGpuSort = gpuSort;
        const group = (
            semantic: GemAttributeGroup["semantic"],
            channels: number,
            mean: number[],
            basis: number[] | null,
            activation: GemAttributeGroup["activation"] = "none"
        ): GemAttributeGroup => ({
            name: semantic,
            semantic,
            channels,
            components: basis ? 1 : 0,
            activation,
            mean: new Float32Array(mean),
            basis: basis ? { dtype: "float32", data: new Float32Array(basis) } : null,
            eigenvalues: new Float32Array(basis ? [1] : []),
        });
        const model = new GemModel({
            gaussianCount: 2,
            coefficientUnits: "raw",
            groups: [
                // Camera at z = -0.6 looking down +z: red at z = 0, blue at z = -0.05 (in front); c = 1 moves blue to z = +0.05.
                group("position", 3, [0, 0, 0, 0, 0, -0.05], [0, 0, 0, 0, 0, 0.1]),
                group("opacity", 1, [1, 1], null),
                // Tilted, anisotropic splats: Babylon's 2D eigen-decomposition has no axis for a splat whose screen
                // covariance is exactly diagonal (x = y = 0, axis-aligned), and draws nothing.
                group("scale", 3, [0.05, 0.04, 0.045, 0.04, 0.03, 0.035], null),
                group("rotation", 4, [0.9, 0.2, 0.3, 0.1, 0.9, -0.1, 0.2, 0.3], null, "normalize"),
                group("color", 3, [1, 0, 0, 0, 0, 1], null),
            ],
        });
        const local = new GemAvatar(model, scene, { name: "sortCase" });
        avatar = local;
        await settle(local);
        const centre = [engine.getRenderWidth() >> 1, engine.getRenderHeight() >> 1];
        const rest = await api.pixel(centre[0], centre[1]);
        local.setCoefficients([1]);
        await settle(local);
        const moved = await api.pixel(centre[0], centre[1]);
        // Control: what a renderer that sorts on rest-pose centres shows for the same reconstruction.
        local.mesh.updateSortPositions(model.groups[0].mean);
        await waitAnimationFrames(10);
        const restPoseSort = await api.pixel(centre[0], centre[1]);
        const gpuMode = !!(local.mesh as unknown as { _gpuMode: boolean })._gpuMode;
        GaussianSplattingMeshBase.UseGpuSort = false;
        return { rest, moved, restPoseSort, gpuMode };
    },

    /** Applies a node material built around GemEigenBlock to the avatar (per-vertex reconstruction). */
    async useEigenBlockMaterial(): Promise<void> {
        // In the engine's own shader language (WGSL on WebGPU).
        const { material } = CreateGemEigenNodeMaterial("gemEigen", scene);
        if (material.mode !== NodeMaterialModes.GaussianSplatting) {
            throw new Error("node material is not in Gaussian-splatting mode");
        }
        avatar!.mesh.material = material;
        // The serialised graph must name the block so the editor can rebuild it.
        const json = JSON.stringify(material.serialize());
        if (!json.includes("BABYLON.GemEigenBlock")) {
            throw new Error("GemEigenBlock missing from the serialised material");
        }
        await waitAnimationFrames(30);
        for (let i = 0; i < 300 && !material.isReady(avatar!.mesh); i++) {
            await waitAnimationFrames(1);
        }
        await waitAnimationFrames(10);
    },

    /** Creates and disposes avatars of the loaded model n times (half through mesh.dispose); returns what is left. */
    async churn(n: number): Promise<{ textures: number; materials: number; meshes: number; observers: number; renders: number }> {
        const model = avatar!.model;
        const count = () => ({
            textures: engine.getLoadedTexturesCache().length,
            materials: scene.materials.length,
            meshes: scene.meshes.length,
            observers: scene.onBeforeRenderObservable.observers.length,
        });
        await waitAnimationFrames(2);
        const before = count();
        let renders = 0;
        for (let i = 0; i < n; i++) {
            const extra = new GemAvatar(model, scene, { name: `churn${i}`, coefficients: Array.from({ length: model.totalComponents }, () => Math.random()) });
            await waitAnimationFrames(1);
            renders += extra.reconstructionCount;
            if (i % 2) {
                extra.mesh.dispose();
            } else {
                extra.dispose();
            }
        }
        await waitAnimationFrames(3);
        const after = count();
        return {
            textures: after.textures - before.textures,
            materials: after.materials - before.materials,
            meshes: after.meshes - before.meshes,
            observers: after.observers - before.observers,
            renders,
        };
    },

    /** Loads into an asset container, adds it, then disposes it; returns leftovers. */
    async containerRoundTrip(url: string): Promise<{ meshesInScene: number; texturesBefore: number; texturesAfter: number; beforeRenderObservers: number; meshesAfter: number }> {
        avatar?.dispose();
        avatar = null;
        await waitAnimationFrames(2);
        const texturesBefore = engine.getLoadedTexturesCache().length;
        const observersBefore = scene.onBeforeRenderObservable.observers.length;
        const meshesBefore = scene.meshes.length;
        const container = await LoadAssetContainerAsync(url, scene);
        const meshesBeforeAdd = scene.meshes.length;
        container.addAllToScene();
        const meshesInScene = scene.meshes.length - meshesBeforeAdd;
        const loaded = GemAvatar.FromMesh(container.meshes[0])!;
        await settle(loaded);
        container.dispose();
        await waitAnimationFrames(3);
        return {
            meshesInScene,
            texturesBefore,
            texturesAfter: engine.getLoadedTexturesCache().length,
            beforeRenderObservers: scene.onBeforeRenderObservable.observers.length - observersBefore,
            meshesAfter: scene.meshes.length - meshesBefore,
        };
    },
};

(window as unknown as { gemTest: typeof api }).gemTest = api;
