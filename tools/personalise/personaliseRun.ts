/**
 * samples/personalise driven as a user would, for its end-to-end test and the bench: Chromium's fake camera plays the
 * capture performance of a ground-truth head, "Make my avatar" is pressed, and what the page made is read back (the
 * `.gem`, the worker's report, the timings, the landmarks the tracker gave).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { openBrowserSession, repoRoot, type BrowserSession } from "../browser/browserSession.js";
import { openFrameRenderer, type FrameRenderer } from "../distill/frameRenderer.js";
import type { IctFaceKit } from "../synthetic/ictHead.js";
import type { CaptureFrame, PersonalHeadReport } from "./personalHead.js";
import { renderCapturePerformance, type GroundTruthHead } from "./simulatedCapture.js";

/** What the page made. */
export interface PersonaliseOutcome {
    state: string;
    error: string;
    /** The `.gem` bytes. */
    gem: Uint8Array;
    /** The worker's report (identity, offsets, residuals, timings in ms). */
    report: PersonalHeadReport | null;
    /** Page timings, ms: capture, build (worker round trip), load (into the scene), total. */
    timings: { capture: number; build: number; load: number; total: number };
    /** The panel's last line. */
    detail: string;
    /** Gaussians of the avatar now in the scene. */
    avatarGaussians: number;
    /** The captured pictures (RGBA) with their landmarks (picture pixels). */
    frames: CaptureFrame[];
}

/** The sample's handle on `window` (samples/personalise/index.ts), as far as this reads it. */
interface PersonaliseWindow {
    personalise: {
        state: string;
        error: string;
        scene: { getEngine(): { setHardwareScalingLevel(level: number): void } };
        gem: Uint8Array | null;
        report: (Omit<NonNullable<PersonaliseOutcome["report"]>, "vertexOffsets"> & { vertexOffsets: Float32Array }) | null;
        timings: PersonaliseOutcome["timings"];
        avatar: { model: { gaussianCount: number } } | null;
        frames: { width: number; height: number; landmarks: Float32Array; pixels: Uint8ClampedArray }[];
    };
}

/** An open sample with the fake camera playing the capture. */
export interface PersonaliseRun {
    session: BrowserSession;
    /** Presses "Make my avatar" and waits for the avatar. */
    make(timeoutMs?: number): Promise<PersonaliseOutcome>;
    /** Closes the page (again: the same promise). */
    close(): Promise<void>;
}

/**
 * Renders the capture performance of a head and opens the sample on it.
 * @param kit the kit
 * @param truth the head the camera films
 * @param gaussians the avatar's Gaussians (`?gaussians=`)
 * @param renderer a render page (320 × 240 at 0.42 m) to keep using; one is opened and closed when omitted
 * @returns the run
 */
export async function openPersonaliseRun(kit: IctFaceKit, truth: GroundTruthHead, gaussians: number, renderer?: FrameRenderer): Promise<PersonaliseRun> {
    const pictures = renderer ?? (await openFrameRenderer(320, 240, 0.42, 12));
    let video: Awaited<ReturnType<typeof renderCapturePerformance>>;
    try {
        video = await renderCapturePerformance(pictures, kit, truth);
    } finally {
        if (!renderer) {
            await pictures.close();
        }
    }
    const folder = resolve(repoRoot, "test-output/personalise");
    mkdirSync(folder, { recursive: true });
    const file = resolve(folder, `${truth.head.name}.y4m`);
    writeFileSync(file, video.y4m);
    const session = await openBrowserSession(["personalise"], {}, [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        `--use-file-for-fake-video-capture=${file}`,
    ]);
    await session.page.setViewportSize({ width: 900, height: 640 });
    await session.page.goto(`${session.baseUrl}/personalise.html?engine=webgl2&gaussians=${gaussians}`);
    await session.page.waitForFunction(() => (window as unknown as PersonaliseWindow).personalise?.state === "ready", undefined, { timeout: 180_000 });
    // SwiftShader draws on the CPU and blocks the page meanwhile: a coarse canvas leaves the tracker and the worker their
    // time (the tracker reads the camera, not the canvas).
    await session.page.evaluate(() => (window as unknown as PersonaliseWindow).personalise.scene.getEngine().setHardwareScalingLevel(5));
    let closed: Promise<void> | undefined;
    return {
        session,
        async make(timeoutMs = 300_000) {
            const page = session.page;
            await page.click("#makeAvatar");
            await page.waitForFunction(() => ["building", "error"].includes((window as unknown as PersonaliseWindow).personalise.state), undefined, { timeout: 60_000 });
            await page.waitForFunction(() => ["done", "error"].includes((window as unknown as PersonaliseWindow).personalise.state), undefined, { timeout: timeoutMs });
            const outcome = await page.evaluate(() => {
                const p = (window as unknown as PersonaliseWindow).personalise;
                // Bytes as base64, far faster to carry than arrays of numbers (no named helper: tsx's name-keeping wrapper
                // does not exist in the page).
                const encoded: string[] = [];
                for (const bytes of [p.gem ?? new Uint8Array(0), ...p.frames.map((f) => f.pixels)]) {
                    let text = "";
                    for (let i = 0; i < bytes.length; i += 0x8000) {
                        text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
                    }
                    encoded.push(btoa(text));
                }
                return {
                    state: p.state as string,
                    error: p.error as string,
                    gem: encoded[0],
                    report: p.report ? { ...p.report, vertexOffsets: Array.from(p.report.vertexOffsets as Float32Array) } : null,
                    timings: p.timings,
                    detail: document.getElementById("personaliseDetail")!.textContent ?? "",
                    avatarGaussians: (p.avatar?.model.gaussianCount as number) ?? 0,
                    frames: p.frames.map((f, i) => ({ width: f.width, height: f.height, landmarks: Array.from(f.landmarks), pixels: encoded[i + 1] })),
                };
            });
            return {
                ...outcome,
                gem: new Uint8Array(Buffer.from(outcome.gem, "base64")),
                report: outcome.report ? { ...outcome.report, vertexOffsets: Float32Array.from(outcome.report.vertexOffsets) } : null,
                frames: outcome.frames.map((f) => ({ ...f, landmarks: Float32Array.from(f.landmarks), pixels: new Uint8Array(Buffer.from(f.pixels, "base64")) })),
            };
        },
        close() {
            closed ??= session.close();
            return closed;
        },
    };
}
