/**
 * Row 9: the face tracker per camera picture, in samples/live (Chromium) with the fake camera playing the rendered
 * performance: the landmark detector in its worker (WASM backend), the solver on the main thread, and camera → avatar
 * latency (picture taken → values in the layer → the next frame drawn), against the 33.3 ms budget of a 30 fps camera.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { openBrowserSession, repoRoot } from "../tools/browser/browserSession.js";
import { renderTrackingPerformance } from "../tools/tracking/trackingPerformance.js";
import { median } from "./statistics.js";

/** One measurement. */
export interface FaceTrackingRow {
    /** Detector backend. */
    backend: string;
    /** Pictures analysed. */
    pictures: number;
    /** Landmark detection in the worker, ms per picture, median. */
    landmarksMs: number;
    /** Solver on the main thread, ms per picture, median. */
    solverMs: number;
    /** Picture taken → values in the layer, ms, median. */
    resultLatencyMs: number;
    /** Picture taken → the first frame drawn with its values, ms, median. */
    avatarLatencyMs: number;
    /** Pictures analysed per second. */
    picturesPerSecond: number;
    /** Frames the page drew per second meanwhile (SwiftShader draws the avatar on the CPU). */
    renderFps: number;
}

/**
 * Measures the tracker on the live sample.
 * @param seconds measuring time after warm-up
 * @returns medians
 */
export async function measureFaceTracking(seconds: number): Promise<FaceTrackingRow> {
    const recording = await renderTrackingPerformance();
    const folder = resolve(repoRoot, "test-output/tracking");
    mkdirSync(folder, { recursive: true });
    const video = resolve(folder, "bench-performance.y4m");
    writeFileSync(video, recording.y4m);
    const session = await openBrowserSession(["live"], {}, ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${video}`]);
    try {
        await session.page.waitForFunction(() => (window as any).live?.tracker?.stats.frames > 5, undefined, { timeout: 180_000 });
        // SwiftShader draws the splats on the CPU and blocks the page's thread for most of a second per frame at full
        // size; a coarser canvas leaves the tracker the thread a GPU would (the page fps column says what is left).
        await session.page.evaluate(() => (window as any).live.scene.getEngine().setHardwareScalingLevel(3));
        const samples = await session.page.evaluate(async (ms) => {
            const live = (window as any).live;
            const tracker = live.tracker;
            const detect: number[] = [];
            const solve: number[] = [];
            const latency: number[] = [];
            const avatar: number[] = [];
            let pendingSince = -1;
            let frames = 0;
            const onResult = tracker.onResultObservable.add(() => {
                detect.push(tracker.stats.detectMs);
                solve.push(tracker.stats.solveMs);
                latency.push(tracker.stats.latencyMs);
                // The values reach the avatar on the next frame: time from the picture to the end of that frame.
                pendingSince = performance.now() - tracker.stats.latencyMs;
            });
            const onFrame = live.scene.onAfterRenderObservable.add(() => {
                frames++;
                if (pendingSince >= 0) {
                    avatar.push(performance.now() - pendingSince);
                    pendingSince = -1;
                }
            });
            const start = performance.now();
            await new Promise((r) => setTimeout(r, ms));
            const elapsed = (performance.now() - start) / 1000;
            tracker.onResultObservable.remove(onResult);
            live.scene.onAfterRenderObservable.remove(onFrame);
            return { detect, solve, latency, avatar, elapsed, frames, backend: tracker.backend as string };
        }, seconds * 1000);
        return {
            backend: samples.backend,
            pictures: samples.detect.length,
            landmarksMs: median(samples.detect),
            solverMs: median(samples.solve),
            resultLatencyMs: median(samples.latency),
            avatarLatencyMs: median(samples.avatar),
            picturesPerSecond: samples.detect.length / samples.elapsed,
            renderFps: samples.frames / samples.elapsed,
        };
    } finally {
        await session.close();
    }
}
