/**
 * The face tracker end to end, as a new user meets it: samples/live opened in Chromium with a fake camera playing a
 * rendered performance of the default head (known ARKit weights and head turns, tools/tracking/trackingPerformance.ts).
 * The user presses "Calibrate neutral" while the performer looks neutral; from then on the driven avatar's reconstructed
 * centres must follow the performer's, the solved weights and head yaw must match the known ones per channel group,
 * and bad pictures (black, frozen, no face, two faces, a face leaving the picture) must be reported and ease the
 * avatar back to neutral without an error.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseGemFile } from "../../loaders/gem/gemContainer.js";
import { openBrowserSession, repoRoot, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";
import { performanceArkitWeights, renderTrackingPerformance, TrackingPerformancePoses, type TrackingPerformance } from "../../tools/tracking/trackingPerformance.js";
import { ArkitBlendshapeNames } from "../../core/animation/arkitBlendshapes.js";
import { centreDistanceRmseMm } from "../support/positionError.js";

const model = parseGemFile(readFileSync(resolve(repoRoot, "samples/assets/default-head.gem")), "default-head.gem");
const arkitDriver = model.drivers.find((d) => d.name === "arkit")!;
/** Channel groups whose mean absolute weight error is reported and bounded. */
const groups: Record<string, string[]> = {
    jaw: ["jawOpen"],
    mouth: ["mouthSmileLeft", "mouthSmileRight", "mouthPucker", "mouthFunnel"],
    brows: ["browInnerUp"],
    eyes: ["eyeBlinkLeft", "eyeBlinkRight"],
};

/** The performer's GEM coefficients for a pose: the head's own ARKit driver. */
function performerCoefficients(pose: number): Float32Array {
    const arkit = performanceArkitWeights(TrackingPerformancePoses[pose]);
    const x = arkitDriver.inputs.map((name) => arkit[ArkitBlendshapeNames.indexOf(name)] ?? 0);
    const out = Float32Array.from(arkitDriver.bias);
    for (let r = 0; r < out.length; r++) {
        for (let c = 0; c < x.length; c++) {
            out[r] += arkitDriver.matrix[r * x.length + c] * x[c];
        }
    }
    return out;
}

interface Observation {
    pose: number;
    state: string;
    trusted: boolean;
    weights: Record<string, number>;
    yaw: number;
}

interface RenderSample {
    pose: number;
    /** Results since the pose was first seen. */
    results: number;
    coefficients: number[];
}

let session: BrowserSession;
let recording: TrackingPerformance;

describe("samples/live with a camera: the face tracker drives the default head", () => {
    beforeAll(async () => {
        recording = await renderTrackingPerformance();
        const folder = resolve(repoRoot, "test-output/tracking");
        mkdirSync(folder, { recursive: true });
        const video = resolve(folder, "performance.y4m");
        writeFileSync(video, recording.y4m);
        session = await openBrowserSession(["live"], {}, ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${video}`]);
        await session.page.setViewportSize({ width: 900, height: 640 });
        await session.page.waitForFunction(() => (window as any).live?.tracker?.stats.frames > 3, undefined, { timeout: 180_000 });
        // SwiftShader draws the splats on the CPU and blocks the page's thread meanwhile; a coarser canvas leaves the
        // tracker the time a real GPU would.
        await session.page.evaluate(() => (window as any).live.scene.getEngine().setHardwareScalingLevel(3));
        // Which pose each analysed picture showed: the code in its corner (tools/tracking/trackingPerformance.ts).
        await session.page.evaluate(() => {
            const live = (window as any).live;
            const names = ["jawOpen", "mouthSmileLeft", "mouthSmileRight", "mouthPucker", "mouthFunnel", "browInnerUp", "eyeBlinkLeft", "eyeBlinkRight"];
            live.observations = [];
            live.renders = [];
            live.currentPose = -1;
            live.resultsInPose = 0;
            live.calibrationPoses = [];
            live.tracker.onResultObservable.add((r: any) => {
                const frame = live.tracker.frame as HTMLCanvasElement;
                const data = frame.getContext("2d")!.getImageData(0, 0, 96, 8).data;
                let bits = 0;
                for (let c = 0; c < 12; c++) {
                    bits = (bits << 1) | (data[(4 * 96 + c * 8 + 4) * 4] > 128 ? 1 : 0);
                }
                const pose = bits >> 8;
                live.resultsInPose = pose === live.currentPose ? live.resultsInPose + 1 : 0;
                live.currentPose = pose;
                if (live.tracker.isCalibrating) {
                    live.calibrationPoses.push(pose);
                }
                live.observations.push({
                    pose,
                    state: r.state,
                    trusted: r.trusted,
                    faces: r.faceCount,
                    weights: Object.fromEntries(names.map((n) => [n, r.solution.weights[live.tracker.names.indexOf(n)]])),
                    yaw: r.solution.headYaw,
                });
            });
            live.scene.onAfterRenderObservable.add(() => {
                if (live.recording) {
                    live.renders.push({ pose: live.currentPose, results: live.resultsInPose, coefficients: Array.from(live.avatar.coefficients) });
                }
            });
        });
    }, 600_000);

    afterAll(async () => {
        await session?.close();
    });

    it("after 'Calibrate neutral' on the neutral pose, the avatar follows the performer: weights per channel group, head yaw, reconstructed centres", async () => {
        const { page } = session;
        // Press the button as a user would when the neutral pose starts (the start of the loop). On a busy machine the
        // tracker may still be calibrating when the next pose shows: then, as a user would, press it again next loop.
        for (let attempt = 0; attempt < 4; attempt++) {
            await page.waitForFunction(() => (window as any).live.currentPose === 7, undefined, { timeout: 60_000 });
            await page.waitForFunction(() => (window as any).live.currentPose === 0, undefined, { timeout: 60_000 });
            await page.evaluate(() => ((window as any).live.calibrationPoses = []));
            await page.click("#calibrateNeutral");
            await page.waitForFunction(() => !(window as any).live.tracker.isCalibrating, undefined, { timeout: 30_000 });
            const poses = await page.evaluate(() => (window as any).live.calibrationPoses as number[]);
            console.log(`calibration ${attempt + 1}: poses seen while calibrating ${JSON.stringify(poses)}`);
            if (poses.length > 0 && poses.every((pose) => pose === 0)) {
                break;
            }
        }
        await page.evaluate(() => {
            const live = (window as any).live;
            live.observations.length = 0;
            live.recording = true;
        });
        // One whole loop of the performance after the calibration.
        const loopSeconds = TrackingPerformancePoses.reduce((s, p) => s + p.seconds, 0);
        await page.waitForTimeout((loopSeconds + 2) * 1000);
        const { observations, renders, stats, identity } = await page.evaluate(() => {
            const live = (window as any).live;
            live.recording = false;
            return {
                observations: live.observations as Observation[],
                renders: live.renders as RenderSample[],
                stats: { ...live.tracker.stats },
                identity: Array.from(live.tracker.solver.identity as Float32Array),
            };
        });
        const png = await page.screenshot();
        saveScreenshot("live-face-tracker", `data:image/png;base64,${png.toString("base64")}`);

        // Weights and yaw per pose from the trusted results (the first result of a pose may be a picture in transition).
        const seen = new Set<number>();
        const groupErrors: Record<string, number[]> = Object.fromEntries(Object.keys(groups).map((g) => [g, []]));
        const yawErrors: number[] = [];
        const rows: string[] = [];
        const trusted = observations.filter((o, i) => o.trusted && i > 0 && observations[i - 1].pose === o.pose);
        for (const o of trusted) {
            seen.add(o.pose);
            const pose = TrackingPerformancePoses[o.pose];
            for (const [group, names] of Object.entries(groups)) {
                for (const name of names) {
                    groupErrors[group].push(Math.abs(o.weights[name] - (pose.weights[name] ?? 0)));
                }
            }
            yawErrors.push(Math.abs(o.yaw - pose.headYaw));
        }
        for (let p = 0; p < TrackingPerformancePoses.length; p++) {
            const of = trusted.filter((o) => o.pose === p);
            if (of.length > 0) {
                const mean = (name: string) => of.reduce((s, o) => s + o.weights[name], 0) / of.length;
                rows.push(
                    `pose ${p} ${JSON.stringify(TrackingPerformancePoses[p].weights)} yaw ${TrackingPerformancePoses[p].headYaw}: ${of.length} results → ${Object.values(groups)
                        .flat()
                        .map((n) => `${n} ${mean(n).toFixed(2)}`)
                        .join(", ")}, yaw ${(of.reduce((s, o) => s + o.yaw, 0) / of.length).toFixed(3)}`
                );
            }
        }
        const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
        const yawDegrees = (mean(yawErrors) * 180) / Math.PI;

        // Reconstructed centres of the driven avatar against the performer's, on frames drawn after the tracker had
        // seen the pose at least twice (the avatar shows a result on the next frame).
        const centreErrors: number[] = [];
        const neutralErrors: number[] = [];
        for (const r of renders) {
            if (r.results >= 2 && r.pose >= 0 && Object.keys(TrackingPerformancePoses[r.pose].weights).length > 0) {
                const performer = performerCoefficients(r.pose);
                centreErrors.push(centreDistanceRmseMm(model, r.coefficients, performer));
                neutralErrors.push(centreDistanceRmseMm(model, new Array(model.totalComponents).fill(0), performer));
            }
        }
        console.log(
            `live face tracker on the fake camera: ${observations.length} results in one loop (states ${JSON.stringify(Object.fromEntries([...new Set(observations.map((o) => o.state))].map((state) => [state, observations.filter((o) => o.state === state).length])))}), ${trusted.length} trusted, poses seen ${[...seen].sort().join(",")}; stats ${JSON.stringify(stats)}; identity ${identity
                .slice(0, 5)
                .map((v) => v.toFixed(2))
                .join(", ")}…\n` +
                `mean |weight error|: ${Object.entries(groupErrors)
                    .map(([g, e]) => `${g} ${mean(e).toFixed(3)}`)
                    .join(", ")}; head yaw error ${yawDegrees.toFixed(2)}°\n` +
                `driven avatar vs performer, expression poses: centre RMSE ${mean(centreErrors).toFixed(3)} mm over ${centreErrors.length} frames (a neutral face: ${mean(neutralErrors).toFixed(3)} mm)\n${rows.join("\n")}`
        );
        expect(stats.failed).toBe(0);
        expect(seen.size).toBeGreaterThanOrEqual(6);
        expect(centreErrors.length).toBeGreaterThan(3);
        // Bounds from the measurement (docs/ANIMATION.md §8 has the figures).
        // Measured: jaw 0.063, mouth 0.070, brows 0.094, eyes 0.155, yaw 1.56°, centres 1.49 mm against 2.68 mm (0.47–0.68× over four runs).
        expect(mean(groupErrors.jaw)).toBeLessThan(0.15);
        expect(mean(groupErrors.mouth)).toBeLessThan(0.15);
        expect(mean(groupErrors.brows)).toBeLessThan(0.25);
        expect(mean(groupErrors.eyes)).toBeLessThan(0.3);
        expect(yawDegrees).toBeLessThan(4);
        expect(mean(centreErrors)).toBeLessThan(0.8 * mean(neutralErrors));
    }, 180_000);

    it("bad pictures are reported and ease the avatar back to neutral, without an error: black, frozen, no face, two faces, a face leaving the picture", async () => {
        const result = await session.page.evaluate(async () => {
            const live = (window as any).live;
            const tracker = live.tracker;
            const camera = live.camera as HTMLVideoElement;
            const still = document.createElement("canvas");
            still.width = tracker.frame.width;
            still.height = tracker.frame.height;
            still.getContext("2d")!.drawImage(tracker.frame, 0, 0);
            const canvas = document.createElement("canvas");
            const context = canvas.getContext("2d")!;
            let draw: (t: number) => void = () => {};
            let painted = 0;
            // A corner that changes with every paint, as a camera's noise does, large enough for the worker's thumbnail.
            const stampCorner = () => {
                context.fillStyle = `rgb(${painted++ % 256},0,0)`;
                context.fillRect(0, canvas.height - 16, 16, 16);
            };
            // Painted like a camera, 30 times a second, whatever the scene's frame rate.
            const painter = setInterval(() => draw(performance.now()), 33);
            const states: Record<string, unknown> = {};
            const errors: string[] = [];
            tracker.onErrorObservable.add((e: Error) => errors.push(e.message));
            const run = async (name: string, width: number, height: number, paint: (t: number) => void, seconds: number) => {
                canvas.width = width;
                canvas.height = height;
                draw = paint;
                paint(performance.now());
                // Also painted after each result, before the tracker takes its next picture, so that every picture it
                // looks at differs, as a live camera's do, however busy the page is.
                const repaint = tracker.onResultObservable.add(() => draw(performance.now()));
                tracker.start(canvas, live.scene);
                const seen: string[] = [];
                const faces: number[] = [];
                const end = performance.now() + seconds * 1000;
                while (performance.now() < end) {
                    await new Promise((r) => setTimeout(r, 50));
                    if (seen[seen.length - 1] !== tracker.state) seen.push(tracker.state);
                    faces.push(tracker.faceCount);
                }
                tracker.onResultObservable.remove(repaint);
                const k = tracker.names.length;
                const values = Array.from(tracker.values as Float32Array);
                states[name] = { seen, last: tracker.state, maxFaces: Math.max(...faces), largestValue: Math.max(...values.slice(0, k).map(Math.abs)), yaw: values[k] };
            };
            // A known face first, so that there is something to ease back from.
            const noise = (t: number) => {
                const image = context.createImageData(canvas.width, canvas.height);
                let seed = Math.floor(t) | 1;
                for (let i = 0; i < image.data.length; i += 4) {
                    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
                    image.data[i] = image.data[i + 1] = image.data[i + 2] = 60 + (seed % 120);
                    image.data[i + 3] = 255;
                }
                context.putImageData(image, 0, 0);
            };
            const blink = (_t: number) => {
                context.drawImage(still, 0, 0);
                stampCorner();
            };
            await run("face", still.width, still.height, blink, 3);
            await run(
                "black",
                still.width,
                still.height,
                () => {
                    context.fillStyle = "#000";
                    context.fillRect(0, 0, canvas.width, canvas.height);
                },
                3
            );
            await run("frozen", still.width, still.height, () => context.drawImage(still, 0, 0), 5);
            await run("noFace", still.width, still.height, noise, 3);
            await run(
                "twoFaces",
                still.width * 2,
                still.height,
                (_t) => {
                    context.drawImage(still, 0, 0);
                    context.drawImage(still, still.width, 0);
                    stampCorner();
                },
                3
            );
            await run(
                "leaving",
                still.width,
                still.height,
                (_t) => {
                    context.fillStyle = "#000";
                    context.fillRect(0, 0, canvas.width, canvas.height);
                    context.drawImage(still, canvas.width * 0.6, 0);
                    stampCorner();
                },
                3
            );
            clearInterval(painter);
            tracker.start(camera, live.scene);
            return { states, errors, stats: { ...tracker.stats } };
        });
        console.log(`bad pictures: ${JSON.stringify(result.states)}; errors ${JSON.stringify(result.errors)}`);
        const states = result.states as Record<string, { seen: string[]; last: string; maxFaces: number; largestValue: number; yaw: number }>;
        expect(result.errors).toEqual([]);
        expect(states.face.last).toBe("tracking");
        expect(states.black.last).toBe("dark");
        expect(states.frozen.last).toBe("frozen");
        expect(states.noFace.last).toBe("no-face");
        // Two faces side by side in a 2:1 picture: the detector finds both in some runs and neither in others (it
        // squeezes the picture to a square, which narrows the faces); when found, one is followed (TrackingSupervisor's
        // unit test checks which) or refused as a bad fit. Either way it is reported, never an error, never frozen.
        expect([0, 2]).toContain(states.twoFaces.maxFaces);
        expect(states.twoFaces.last).toBe(states.twoFaces.maxFaces === 2 ? states.twoFaces.last : "no-face");
        expect(["tracking", "extreme-pose", "no-face"]).toContain(states.twoFaces.last);
        expect(states.leaving.seen).not.toContain("frozen");
        expect(["face-lost", "no-face"]).toContain(states.leaving.last);
        // Held 0.5 s, then eased with a 0.4 s time constant: after 3 s of bad pictures the avatar is back at neutral (the
        // face phase before left weights up to 1).
        expect(states.face.largestValue).toBeGreaterThan(0.3);
        for (const name of ["black", "frozen", "noFace"]) {
            expect(states[name].largestValue).toBeLessThan(0.05);
            expect(Math.abs(states[name].yaw)).toBeLessThan(0.05);
        }
    }, 120_000);
});
