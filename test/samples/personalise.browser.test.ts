/**
 * samples/personalise end to end, as a user meets it: Chromium's fake camera plays a capture performance of an ICT head
 * of a random identity and a known textured albedo (turning, looking up and down, smiling, opening the mouth, raising
 * the brows, blinking: tools/personalise/simulatedCapture.ts). The user presses "Make my avatar"; the real face tracker
 * (MediaPipe's face mesh in its worker) gives the landmarks, the sample's worker builds the `.gem`, the avatar replaces
 * the default head and the tracker drives it. The fitted shape is compared with the truth's, beside the template's.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNpz } from "../../loaders/archives/npzArchive.js";
import { parseGemFile } from "../../loaders/gem/gemContainer.js";
import { landmarkModelFromArrays } from "../../loaders/tracking/landmarkModelFile.js";
import { openFrameRenderer, type FrameRenderer } from "../../tools/distill/frameRenderer.js";
import { buildPersonalHead, DetectorLandmarkOptions } from "../../tools/personalise/personalHead.js";
import { encodePng, tileImages } from "../../tools/writers/pngWriter.js";
import { openBrowserSession, repoRoot, saveScreenshot } from "../../tools/browser/browserSession.js";
import { RoomServer } from "../../server/RoomServer.js";
import { openPersonaliseRun, type PersonaliseRun } from "../../tools/personalise/personaliseRun.js";
import {
    alignedToTruth,
    faceVertexError,
    headPsnr,
    HeldOutPoses,
    posedHead,
    randomGroundTruthHead,
    TemplateHead,
    type GroundTruthHead,
} from "../../tools/personalise/simulatedCapture.js";
import { readIctFaceKit } from "../../tools/synthetic/ictFaceKitFile.js";
import { createIctHeadRig, ictVertices, type IctFaceKit } from "../../tools/synthetic/ictHead.js";

let run: PersonaliseRun;
/** The `.gem` the page made, for the room test below. */
let personalGem: Uint8Array | undefined;
let renderer: FrameRenderer;
let kit: IctFaceKit;
let truth: GroundTruthHead;

describe("samples/personalise with a camera: a personal avatar made in the page", () => {
    beforeAll(async () => {
        kit = readIctFaceKit();
        truth = randomGroundTruthHead(kit, 4);
        // One render page for the camera's performance and the held-out views.
        renderer = await openFrameRenderer(320, 240, 0.42, 12);
        run = await openPersonaliseRun(kit, truth, 5000, renderer);
    });

    afterAll(async () => {
        await run?.close();
        await renderer?.close();
    });

    it("captures, builds a .gem in the worker, shows it driven by the tracker, and fits the shape better than the template", { timeout: 400_000 }, async () => {
        const page = run.session.page;
        expect(await page.textContent("#privacyNote")).toMatch(/nothing is uploaded/);
        const began = performance.now();
        const outcome = await run.make();
        const madeIn = performance.now() - began;
        // The capture as the tracker saw it (pictures and landmarks), for studying the fit offline.
        writeFileSync(
            resolve(repoRoot, "test-output/personalise/capture.json"),
            JSON.stringify({
                truth: truth.head.identity,
                frames: outcome.frames.map((f) => ({ width: f.width, height: f.height, landmarks: Array.from(f.landmarks), pixels: Buffer.from(f.pixels).toString("base64") })),
            })
        );
        expect(outcome.error).toBe("");
        expect(outcome.state).toBe("done");
        const report = outcome.report!;
        const model = parseGemFile(outcome.gem, "personal-head.gem");
        personalGem = outcome.gem;
        expect(model.drivers.map((d) => d.name)).toEqual(["arkit", "flame"]);
        expect(outcome.avatarGaussians).toBe(model.gaussianCount);
        expect(model.gaussianCount).toBeGreaterThan(4500);
        expect(report.usedFrames).toBeGreaterThanOrEqual(8);

        // The shape the real detector's landmarks gave, against the truth.
        const vertices = ictVertices(kit, report.identity, null);
        report.vertexOffsets.forEach((o, i) => (vertices[i] += o));
        const personalError = faceVertexError(kit, vertices, truth.vertices);
        const identityError = faceVertexError(kit, ictVertices(kit, report.identity, null), truth.vertices);
        const templateError = faceVertexError(kit, ictVertices(kit, TemplateHead.identity, null), truth.vertices);
        const genericError = faceVertexError(kit, kit.neutral, truth.vertices);
        console.log(
            `personalise sample: ${report.usedFrames} pictures used; face vertex error template ${templateError.toFixed(2)} mm, ICT mean ${genericError.toFixed(2)} mm, identity ${identityError.toFixed(2)} mm, personal ${personalError.toFixed(2)} mm; ` +
                `landmark residual ${report.residualMm.template.toFixed(2)} → ${report.residualMm.identity.toFixed(2)} → ${report.residualMm.personal.toFixed(2)} mm; seen ${(report.seenFraction * 100).toFixed(0)} %; ` +
                `capture ${(outcome.timings.capture / 1000).toFixed(1)} s, build ${(outcome.timings.build / 1000).toFixed(1)} s (assets ${report.timings.assets.toFixed(0)} ms, shape ${report.timings.shape.toFixed(0)} ms, appearance ${report.timings.appearance.toFixed(0)} ms, distillation ${report.timings.distillation.toFixed(0)} ms, write ${report.timings.write.toFixed(0)} ms), load ${outcome.timings.load.toFixed(0)} ms, total ${(outcome.timings.total / 1000).toFixed(1)} s; ${outcome.detail}`
        );
        expect(personalError).toBeLessThan(templateError);
        expect(report.residualMm.personal).toBeLessThan(report.residualMm.template);

        // The tracker now drives the personal avatar: its coefficients follow the performance.
        const seen = await page.evaluate(async () => {
            const p = (window as any).personalise;
            const samples: number[][] = [];
            for (let i = 0; i < 12; i++) {
                await new Promise((r) => setTimeout(r, 400));
                samples.push(Array.from(p.avatar.coefficients as Float32Array));
            }
            return samples;
        });
        const spread = seen[0].map((_, c) => Math.max(...seen.map((s) => s[c])) - Math.min(...seen.map((s) => s[c])));
        expect(Math.max(...spread)).toBeGreaterThan(0.2);
        saveScreenshot("personalise-sample", await page.screenshot().then((b) => `data:image/png;base64,${b.toString("base64")}`));
        expect(run.session.console.filter((line) => /error/i.test(line))).toEqual([]);
        // The page is done with: its SwiftShader drawing would slow the renders below.
        await run.close();

        // Held-out views: the same build in Node on the pictures the page captured (deterministic, so the page's head),
        // the personal and template heads aligned on the truth's face by a similarity (scale is not observable).
        const landmarkModel = landmarkModelFromArrays(
            readNpz(readFileSync(resolve(repoRoot, "samples/assets/tracking/ict-landmark-model.npz")), "ict-landmark-model.npz"),
            "ict-landmark-model.npz"
        );
        const correspondence = JSON.parse(readFileSync(resolve(repoRoot, "samples/assets/tracking/mediapipe-ict.json"), "utf8")).landmarks;
        const rebuilt = buildPersonalHead(kit, landmarkModel, correspondence, outcome.frames, [], { ...DetectorLandmarkOptions, gaussians: 5000, skipDistillation: true });
        expect(Array.from(rebuilt.shape.identity)).toEqual(report.identity.map((b) => Math.fround(b)));
        const template = createIctHeadRig(kit, TemplateHead);
        const psnr: [number, number][] = [];
        const strip: Uint8Array[] = [];
        // Two of the held-out views (the synthetic test renders all four): a turn to each side.
        for (const pose of [HeldOutPoses[1], HeldOutPoses[2]]) {
            const truthImage = await renderer.render(posedHead(kit, truth.rig, truth.vertices, pose).gaussians);
            const personalImage = await renderer.render(posedHead(kit, rebuilt.rig, alignedToTruth(kit, rebuilt.shape.vertices, truth.vertices), pose).gaussians);
            const templateImage = await renderer.render(
                posedHead(kit, template, alignedToTruth(kit, ictVertices(kit, TemplateHead.identity, null), truth.vertices), pose).gaussians
            );
            psnr.push([headPsnr(templateImage.pixels, truthImage.pixels), headPsnr(personalImage.pixels, truthImage.pixels)]);
            strip.push(templateImage.pixels, personalImage.pixels, truthImage.pixels);
        }
        const tiles = tileImages(strip, 320, 240, 3);
        saveScreenshot("personalise-sample-views", `data:image/png;base64,${Buffer.from(encodePng(tiles.pixels, tiles.width, tiles.height)).toString("base64")}`);
        console.log(`personalise sample: test phases: make ${(madeIn / 1000).toFixed(1)} s, checks to here ${((performance.now() - began - madeIn) / 1000).toFixed(1)} s`);
        console.log(`personalise sample: held-out PSNR template/personal ${psnr.map(([a, b]) => `${a.toFixed(1)}/${b.toFixed(1)}`).join(", ")} dB`);
        for (const [templatePsnr, personalPsnr] of psnr) {
            expect(personalPsnr).toBeGreaterThan(templatePsnr + 1);
        }
    });

    it("joins a room as that avatar, and a second browser draws it from the room server", { timeout: 400_000 }, async () => {
        expect(personalGem).toBeDefined();
        const gem = personalGem!;
        const server = await RoomServer.StartAsync({ development: true });
        const session = await openBrowserSession(["room"]);
        try {
            const url = (name: string, extra: string) =>
                `${session.baseUrl}/room.html?server=${encodeURIComponent(server.url)}&room=personal&name=${name}&start=0&delay=4000${extra}`;
            const waitReady = async (page: typeof session.page) => {
                await page.waitForFunction(() => (window as any).roomPage?.ready || (window as any).roomPage?.error, undefined, { timeout: 180_000 });
                expect(await page.evaluate(() => (window as any).roomPage.error)).toBeNull();
            };
            // The maker chooses the .gem samples/personalise saved.
            const maker = session.page;
            await maker.goto(url("maker", "&avatar=mine"), { waitUntil: "load" });
            await maker.setInputFiles("#avatarFile", { name: "personal-head.gem", mimeType: "application/octet-stream", buffer: Buffer.from(gem) });
            await waitReady(maker);
            const modelId = (await maker.evaluate(() => (window as any).roomPage.modelId)) as string;
            expect(modelId).toMatch(/^sha256:[0-9a-f]{64}$/);
            expect(server.stats.modelsUploaded).toBe(1);
            // A second browser (its own context: nothing shared with the first but the room server) joins the room.
            const context = await maker.context().browser()!.newContext();
            try {
                const viewer = await context.newPage();
                await viewer.goto(url("viewer", ""), { waitUntil: "load" });
                await waitReady(viewer);
                await viewer.waitForFunction(
                    () => {
                        const entry = (window as any).roomPage.presence.avatars.get("maker");
                        return entry?.participant.hasValues && entry.avatar.reconstructionCount > 1;
                    },
                    undefined,
                    { timeout: 180_000 }
                );
                const seen = await viewer.evaluate(() => {
                    const page = (window as any).roomPage;
                    const entry = page.presence.avatars.get("maker");
                    return {
                        gaussians: entry.avatar.model.gaussianCount as number,
                        modelId: entry.participant.descriptor.modelId as string,
                        fetched: page.roomModels.bytesFetched as number,
                    };
                });
                expect(seen.modelId).toBe(modelId);
                expect(seen.gaussians).toBe(parseGemFile(gem, "personal-head.gem").gaussianCount);
                expect(seen.fetched).toBe(gem.byteLength);
                expect(server.stats.modelBytesServed).toBe(gem.byteLength);
                saveScreenshot("room-personal-avatar-viewer", await viewer.screenshot().then((b) => `data:image/png;base64,${b.toString("base64")}`));
                saveScreenshot("room-personal-avatar-maker", await maker.screenshot().then((b) => `data:image/png;base64,${b.toString("base64")}`));
                console.log(
                    `personal avatar in a room: ${(gem.byteLength / 1e6).toFixed(2)} MB uploaded once, fetched by the second browser by hash, ${seen.gaussians} Gaussians drawn`
                );
            } finally {
                await context.close();
            }
        } finally {
            await session.close();
            await server.closeAsync();
        }
    });
});
