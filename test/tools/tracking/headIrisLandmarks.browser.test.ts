/**
 * The tracker's detector (MediaPipe's face mesh with irises, as the plugin's FaceTracker runs it through
 * `@vladmandic/human`) finds its iris landmarks on renders of every shipped head within a few pixels of the rendered
 * pupil, looking ahead and aside; on the same head with blank eyes (iris and pupil painted as sclera) it does not
 * follow the gaze.
 *
 * Only the subject's left eye (landmark 468) is held to that: the runtime's iris step mirrors both eye crops for the
 * iris model but mirrors the coordinates back for the left eye only, so the right eye's iris (473) comes back mirrored
 * within its crop and moves against the gaze (measured and printed here; docs/ANIMATION.md §8).
 *
 * The truth is the pupil's centre projected through the renderer's camera (checked against the drawn pupil, found in a
 * mask render of the same Gaussians, when it is whole).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateDriver } from "../../../core/gemDrivers.js";
import { reconstructGaussians, type GemGaussians } from "../../../core/gemReconstruction.js";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { repoRoot, saveScreenshot } from "../../../tools/browser/browserSession.js";
import { openFrameRenderer, type FrameRenderer } from "../../../tools/distill/frameRenderer.js";
import { createIctHeadRig, IctHeadIdentities, type IctGaussianPart } from "../../../tools/synthetic/ictHead.js";
import { readIctFaceKit } from "../../../tools/synthetic/ictFaceKitFile.js";
import { openFaceLandmarkDetector, type FaceLandmarkDetector } from "../../../tools/tracking/humanDetector.js";

/** MediaPipe's iris centres: 473 (the subject's right eye: the picture's left), 468 (left: the picture's right). */
const IrisCentres = [473, 468];
/** The eye held to the bound (index in picture order): the subject's left eye, on the picture's right. */
const HeldEye = 1;
const size = 512;
const distance = 0.36;
const kit = readIctFaceKit();
const cases: Record<string, Record<string, number>> = {
    ahead: {},
    "look +x": { eyeLookOutLeft: 0.8, eyeLookInRight: 0.8 },
    "look -x": { eyeLookInLeft: 0.8, eyeLookOutRight: 0.8 },
};

let renderer: FrameRenderer;
let detector: FaceLandmarkDetector;

/** Pupil centres in a mask render (one per half of the picture), pixels. */
function pupilCentres(pixels: Uint8Array): number[] {
    const sums = [0, 0, 0, 0];
    const counts = [0, 0];
    for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
            const i = 4 * (y * size + x);
            if (pixels[i] > 96 && pixels[i] > 2 * Math.max(pixels[i + 1], pixels[i + 2])) {
                const eye = x >= size / 2 ? 0 : 1;
                sums[2 * eye] += x;
                sums[2 * eye + 1] += y;
                counts[eye]++;
            }
        }
    }
    return sums.map((s, k) => s / counts[k >> 1]);
}

/**
 * Pixels of model-frame points in the renderer's pictures: its camera sits at (0, -0.005, -distance) looking at
 * (0, -0.005, 0) with Babylon's default 0.8 rad vertical field of view, the frame's z mirrored onto Babylon's.
 */
function project(points: readonly number[], distance: number): number[] {
    const f = 1 / Math.tan(0.4);
    const out: number[] = [];
    for (let i = 0; i < points.length; i += 3) {
        const depth = distance - points[i + 2];
        out.push(size / 2 + ((points[i] / depth) * f * size) / 2, size / 2 - (((points[i + 1] + 0.005) / depth) * f * size) / 2);
    }
    return out;
}

/** Centres of the pupil Gaussians per eye, the picture's left eye (the subject's right, -x) first. */
function pupilPoints(gaussians: GemGaussians, parts: readonly IctGaussianPart[]): number[] {
    const sums = [0, 0, 0, 0, 0, 0];
    const counts = [0, 0];
    parts.forEach((part, i) => {
        if (part === "pupil") {
            const eye = gaussians.positions[3 * i] < 0 ? 0 : 1;
            for (let c = 0; c < 3; c++) {
                sums[3 * eye + c] += gaussians.positions[3 * i + c];
            }
            counts[eye]++;
        }
    });
    return sums.map((v, k) => v / counts[Math.floor(k / 3)]);
}

/** A copy with colours replaced per part. */
function recoloured(gaussians: GemGaussians, parts: readonly IctGaussianPart[], colour: (part: IctGaussianPart, i: number) => readonly number[] | null): GemGaussians {
    const colors = gaussians.colors.slice();
    parts.forEach((part, i) => {
        const rgb = colour(part, i);
        if (rgb) {
            colors.set(rgb, 3 * i);
        }
    });
    return { ...gaussians, colors };
}

/** Detected iris centres and the rendered pupils, pixels, the picture's left eye first. */
async function measure(
    gaussians: GemGaussians,
    parts: readonly IctGaussianPart[],
    shown: GemGaussians,
    name: string
): Promise<{ iris: number[]; pupil: number[]; visible: number[] }> {
    const mask = await renderer.render(recoloured(gaussians, parts, (part) => (part === "pupil" ? [1, 0, 0] : [0, 0, 0])));
    const visible = pupilCentres(mask.pixels);
    const pupil = project(pupilPoints(gaussians, parts), distance);
    const picture = await renderer.render(shown);
    if (name) {
        saveScreenshot(name, picture.png);
    }
    const { faces } = await detector.detect(picture.png);
    expect(faces.length).toBe(1);
    const iris = IrisCentres.flatMap((l) => [faces[0].mesh[3 * l], faces[0].mesh[3 * l + 1]]);
    // Paired by side of the picture.
    const leftFirst = (xy: number[]) => (xy[0] <= xy[2] ? xy : [xy[2], xy[3], xy[0], xy[1]]);
    return { iris: leftFirst(iris), pupil: leftFirst(pupil), visible: leftFirst(visible) };
}

describe("the detector's iris landmarks on the shipped heads", () => {
    beforeAll(async () => {
        renderer = await openFrameRenderer(size, size, distance, 12);
        detector = await openFaceLandmarkDetector();
    }, 300_000);

    afterAll(async () => {
        await renderer?.close();
        await detector?.close();
    });

    const errors = new Map<string, number>();
    for (const head of IctHeadIdentities) {
        it(`${head.name}: within a few pixels of the rendered pupil, ahead and looking aside`, async () => {
            const model = parseGemFile(readFileSync(resolve(repoRoot, `samples/assets/${head.name}.gem`)), `${head.name}.gem`);
            const driver = model.getDriver("arkit")!;
            const parts = createIctHeadRig(kit, head).parts;
            expect(parts.length).toBe(model.gaussianCount);
            const found = new Map<string, { iris: number[]; pupil: number[] }>();
            // Every gaze on the default head; ahead and one look aside on the others.
            for (const [name, weights] of Object.entries(cases).slice(0, head === IctHeadIdentities[0] ? 3 : 2)) {
                const inputs = Float32Array.from(driver.inputs, (input) => weights[input] ?? 0);
                const gaussians = reconstructGaussians(model, evaluateDriver(driver, inputs));
                const { iris, pupil, visible } = await measure(gaussians, parts, gaussians, name === "look +x" ? `iris-landmarks-${head.name}` : "");
                found.set(name, { iris, pupil });
                if (name === "ahead" && head === IctHeadIdentities[0]) {
                    // The projection is the renderer's: the default head's drawn pupil (whole when it looks ahead; the
                    // other heads' lids cover part of theirs) sits on it.
                    const e = HeldEye;
                    const offset = Math.hypot(visible[2 * e] - pupil[2 * e], visible[2 * e + 1] - pupil[2 * e + 1]);
                    console.log(`${head.name}: drawn pupil ${offset.toFixed(1)} px from the projected one`);
                    expect(offset).toBeLessThan(3.5);
                }
                for (let e = 0; e < 2; e++) {
                    const error = Math.hypot(iris[2 * e] - pupil[2 * e], iris[2 * e + 1] - pupil[2 * e + 1]);
                    errors.set(`${head.name} ${name} ${e}`, error);
                    console.log(
                        `${head.name} ${name}, eye ${e}: iris landmark (${iris[2 * e].toFixed(1)}, ${iris[2 * e + 1].toFixed(1)}), rendered pupil (${pupil[2 * e].toFixed(1)}, ${pupil[2 * e + 1].toFixed(1)}): ${error.toFixed(1)} px`
                    );
                    // The iris is about 20 px across in these 512-px pictures (measured 0.7-2.5 px on the default head
                    // and head C, 4.4 px on head B, whose upper lids sit lower).
                    if (e === HeldEye) {
                        expect(error).toBeLessThan(5);
                    }
                }
            }
            // The landmark follows the gaze: it moves with the pupil, most of the way (a landmark left at the eye's centre
            // would fail this, however close the pupil stays to it).
            const ahead = found.get("ahead")!;
            const aside = found.get("look +x")!;
            const x = 2 * HeldEye;
            const pupilShift = aside.pupil[x] - ahead.pupil[x];
            const irisShift = aside.iris[x] - ahead.iris[x];
            console.log(`${head.name}: looking +x moves the pupil ${pupilShift.toFixed(1)} px and the iris landmark ${irisShift.toFixed(1)} px`);
            expect(pupilShift).toBeGreaterThan(6);
            expect(irisShift).toBeGreaterThan(0.5 * pupilShift);
        }, 300_000);
    }

    it("does not follow the gaze on blank eyes (the same head with iris and pupil painted as sclera)", async () => {
        const head = IctHeadIdentities[0];
        const model = parseGemFile(readFileSync(resolve(repoRoot, `samples/assets/${head.name}.gem`)), `${head.name}.gem`);
        const driver = model.getDriver("arkit")!;
        const parts = createIctHeadRig(kit, head).parts;
        let worst = 0;
        const shifts: number[] = [];
        for (const name of ["ahead", "look +x"]) {
            const weights = cases[name];
            const gaussians = reconstructGaussians(
                model,
                evaluateDriver(
                    driver,
                    Float32Array.from(driver.inputs, (input) => weights[input] ?? 0)
                )
            );
            // Sclera colour: the mean of the head's own sclera Gaussians.
            const sclera = [0, 0, 0];
            let n = 0;
            parts.forEach((part, i) => {
                if (part === "sclera") {
                    for (let c = 0; c < 3; c++) {
                        sclera[c] += gaussians.colors[3 * i + c];
                    }
                    n++;
                }
            });
            const blank = recoloured(gaussians, parts, (part) => (part === "iris" || part === "pupil" ? sclera.map((v) => v / n) : null));
            const { iris, pupil } = await measure(gaussians, parts, blank, name === "look +x" ? "iris-landmarks-blank-eyes" : "");
            shifts.push(iris[2 * HeldEye], pupil[2 * HeldEye]);
            for (let e = 0; e < 2; e++) {
                const error = Math.hypot(iris[2 * e] - pupil[2 * e], iris[2 * e + 1] - pupil[2 * e + 1]);
                console.log(`blank eyes ${name}, eye ${e}: ${error.toFixed(1)} px from the pupil the eye would have`);
                if (e === HeldEye) {
                    worst = Math.max(worst, error);
                }
            }
        }
        const [irisAhead, pupilAhead, irisAside, pupilAside] = shifts;
        console.log(`blank eyes: looking +x moves the pupil the eye would have ${(pupilAside - pupilAhead).toFixed(1)} px, the landmark ${(irisAside - irisAhead).toFixed(1)} px`);
        expect(irisAside - irisAhead).toBeLessThan(0.5 * (pupilAside - pupilAhead));
        expect(worst).toBeGreaterThan(5);
    }, 300_000);
});
