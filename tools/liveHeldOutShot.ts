/**
 * samples/live tracking a face the tracker never saw: `npm run live-heldout`. The first held-out identity of the
 * tracker's evaluation set (tools/tracking/trackingDataset.ts, drawn from ICT-FaceKit's 100 identity modes with a seed
 * no training used) performs the tracking performance in front of Chromium's fake camera; "Calibrate neutral" is
 * pressed on the neutral pose, and the tracker drives the default head. Prints the tracker's states and per-pose weights and saves a screenshot of each
 * expression pose to test-output/screenshots/live-heldout-<pose>.png.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { inflateRawSync } from "node:zlib";
import { openBrowserSession, repoRoot, saveScreenshot } from "./browser/browserSession.js";
import { readIctFaceKit } from "./synthetic/ictFaceKitFile.js";
import { renderTrackingPerformance, TrackingPerformancePoses } from "./tracking/trackingPerformance.js";
import { drawDatasetIdentities, withHundredIdentities } from "./tracking/trackingDataset.js";

const kit = withHundredIdentities(
    readIctFaceKit(),
    new Uint8Array(readFileSync(resolve(repoRoot, "tools/data/ict-facekit/ict-facekit-identities-100.npz"))),
    (data, size) => new Uint8Array(inflateRawSync(data, { maxOutputLength: size + 1 }))
);
const head = drawDatasetIdentities(7919, 1)[0];
const recording = await renderTrackingPerformance({ kit, head });
const folder = resolve(repoRoot, "test-output/tracking");
mkdirSync(folder, { recursive: true });
const video = resolve(folder, "heldout-performance.y4m");
writeFileSync(video, recording.y4m);
const session = await openBrowserSession(["live"], {}, ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${video}`]);
try {
    const { page } = session;
    await page.setViewportSize({ width: 900, height: 640 });
    await page.waitForFunction(() => (window as any).live?.tracker?.stats.frames > 3, undefined, { timeout: 300_000 });
    await page.evaluate(() => (window as any).live.scene.getEngine().setHardwareScalingLevel(2));
    await page.evaluate(() => {
        const live = (window as any).live;
        live.log = [];
        live.tracker.onResultObservable.add((r: any) => {
            const data = (live.tracker.frame as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, 96, 8).data;
            let bits = 0;
            for (let c = 0; c < 12; c++) {
                bits = (bits << 1) | (data[(4 * 96 + c * 8 + 4) * 4] > 128 ? 1 : 0);
            }
            const names = ["jawOpen", "mouthSmileLeft", "mouthSmileRight", "eyeBlinkLeft", "eyeBlinkRight", "browInnerUp", "mouthPucker", "mouthFunnel"];
            live.log.push({
                pose: bits >> 8,
                state: r.state,
                trusted: r.trusted,
                weights: names.map((n) => r.solution.weights[live.tracker.names.indexOf(n)] ?? 0),
                landmarks: Array.from(r.landmarks as Float32Array),
            });
        });
    });
    // As a user would: press "Calibrate neutral" when the neutral pose starts (the start of the loop); again next loop
    // if a busy machine's calibration ran into the next pose.
    for (let attempt = 0; attempt < 4; attempt++) {
        await page.waitForFunction(() => (window as any).live.log.at(-1)?.pose === 7, undefined, { timeout: 120_000 });
        await page.waitForFunction(() => (window as any).live.log.at(-1)?.pose === 0, undefined, { timeout: 120_000 });
        const from = await page.evaluate(() => (window as any).live.log.length);
        await page.click("#calibrateNeutral");
        await page.waitForFunction(() => !(window as any).live.tracker.isCalibrating, undefined, { timeout: 60_000 });
        const poses = await page.evaluate((start) => ((window as any).live.log as { pose: number }[]).slice(start).map((o) => o.pose), from);
        if (poses.every((pose) => pose === 0)) {
            break;
        }
    }
    await page.evaluate(() => ((window as any).live.log.length = 0));
    const shot = new Set<number>();
    const deadline = Date.now() + 400_000;
    while (shot.size < TrackingPerformancePoses.length && Date.now() < deadline) {
        const state = await page.evaluate(() => {
            const live = (window as any).live;
            const last = live.log[live.log.length - 1];
            const run = last ? live.log.slice(-2).filter((o: any) => o.pose === last.pose && o.trusted).length : 0;
            return { pose: last?.pose ?? -1, run, calibrating: live.tracker.isCalibrating };
        });
        // Two trusted results in a row of the same pose, after calibration: the avatar shows it on the next frame.
        if (state.pose >= 0 && state.run >= 2 && !state.calibrating && !shot.has(state.pose)) {
            await page.waitForTimeout(200);
            saveScreenshot(`live-heldout-${state.pose}`, `data:image/png;base64,${(await page.screenshot()).toString("base64")}`);
            shot.add(state.pose);
        }
        await page.waitForTimeout(100);
    }
    const log = (await page.evaluate(() => (window as any).live.log)) as { pose: number; state: string; trusted: boolean; weights: number[]; landmarks: number[] }[];
    writeFileSync(resolve(folder, "heldout-live-landmarks.json"), JSON.stringify(log.map(({ pose, trusted, landmarks }) => ({ pose, trusted, landmarks }))));
    const states = Object.fromEntries([...new Set(log.map((o) => o.state))].map((s) => [s, log.filter((o) => o.state === s).length]));
    console.log(`held-out identity ${head.name}: ${log.length} results, states ${JSON.stringify(states)}; screenshots of poses ${[...shot].sort().join(", ")}`);
    for (let p = 0; p < TrackingPerformancePoses.length; p++) {
        const of = log.filter((o) => o.trusted && o.pose === p);
        if (of.length > 0) {
            const mean = (i: number) => (of.reduce((s, o) => s + o.weights[i], 0) / of.length).toFixed(2);
            console.log(
                `pose ${p} ${JSON.stringify(TrackingPerformancePoses[p].weights)}: jaw ${mean(0)}, smile ${mean(1)}/${mean(2)}, blink ${mean(3)}/${mean(4)}, brow ${mean(5)}, pucker ${mean(6)}, funnel ${mean(7)} (${of.length} trusted)`
            );
        }
    }
} finally {
    await session.close();
}
