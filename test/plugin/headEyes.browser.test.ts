/**
 * The shipped heads' eyes, rendered through the real pipeline on both engines: the pupils follow the eyeLook channels
 * the right way and as far as the teacher's geometry says, the lids close over the iris on a blink, and the eye reads
 * (a dark pupil, an iris darker than the sclera).
 *
 * Where the pupil, iris and sclera are in a picture comes from a mask twin of the head: the same Gaussians and bases
 * with the pupil drawn red, the iris green, the sclera blue and everything else black, so the lids, lashes and skin
 * still hide what they hide. The shipped colours are then measured at those pixels.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateDriver } from "../../core/gemDrivers.js";
import { GemModel } from "../../core/GemModel.js";
import { reconstructGaussians } from "../../core/gemReconstruction.js";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { openBrowserSession, repoRoot, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";
import { encodePng } from "../../tools/writers/pngWriter.js";
import { createIctHeadRig, IctHeadIdentities } from "../../tools/synthetic/ictHead.js";
import { readIctFaceKit } from "../../tools/synthetic/ictFaceKitFile.js";

type Image = { width: number; height: number; pixels: number[] };
type Api = {
    init(w: number, h: number, kind: "webgl2" | "webgpu"): Promise<string>;
    load(url: string): Promise<{ gaussians: number }>;
    setCoefficients(values: number[]): Promise<number>;
    setCamera(position: number[], target: number[]): Promise<void>;
    projectModelPoints(points: number[]): Promise<{ world: number[]; screen: number[] }>;
    readImage(): Promise<Image>;
};

const head = IctHeadIdentities[0];
const model = parseGemFile(readFileSync(resolve(repoRoot, `samples/assets/${head.name}.gem`)), `${head.name}.gem`);
const parts = createIctHeadRig(readIctFaceKit(), head).parts;
const driver = model.getDriver("arkit")!;
if (parts.length !== model.gaussianCount) {
    throw new Error(`the rig has ${parts.length} Gaussians, ${head.name}.gem ${model.gaussianCount}: run npm run make-assets`);
}

/** The mask twin: pupil red, iris green, sclera blue, the rest black. */
function maskModel(): GemModel {
    const colour = model.getGroup("color");
    const mean = new Float32Array(colour.mean.length);
    parts.forEach((part, i) => {
        const rgb = part === "pupil" ? [1, 0, 0] : part === "iris" ? [0, 1, 0] : part === "sclera" ? [0, 0, 1] : [0, 0, 0];
        mean.set(rgb, 3 * i);
    });
    return new GemModel({
        gaussianCount: model.gaussianCount,
        groups: model.groups.map((group) => (group === colour ? { ...group, mean } : group)),
        coefficientUnits: model.coefficientUnits,
        drivers: [...model.drivers],
        fileName: "eyes-mask.gem",
    });
}

const coefficients = (weights: Record<string, number>) =>
    Array.from(
        evaluateDriver(
            driver,
            Float32Array.from(driver.inputs, (name) => weights[name] ?? 0)
        )
    );

/** Cases: ARKit weights, by name. "+x" is the subject's left. */
const cases: Record<string, Record<string, number>> = {
    neutral: {},
    "both look +x": { eyeLookOutLeft: 1, eyeLookInRight: 1 },
    "both look -x": { eyeLookInLeft: 1, eyeLookOutRight: 1 },
    "both look up": { eyeLookUpLeft: 1, eyeLookUpRight: 1 },
    // ICT's look-down shape lowers the upper lid far enough to cover the pupil at 1.
    "both look down": { eyeLookDownLeft: 0.6, eyeLookDownRight: 0.6 },
    "left eye out": { eyeLookOutLeft: 1 },
    "right eye out": { eyeLookOutRight: 1 },
    blink: { eyeBlinkLeft: 1, eyeBlinkRight: 1 },
};

/** Pupil centres in the model frame (CPU reconstruction), left (+x) eye first. */
function pupilCentres(weights: Record<string, number>): number[] {
    const g = reconstructGaussians(model, new Float32Array(coefficients(weights)));
    const sums = [0, 0, 0, 0, 0, 0];
    const counts = [0, 0];
    parts.forEach((part, i) => {
        if (part === "pupil") {
            const eye = g.positions[3 * i] > 0 ? 0 : 1;
            for (let c = 0; c < 3; c++) {
                sums[3 * eye + c] += g.positions[3 * i + c];
            }
            counts[eye]++;
        }
    });
    return sums.map((s, k) => s / counts[Math.floor(k / 3)]);
}

interface EyeRegion {
    pupil: { x: number; y: number; count: number };
    iris: number;
    sclera: number;
    /** Pixel indices per class. */
    pupilPixels: number[];
    irisPixels: number[];
    scleraPixels: number[];
}

/** Classifies the mask picture's pixels by the nearest projected eye. */
function regions(image: Image, eyes: number[]): EyeRegion[] {
    const out: EyeRegion[] = [0, 1].map(() => ({ pupil: { x: 0, y: 0, count: 0 }, iris: 0, sclera: 0, pupilPixels: [], irisPixels: [], scleraPixels: [] }));
    for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
            const i = y * image.width + x;
            const [r, g, b] = [image.pixels[4 * i], image.pixels[4 * i + 1], image.pixels[4 * i + 2]];
            const eye = Math.hypot(x - eyes[0], y - eyes[1]) < Math.hypot(x - eyes[2], y - eyes[3]) ? 0 : 1;
            const region = out[eye];
            if (r > 96 && r > 2 * Math.max(g, b)) {
                region.pupil.x += x;
                region.pupil.y += y;
                region.pupil.count++;
                region.pupilPixels.push(i);
            } else if (g > 96 && g > 2 * Math.max(r, b)) {
                region.iris++;
                region.irisPixels.push(i);
            } else if (b > 96 && b > 2 * Math.max(r, g)) {
                region.sclera++;
                region.scleraPixels.push(i);
            }
        }
    }
    for (const region of out) {
        region.pupil.x /= region.pupil.count || 1;
        region.pupil.y /= region.pupil.count || 1;
    }
    return out;
}

const luma = (image: Image, indices: number[]) =>
    indices.reduce((sum, i) => sum + 0.299 * image.pixels[4 * i] + 0.587 * image.pixels[4 * i + 1] + 0.114 * image.pixels[4 * i + 2], 0) / Math.max(1, indices.length);

function eyesOnEngine(kind: "webgl2" | "webgpu", flags: string[]) {
    describe(`the default head's eyes (${kind})`, () => {
        let session: BrowserSession;
        const call = <K extends keyof Api>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> =>
            session.page.evaluate(([n, a]) => (window as any).gemTest[n as string](...(a as unknown[])), [name, args] as const) as any;
        const masks = new Map<string, EyeRegion[]>();
        const shots = new Map<string, Image>();
        const expected = new Map<string, number[]>();

        beforeAll(async () => {
            session = await openBrowserSession(["gem-test"], { "assets/eyes-mask.gem": serializeGemFile(maskModel(), { basisDtype: "float16", meanDtype: "float32" }) }, flags);
            await call("init", 320, 320, kind);
            await call("load", "assets/eyes-mask.gem");
            // The camera 13 cm in front of the eyes, looking at them.
            const rest = pupilCentres({});
            const mid = [0, 1, 2].map((c) => (rest[c] + rest[3 + c]) / 2);
            const { world } = await call("projectModelPoints", [...mid, mid[0], mid[1], mid[2] + 0.13]);
            await call("setCamera", world.slice(3, 6), world.slice(0, 3));
            for (const [name, weights] of Object.entries(cases)) {
                await call("setCoefficients", coefficients(weights));
                const { screen } = await call("projectModelPoints", pupilCentres(weights));
                expected.set(name, screen);
                masks.set(name, regions(await call("readImage"), screen));
                console.log(
                    `${kind} ${name}: ${masks
                        .get(name)!
                        .map((r) => `pupil ${r.pupil.count} iris ${r.iris} sclera ${r.sclera}`)
                        .join(" | ")}`
                );
            }
            await call("load", `assets/${head.name}.gem`);
            await call("setCamera", world.slice(3, 6), world.slice(0, 3));
            for (const [name, weights] of Object.entries(cases)) {
                await call("setCoefficients", coefficients(weights));
                const image = await call("readImage");
                shots.set(name, image);
                if (name === "neutral" || name === "both look +x" || name === "blink") {
                    const png = encodePng(Uint8Array.from(image.pixels), image.width, image.height);
                    saveScreenshot(`${kind === "webgpu" ? "webgpu-" : ""}eyes-${name.replace(/[^a-z+-]+/g, "-")}`, `data:image/png;base64,${Buffer.from(png).toString("base64")}`);
                }
            }
        }, 600_000);

        afterAll(async () => {
            if (session) {
                const errors = session.console.filter((line) => line.startsWith("error") || line.startsWith("pageerror"));
                await session.close();
                expect(errors, errors.join("\n")).toEqual([]);
            }
        });

        it("draws each pupil where the model puts it, inside a visible iris", () => {
            const [left, right] = masks.get("neutral")!;
            const screen = expected.get("neutral")!;
            for (const [e, region] of [left, right].entries()) {
                console.log(
                    `${kind} neutral eye ${e}: pupil ${region.pupil.count} px at (${region.pupil.x.toFixed(1)}, ${region.pupil.y.toFixed(1)}), model (${screen[2 * e].toFixed(1)}, ${screen[2 * e + 1].toFixed(1)}); iris ${region.iris} px, sclera ${region.sclera} px`
                );
                expect(region.pupil.count).toBeGreaterThan(20);
                // The lids cover the iris's top and bottom (ICT's opening is 9 mm high, the iris 12 mm across).
                expect(region.iris).toBeGreaterThan(2 * region.pupil.count);
                expect(region.sclera).toBeGreaterThan(50);
                expect(Math.hypot(region.pupil.x - screen[2 * e], region.pupil.y - screen[2 * e + 1])).toBeLessThan(2.5);
            }
        });

        it("moves the pupils the way each eyeLook channel says, as far as the geometry says", () => {
            const rest = masks.get("neutral")!;
            const restModel = expected.get("neutral")!;
            const moved = (name: string, e: number) => {
                const region = masks.get(name)![e];
                return [region.pupil.x - rest[e].pupil.x, region.pupil.y - rest[e].pupil.y];
            };
            const modelMoved = (name: string, e: number) => [expected.get(name)![2 * e] - restModel[2 * e], expected.get(name)![2 * e + 1] - restModel[2 * e + 1]];
            // Which way +x and up are on the screen.
            const screenDirection = (name: string) => {
                const m = modelMoved(name, 0);
                const l = Math.hypot(m[0], m[1]);
                return [m[0] / l, m[1] / l];
            };
            const checks: [string, number, string][] = [
                ["both look +x", 0, "+x"],
                ["both look +x", 1, "+x"],
                ["both look -x", 0, "-x"],
                ["both look -x", 1, "-x"],
                ["both look up", 0, "up"],
                ["both look up", 1, "up"],
                ["both look down", 0, "down"],
                ["both look down", 1, "down"],
                ["left eye out", 0, "+x"],
                ["right eye out", 1, "-x"],
            ];
            const plusX = screenDirection("both look +x");
            const up = screenDirection("both look up");
            // The screen's +x and up are what the camera makes of the model's: +x to the picture's right, up to its top.
            expect(plusX[0]).toBeGreaterThan(0.9);
            expect(up[1]).toBeLessThan(-0.9);
            const direction: Record<string, number[]> = { "+x": plusX, "-x": [-plusX[0], -plusX[1]], up, down: [-up[0], -up[1]] };
            for (const [name, e, way] of checks) {
                const [dx, dy] = moved(name, e);
                const [mx, my] = modelMoved(name, e);
                const along = dx * direction[way][0] + dy * direction[way][1];
                const across = Math.abs(-dx * direction[way][1] + dy * direction[way][0]);
                const geometric = Math.hypot(mx, my);
                console.log(`${kind} ${name}, eye ${e}: pupil moved ${along.toFixed(1)} px ${way} (${across.toFixed(1)} across); the model's pupil ${geometric.toFixed(1)} px`);
                // At 13 cm an eye turned by 0.35-0.45 rad moves its pupil 10-15 px (0.2 rad down: 7 px); the drawn
                // pupil follows it (its visible part's centre a little further where a lid covers part of it).
                expect(geometric).toBeGreaterThan(6);
                expect(along).toBeGreaterThan(0.6 * geometric);
                expect(along).toBeLessThan(1.6 * geometric);
                expect(across).toBeLessThan(0.35 * geometric);
            }
            // The other eye stays where it was when one eye turns.
            expect(Math.hypot(...moved("left eye out", 1))).toBeLessThan(1.5);
            expect(Math.hypot(...moved("right eye out", 0))).toBeLessThan(1.5);
        });

        it("closes the lids over the iris on a blink", () => {
            for (const [e, region] of masks.get("blink")!.entries()) {
                console.log(`${kind} blink eye ${e}: ${region.pupil.count} pupil, ${region.iris} iris, ${region.sclera} sclera pixels`);
                expect(region.pupil.count + region.iris).toBe(0);
                expect(region.sclera).toBeLessThan(5);
            }
        });

        it("reads as an eye in the shipped colours: a dark pupil in an iris darker than the sclera", () => {
            for (const name of ["neutral", "both look +x", "both look up"]) {
                const image = shots.get(name)!;
                for (const [e, region] of masks.get(name)!.entries()) {
                    expect(Math.min(region.pupilPixels.length, region.irisPixels.length, region.scleraPixels.length)).toBeGreaterThan(20);
                    const [pupil, iris, sclera] = [luma(image, region.pupilPixels), luma(image, region.irisPixels), luma(image, region.scleraPixels)];
                    console.log(`${kind} ${name}, eye ${e}: luma pupil ${pupil.toFixed(0)}, iris ${iris.toFixed(0)}, sclera ${sclera.toFixed(0)}`);
                    expect(pupil).toBeLessThan(40);
                    expect(iris).toBeGreaterThan(pupil + 15);
                    expect(sclera).toBeGreaterThan(iris + 30);
                }
            }
        });
    });
}

eyesOnEngine("webgl2", []);
eyesOnEngine("webgpu", ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader"]);
