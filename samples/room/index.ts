/**
 * Telepresence room: this tab joins a room as one of the realistic heads (picked from its name) driven by a window of
 * the bundled talking performance (ARKit weights), publishes its expression stream, and shows every other participant's
 * head driven by theirs. Open it in two tabs.
 *
 * Needs a room server: `npm run room:dev` (127.0.0.1:8787, development tokens). Parameters: `?server=` (room server URL),
 * `?room=` (default `demo`), `?name=` (participant id, default random), `?start=` (first frame of this tab's window of
 * the performance, default random), `?loss=0.1` (rehearse 10% loss and reordering on the receive path), `?delay=` (jitter
 * buffer playout delay in ms, default 100), `?source=camera` (drive this tab's head from the camera through the face
 * tracker and publish its ARKit weights and head rotations, with the tracker's panel bottom left), `?source=camera&encoder=`
 * (the ONNX encoder path of samples/live instead: GEM coefficients at 6 bits; the bundled test encoder was fitted to
 * the cartoon head, so that tab joins as the cartoon head), `?avatar=mine` (join as your own avatar: choose the `.gem`
 * samples/personalise saved; it is uploaded to the room server once, checked there, and every other participant
 * fetches it by its hash and draws it; a model the server refuses leaves you with a shipped head, and says why).
 */
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import "@babylonjs/core/Cameras/Inputs/arcRotateCameraPointersInput.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { startCamera } from "../cameraSource.js";
import { HeadFamily, loadCartoonHeadModel, loadHeadModel, loadTalkingClip } from "../defaultHeadAssets.js";
import { createStatusText } from "../statusText.js";
import { AvatarAnimator, AvatarIdleMotion, arkitChannelNames, clipWindow, GemAvatar, LiveDriverBlend, type GemModel } from "babylon-gem-avatars";
import { encoderOutputSpace, LiveFaceEncoder } from "babylon-gem-avatars/encoder";
import { createStreamDescriptor, NetworkImpairment, RoomClient, RoomModels, RoomPresence } from "babylon-gem-avatars/room";
import { createSampleEngine } from "../sampleEngine.js";
import type { FaceLandmarkBackend } from "babylon-gem-avatars/tracking";
import { startSampleFaceTracking } from "../faceTracking.js";

const params = new URLSearchParams(location.search);
const serverUrl = params.get("server") ?? "http://127.0.0.1:8787";
const roomName = params.get("room") ?? "demo";
const participantName = params.get("name") ?? `guest-${Math.floor(Math.random() * 1e6)}`;
const lossRate = Number(params.get("loss") ?? 0);
const playoutDelayMs = Number(params.get("delay") ?? 100);
const cameraSource = params.get("source") === "camera";
const encoderSource = cameraSource && params.has("encoder");
const ownAvatar = params.get("avatar") === "mine" && !encoderSource;
/** The shipped head this tab joins as: one of the family, picked from the participant name, or the encoder's cartoon head. */
const shippedModelId = encoderSource ? "cartoon-head" : HeadFamily[[...participantName].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % HeadFamily.length];

const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
const { engine, label: engineLabel } = await createSampleEngine(canvas);
const scene = new Scene(engine);
scene.clearColor = new Color4(0.1, 0.1, 0.12, 1);
const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.75, new Vector3(0.12, 0, 0), scene);
camera.minZ = 0.01;
camera.wheelDeltaPercentage = 0.01;
camera.attachControl(canvas, true);

const status = createStatusText(scene, { ui: "roomUI", height: "80px" });

// "Use my avatar": a `.gem` from samples/personalise. Chosen here, it is uploaded to this room's server only.
const avatarPanel = document.createElement("div");
avatarPanel.id = "avatarPanel";
avatarPanel.style.cssText = "position:absolute;right:8px;top:8px;padding:6px 8px;background:rgba(20,22,28,0.9);border:1px solid #556;color:#dde;font:12px sans-serif";
const avatarFile = document.createElement("input");
avatarFile.type = "file";
avatarFile.accept = ".gem";
avatarFile.id = "avatarFile";
if (ownAvatar) {
    avatarPanel.append("Join as your own avatar (the .gem samples/personalise saved). It is sent to this room's server and shown to the room's participants: ", avatarFile);
} else {
    const link = document.createElement("a");
    link.textContent = "Use my avatar";
    link.style.color = "#9cf";
    const next = new URLSearchParams(params);
    next.set("avatar", "mine");
    next.set("name", participantName);
    link.href = `?${next}`;
    avatarPanel.append(link);
}
document.body.append(avatarPanel);

/** The chosen `.gem`'s bytes (listened for from the start: the file may be chosen while the page still loads). */
const ownAvatarBytes = new Promise<Uint8Array>((resolve) => {
    avatarFile.addEventListener("change", () => {
        const file = avatarFile.files?.[0];
        if (file) void file.arrayBuffer().then((buffer) => resolve(new Uint8Array(buffer)));
    });
});

/** Seat of remote participant i: a row to the right of this participant's own head. */
function seat(i: number): Vector3 {
    return new Vector3(0.18 + 0.3 * i, 0, 0.05 * (i % 2));
}

async function start(): Promise<void> {
    // Remote participants' models, by id, loaded once each.
    const models = new Map<string, Promise<GemModel>>();
    const modelById = (id: string) => {
        if (!models.has(id)) {
            models.set(id, id === "cartoon-head" ? loadCartoonHeadModel() : loadHeadModel(id));
        }
        return models.get(id)!;
    };
    const [model, { clip, frameCount }] = await Promise.all([modelById(shippedModelId), loadTalkingClip()]);
    await Promise.all([...HeadFamily, "cartoon-head"].map(modelById));
    const loaded = new Map<string, GemModel>();
    for (const [id, promise] of models) {
        loaded.set(id, await promise);
    }
    const tokenResponse = await fetch(`${serverUrl}/room/token?room=${encodeURIComponent(roomName)}&participant=${encodeURIComponent(participantName)}`);
    if (!tokenResponse.ok) throw new Error(`${serverUrl}/room/token answered ${tokenResponse.status}: ${await tokenResponse.text()}`);
    const { token } = (await tokenResponse.json()) as { token: string };
    // Personal models of everyone in the room, fetched by hash once each.
    const roomModels = new RoomModels(serverUrl, token);
    let modelId = shippedModelId;
    let self: GemAvatar | null = null;
    if (ownAvatar) {
        status.text = "Choose your .gem (top right) to join as your own avatar.";
        const bytes = await ownAvatarBytes;
        try {
            modelId = await roomModels.uploadAsync(bytes);
            const imported = await ImportMeshAsync(bytes, scene, { pluginExtension: ".gem", name: `self-${participantName}` });
            self = GemAvatar.FromMesh(imported.meshes[0]);
            avatarPanel.textContent = `Your avatar: ${self?.model.gaussianCount ?? 0} Gaussians, shared with this room by its hash`;
        } catch (error) {
            // Refused (too large, not a .gem the loader reads): join with a shipped head, and say why.
            modelId = shippedModelId;
            avatarPanel.textContent = `Your avatar was refused: ${(error as Error).message}. Joined with a shipped head.`;
            console.warn(error);
        }
    }
    self ??= new GemAvatar(model, scene, { name: `self-${participantName}`, convertToSceneHandedness: true });
    self.mesh.position.set(-0.15, 0, 0);
    const selfAnimator = AvatarAnimator.Attach(self);
    const performanceLayer = selfAnimator.addLayer({ name: "performance", channels: arkitChannelNames(false) });
    const startFrame = Number(params.get("start") ?? Math.floor(Math.random() * frameCount));
    performanceLayer.playClip(clipWindow(clip, frameCount, startFrame, 150), scene, true);

    // Publish the ARKit weights (the 52 blendshapes; head rotations stay still in this performance), or, when the
    // camera drives the head through the encoder, the encoder's channels.
    let channels = arkitChannelNames(false);
    let bits = 8;
    const camera = cameraSource ? await startCamera() : null;
    if (camera && !encoderSource) {
        // The face tracker: ARKit weights and the head's yaw, pitch and roll, published as they are.
        const tracking = await startSampleFaceTracking(scene, selfAnimator, camera, (params.get("detector") ?? "wasm") as FaceLandmarkBackend);
        performanceLayer.enabled = false;
        channels = [...tracking.tracker.layer!.layout.names];
        // When the camera loses the face (you look away, leave the picture), idle life keeps the avatar alive for the
        // others: blinks, glances, small head motion; the tracker takes over again as soon as it finds the face.
        const idle = AvatarIdleMotion.Attach(selfAnimator, { seed: [...participantName].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 1) });
        const drivers = new LiveDriverBlend(selfAnimator, { tracker: tracking.tracker, idle });
        Object.assign(roomPage, { tracker: tracking.tracker, idle, drivers });
    } else if (camera) {
        const encoder = await LiveFaceEncoder.CreateAsync({ descriptorUrl: params.get("encoder") ?? "assets/test-encoder.json" });
        encoder.layer = selfAnimator.addLayer({ name: "camera", channels: selfAnimator.channelsOf(encoderOutputSpace(encoder.descriptor)) });
        performanceLayer.enabled = false;
        scene.onBeforeRenderObservable.add(() => encoder.submit(camera));
        channels = [...encoder.layer.layout.names];
        bits = 6; // 36 GEM coefficients at 6 bits keep the stream under 10 kbit/s
    }
    const client = await RoomClient.ConnectAsync({
        url: serverUrl,
        token,
        descriptor: createStreamDescriptor(modelId, channels, { bits, frameRate: 30 }),
        buffer: { playoutDelayMs },
        impairment: lossRate > 0 ? new NetworkImpairment({ lossRate, reorderRate: lossRate, maxReorderDelayMs: 60, seed: Date.now() }) : null,
    });
    let seats = 0;
    const presence = new RoomPresence(scene, client, {
        localAnimator: selfAnimator,
        disposeClient: true,
        createAvatar: async (participant) => {
            const id = participant.descriptor.modelId;
            let avatar: GemAvatar;
            if (RoomModels.IsPersonalModelId(id)) {
                // Their own avatar: fetched by hash, checked and loaded by the .gem loader.
                avatar = await roomModels.importAvatarAsync(id, scene, { name: `remote-${participant.participant}` });
            } else {
                const remoteModel = loaded.get(id);
                if (!remoteModel) return null;
                avatar = new GemAvatar(remoteModel, scene, { name: `remote-${participant.participant}`, convertToSceneHandedness: true });
            }
            avatar.mesh.position.copyFrom(seat(seats++));
            return avatar;
        },
        // A personal model that does not load here: a shipped head stands in.
        createFallbackAvatar: (participant) => {
            const avatar = new GemAvatar(loaded.get(HeadFamily[0])!, scene, { name: `remote-${participant.participant}`, convertToSceneHandedness: true });
            avatar.mesh.position.copyFrom(seat(seats++));
            return avatar;
        },
    });
    presence.onAvatarErrorObservable.add(({ participant, error }) => console.warn(`${participant.participant}'s avatar did not load:`, error));
    const connectedAt = performance.now();
    scene.onAfterRenderObservable.add(() => {
        const seconds = Math.max(1, (performance.now() - connectedAt) / 1000);
        const names = [...presence.avatars.keys()];
        status.text = `room "${roomName}" as ${participantName} on ${serverUrl}${camera ? " · camera" : ""} · ${engineLabel}\n${names.length ? `with ${names.join(", ")}` : "alone: open this page in another tab"} · up ${((client.stats.frameWireBytesSent * 8) / seconds / 1000).toFixed(1)} kbit/s${lossRate > 0 ? ` · ${Math.round(lossRate * 100)}% loss rehearsed` : ""}`;
    });
    window.addEventListener("beforeunload", () => presence.dispose());
    Object.assign(roomPage, { client, presence, self, selfAnimator, roomModels, modelId, ready: true });
}

const roomPage: Record<string, unknown> = { scene, engine, ready: false, error: null };
(window as unknown as { roomPage: unknown }).roomPage = roomPage;
engine.runRenderLoop(() => scene.render());
window.addEventListener("resize", () => engine.resize());
start().catch((error: unknown) => {
    roomPage.error = String(error);
    status.text = `${String(error)}\nStart a room server with "npm run room:dev", or pass ?server=<url>.`;
    console.error(error);
});
