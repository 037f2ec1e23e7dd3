/**
 * The samples' face tracking: a {@link FaceTracker} on a camera (or any playing video) driving an animator through an
 * `arkit/` layer, with a panel showing what it sees: the analysed picture with its 478 landmarks (picture-in-picture,
 * mirrored like a selfie view), the solved weights as bars, the head pose, the tracker's state and timings, and a
 * "Calibrate neutral" button. The detector's models and tfjs's .wasm files are served from the app's own `assets/`
 * (copied there from node_modules by webpack.config.js).
 */
import type { Scene } from "@babylonjs/core/scene.js";
import { arkitChannelNames, type AvatarAnimator } from "babylon-gem-avatars";
import { FaceTracker, type FaceLandmarkBackend, type FaceTrackerResult } from "babylon-gem-avatars/tracking";

/** Weights shown as bars (the ones a face makes most). */
const shownWeights = [
    "jawOpen",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFunnel",
    "mouthPucker",
    "mouthClose",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "eyeWideLeft",
    "eyeWideRight",
    "browInnerUp",
    "browDownLeft",
    "browDownRight",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
];

/** A running tracker and its panel. */
export interface SampleFaceTracking {
    tracker: FaceTracker;
    panel: HTMLDivElement;
    /** One line: state, faces, timings. */
    describe(): string;
}

/**
 * Starts tracking a video into an animator.
 * @param scene the scene whose frames pace the tracker
 * @param animator the avatar's animator (an `arkit/` layer named "face" is added, with head rotations)
 * @param video a playing video (the camera's)
 * @param backend detector backend (`?detector=` in the samples; default wasm)
 * @returns the tracker and its panel
 */
export async function startSampleFaceTracking(scene: Scene, animator: AvatarAnimator, video: HTMLVideoElement, backend: FaceLandmarkBackend = "wasm"): Promise<SampleFaceTracking> {
    const layer = animator.addLayer({ name: "face", channels: arkitChannelNames(true) });
    const tracker = await FaceTracker.CreateAsync({
        modelBasePath: "assets/human/",
        wasmPath: "assets/tfjs/",
        backend,
        landmarkModel: "assets/tracking/ict-landmark-model.npz",
        layer,
    });
    // The raw camera stays in the page (it must keep playing) but the panel shows what the tracker analysed.
    video.style.cssText = "position:absolute;left:0;bottom:0;width:2px;height:2px;opacity:0;pointer-events:none";

    const panel = document.createElement("div");
    panel.id = "trackingPanel";
    panel.style.cssText = "position:absolute;left:8px;bottom:8px;width:240px;padding:6px;background:rgba(20,22,28,0.85);border:1px solid #556;color:#dde;font:11px sans-serif";
    const pip = document.createElement("canvas");
    pip.width = 240;
    pip.height = 180;
    pip.style.cssText = "display:block;width:240px;height:180px;transform:scaleX(-1);background:#000";
    const bars = document.createElement("canvas");
    bars.width = 240;
    bars.height = shownWeights.length * 11 + 36;
    bars.style.cssText = "display:block;margin-top:4px";
    const state = document.createElement("div");
    state.style.cssText = "margin-top:4px;min-height:28px";
    const button = document.createElement("button");
    button.id = "calibrateNeutral";
    button.textContent = "Calibrate neutral";
    button.title = "Look at the camera with a relaxed face for 1.5 s";
    button.style.cssText = "margin-top:4px;width:100%;padding:4px;background:#2f5a3a;color:#fff;border:1px solid #6a8;cursor:pointer";
    button.onclick = () => {
        button.disabled = true;
        button.textContent = "Hold still, relaxed face…";
        void tracker.calibrateNeutralAsync(1.5).then(() => {
            button.disabled = false;
            button.textContent = "Calibrate neutral";
        });
    };
    panel.append(pip, bars, state, button);
    document.body.appendChild(panel);

    const pipContext = pip.getContext("2d")!;
    const barContext = bars.getContext("2d")!;
    const shown = shownWeights.map((name) => tracker.names.indexOf(name));
    const drawPicture = (result: FaceTrackerResult) => {
        const frame = tracker.frame;
        const scale = Math.min(pip.width / frame.width, pip.height / frame.height);
        const w = frame.width * scale;
        const h = frame.height * scale;
        const x0 = (pip.width - w) / 2;
        const y0 = (pip.height - h) / 2;
        pipContext.fillStyle = "#000";
        pipContext.fillRect(0, 0, pip.width, pip.height);
        pipContext.drawImage(frame, x0, y0, w, h);
        const points = result.landmarks;
        pipContext.fillStyle = result.trusted ? "#6cf" : "#f86";
        // Landmarks are in the analysed picture's pixels, which is the tracker's frame.
        const sx = w / Math.max(1, result.width);
        const sy = h / Math.max(1, result.height);
        for (let i = 0; i < points.length; i += 3) {
            pipContext.fillRect(x0 + points[i] * sx - 0.75, y0 + points[i + 1] * sy - 0.75, 1.5, 1.5);
        }
    };
    const drawBars = () => {
        const values = tracker.values;
        barContext.clearRect(0, 0, bars.width, bars.height);
        barContext.font = "10px sans-serif";
        shown.forEach((index, row) => {
            const y = row * 11;
            const v = index >= 0 ? values[index] : 0;
            barContext.fillStyle = "#334";
            barContext.fillRect(100, y + 1, 136, 9);
            barContext.fillStyle = "#f5c36b";
            barContext.fillRect(100, y + 1, 136 * Math.min(1, Math.max(0, v)), 9);
            barContext.fillStyle = "#dde";
            barContext.fillText(shownWeights[row], 0, y + 9);
        });
        const k = tracker.names.length;
        const deg = (r: number) => `${((r * 180) / Math.PI).toFixed(0)}°`;
        barContext.fillText(`head yaw ${deg(values[k])} pitch ${deg(values[k + 1])} roll ${deg(values[k + 2])}`, 0, shown.length * 11 + 14);
        barContext.fillText(tracker.isCalibrating ? "calibrating neutral…" : "calibrated to this face", 0, shown.length * 11 + 28);
    };
    tracker.onResultObservable.add(drawPicture);
    scene.onAfterRenderObservable.add(drawBars);
    tracker.start(video, scene);
    const describe = () => {
        const s = tracker.stats;
        return `face tracker (${tracker.backend}, worker): ${tracker.state}${tracker.faceCount > 1 ? ` (${tracker.faceCount} faces, following one)` : ""} · landmarks ${s.detectMs.toFixed(0)} ms, solver ${s.solveMs.toFixed(1)} ms, camera → avatar ${s.latencyMs.toFixed(0)} ms · ${s.trusted}/${s.frames} frames trusted`;
    };
    const refresh = () => {
        state.textContent = describe();
    };
    tracker.onResultObservable.add(refresh);
    tracker.onStateChangedObservable.add(refresh);
    return { tracker, panel, describe };
}
