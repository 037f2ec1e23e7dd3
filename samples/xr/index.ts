/**
 * WebXR: three default heads seated around a table in a small room, with Babylon's default XR experience (an
 * "enter VR" button where a headset exists). Splats are sorted per eye: in immersive mode Babylon renders each eye with
 * its own rig camera, and each camera gets its own draw order from the sort worker.
 *
 * Parameters: `?mode=performance` (default: the headset model, K ≤ 8 per group, float16 bases) or `?mode=full`;
 * `?budget=N` adds a splat budget per head (drops the least visible Gaussians: holes appear in opaque avatars such as
 * the default head: at 10,000 of 16,459 splats the face shows holes); `?animate=0` freezes the heads; `?server=<room server>&room=` seats the participants of a
 * telepresence room instead (watch-only); `?emulate=quest3` installs an emulated Meta Quest 3 (IWER) so the immersive
 * path runs on a desktop.
 */
import "@babylonjs/core/Helpers/sceneHelpers.js";
import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera.js";
import { Engine } from "@babylonjs/core/Engines/engine.js";
import { HemisphericLight } from "@babylonjs/core/Lights/hemisphericLight.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { Color3, Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateBox } from "@babylonjs/core/Meshes/Builders/boxBuilder.js";
import { CreateCylinder } from "@babylonjs/core/Meshes/Builders/cylinderBuilder.js";
import { CreateGround } from "@babylonjs/core/Meshes/Builders/groundBuilder.js";
import { Scene } from "@babylonjs/core/scene.js";
import { WebXRDefaultExperience } from "@babylonjs/core/XR/webXRDefaultExperience.js";
import { HeadFamily, loadHeadModel, loadTalkingClip } from "../defaultHeadAssets.js";
import { reconstruction, AvatarAnimator, arkitChannelNames, clipWindow, GemAvatar, type GemModel } from "babylon-gem-avatars";
import { RoomClient, RoomPresence, createStreamDescriptor } from "babylon-gem-avatars/room";

const params = new URLSearchParams(location.search);
const mode = params.get("mode") === "full" ? "full" : "performance";
const animate = params.get("animate") !== "0";
/** Headset settings: what the benchmark's performance row measures (docs/PERFORMANCE.md). */
const headsetModelOptions = { maxComponents: 8, halfPrecision: true, splatBudget: params.has("budget") ? Number(params.get("budget")) : undefined };

const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const engine = new Engine(canvas, true, { preserveDrawingBuffer: true, xrCompatible: true });
const scene = new Scene(engine);
scene.clearColor = new Color4(0.12, 0.12, 0.14, 1);
// WebXR's −z (where a headset looks at the start) is +z in Babylon's default left-handed scene: the table is there.
const camera = new FreeCamera("desktopCamera", new Vector3(0, 1.45, -0.25), scene);
camera.setTarget(new Vector3(0, 1.2, 0.8));
camera.minZ = 0.01;
camera.attachControl(canvas, true);
new HemisphericLight("light", new Vector3(0.2, 1, 0.3), scene);

/** The room: floor, walls and a round table. */
function buildRoom(): { floor: ReturnType<typeof CreateGround> } {
    const floor = CreateGround("floor", { width: 6, height: 6 }, scene);
    const floorMaterial = new StandardMaterial("floorMaterial", scene);
    floorMaterial.diffuseColor = new Color3(0.32, 0.28, 0.24);
    floor.material = floorMaterial;
    const wallMaterial = new StandardMaterial("wallMaterial", scene);
    wallMaterial.diffuseColor = new Color3(0.55, 0.56, 0.6);
    for (const [x, z, width, depth] of [
        [0, -3, 6, 0.1],
        [0, 3, 6, 0.1],
        [-3, 0, 0.1, 6],
        [3, 0, 0.1, 6],
    ]) {
        const wall = CreateBox("wall", { width, depth, height: 2.6 }, scene);
        wall.position.set(x, 1.3, z);
        wall.material = wallMaterial;
    }
    const table = CreateCylinder("table", { diameter: 1.1, height: 0.05 }, scene);
    table.position.set(0, 0.74, 0.9);
    const tableMaterial = new StandardMaterial("tableMaterial", scene);
    tableMaterial.diffuseColor = new Color3(0.45, 0.3, 0.18);
    table.material = tableMaterial;
    return { floor };
}

/** Seat i of n on the far side of the table, heads at seated eye height. */
function seat(i: number, n: number): Vector3 {
    const angle = ((i - (n - 1) / 2) * Math.PI) / 5;
    return new Vector3(Math.sin(angle) * 0.7, 1.22, 0.9 + Math.cos(angle) * 0.55);
}

function placeAvatar(model: GemModel, name: string, position: Vector3): GemAvatar {
    const avatar = new GemAvatar(model, scene, { name, convertToSceneHandedness: true });
    avatar.mesh.position.copyFrom(position);
    avatar.mesh.rotation.y = Math.atan2(position.x, position.z); // turns the face (−z) towards the viewer at the origin
    return avatar;
}

const xrPage: Record<string, unknown> = { scene, engine, mode, ready: false, error: null };
(window as unknown as { xrPage: unknown }).xrPage = xrPage;

async function start(): Promise<void> {
    if (params.get("emulate") === "quest3") {
        // An emulated headset (IWER), for trying the immersive path without one; installed before Babylon probes WebXR.
        const { XRDevice, metaQuest3 } = await import("iwer");
        const device = new XRDevice(metaQuest3, { stereoEnabled: true });
        device.installRuntime({ forceInstall: true });
        xrPage.device = device;
    }
    const { floor } = buildRoom();
    // Three different people from the realistic head family, each cut to the headset's budget in performance mode.
    const family = await Promise.all(HeadFamily.map((name) => loadHeadModel(name)));
    const models = family.map((full) => (mode === "performance" ? reconstruction.createPerformanceModel(full, headsetModelOptions) : full));
    const model = models[0];
    xrPage.summary = (model.metadata.performanceMode as reconstruction.PerformanceModelSummary | undefined) ?? null;
    const server = params.get("server");
    if (server) {
        const room = params.get("room") ?? "demo";
        const name = `xr-${Math.floor(Math.random() * 1e6)}`;
        const { token } = (await (await fetch(`${server}/room/token?room=${encodeURIComponent(room)}&participant=${name}`)).json()) as { token: string };
        // Watch-only: the headset publishes a neutral face.
        const client = await RoomClient.ConnectAsync({ url: server, token, descriptor: createStreamDescriptor("default-head", ["flame/jawPose/0"]) });
        let seats = 0;
        xrPage.presence = new RoomPresence(scene, client, {
            disposeClient: true,
            createAvatar: (participant) => (participant.descriptor.modelId === "default-head" ? placeAvatar(model, participant.participant, seat(seats++, 3)) : null),
        });
    } else {
        const { clip, frameCount } = await loadTalkingClip();
        const avatars = [0, 1, 2].map((i) => placeAvatar(models[i], `guest${i}`, seat(i, 3)));
        avatars.forEach((avatar, i) => {
            const animator = AvatarAnimator.Attach(avatar);
            const layer = animator.addLayer({ name: "clip", channels: arkitChannelNames(false) });
            if (animate) layer.playClip(clipWindow(clip, frameCount, i * 270, 240), scene, true, 0.9 + 0.1 * i);
        });
        xrPage.avatars = avatars;
    }
    // Babylon's enter/exit button refuses plain http other than `localhost` (WebXR needs a secure context): without it
    // the page still renders, and says where to open it.
    const insecure = location.protocol === "http:" && location.hostname !== "localhost";
    if (insecure) console.warn(`WebXR needs https or http://localhost: open http://localhost:${location.port}${location.pathname}${location.search}`);
    // Controllers' meshes and profiles would come from a CDN: the sample loads none, and matches controllers with
    // Babylon's built-in profiles only (disableOnlineControllerRepository: no request for the online profiles list).
    const xr = await WebXRDefaultExperience.CreateAsync(scene, {
        disableDefaultUI: insecure,
        floorMeshes: [floor],
        disableTeleportation: true,
        disablePointerSelection: true,
        disableNearInteraction: true,
        disableHandTracking: true,
        inputOptions: { doNotLoadControllerMeshes: true, disableControllerAnimation: true, disableOnlineControllerRepository: true },
    });
    xrPage.xr = xr;
    const xrSystem = (navigator as Navigator & { xr?: { isSessionSupported(mode: string): Promise<boolean> } }).xr;
    xrPage.supported = xrSystem ? await xrSystem.isSessionSupported("immersive-vr").catch(() => false) : false;
    xrPage.enterAsync = () => xr.baseExperience.enterXRAsync("immersive-vr", "local-floor");
    xrPage.ready = true;
}

engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
start().catch((error: unknown) => {
    xrPage.error = String(error);
    console.error(error);
});
