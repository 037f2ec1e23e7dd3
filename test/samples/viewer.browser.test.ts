import { Matrix } from "@babylonjs/core/Maths/math.vector.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { headPoseMatrix } from "../../core/headPose.js";
import { createRandomModel } from "../../tools/synthetic/syntheticModels.js";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";
import { deflateRawSync } from "node:zlib";
import { readIctFaceKit } from "../../tools/synthetic/ictFaceKitFile.js";
import { createLamAvatarParts, zipLamAvatar } from "../../tools/synthetic/lamAvatar.js";

let session: BrowserSession;
const model = parseGemFile(readFileSync(resolve(__dirname, "../../samples/assets/default-head.gem")), "default-head.gem");

async function waitForAvatar(name: string): Promise<void> {
    await session.page.waitForFunction(
        (n) => {
            const viewer = (window as any).viewer;
            return viewer?.avatar?.mesh?.name === n && viewer.loadedName?.startsWith(n) && viewer.avatar.isUpToDate && viewer.avatar.mesh.isReady(true);
        },
        name,
        { timeout: 60_000 }
    );
    await session.page.waitForTimeout(300);
}

async function screenshot(name: string): Promise<Buffer> {
    const png = await session.page.screenshot();
    saveScreenshot(name, `data:image/png;base64,${png.toString("base64")}`);
    return png;
}

describe("samples/viewer in a real browser", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["viewer"]);
        await session.page.setViewportSize({ width: 900, height: 640 });
        await waitForAvatar("default-head");
    }, 300_000);

    afterAll(async () => {
        await session?.close();
    });

    it("shows the realistic default head with one slider per component, and the sliders drive the avatar", async () => {
        const state = await session.page.evaluate(() => {
            const viewer = (window as any).viewer;
            const names = viewer.avatar.model.groups.flatMap((g: any, gi: number) =>
                Array.from({ length: g.components }, (_, k) => `slider-${viewer.avatar.model.coefficientOffsets[gi] + k}`)
            );
            return { sliders: names.filter((n: string) => viewer.panel.ui.getControlByName(n)).length, components: viewer.avatar.model.totalComponents };
        });
        expect(state.sliders).toBe(state.components);
        const before = await screenshot("viewer-default");
        const passes = await session.page.evaluate(() => {
            const viewer = (window as any).viewer;
            const count = viewer.avatar.reconstructionCount;
            viewer.panel.ui.getControlByName("slider-0").value = 1.5;
            viewer.panel.ui.getControlByName("slider-3").value = -1;
            return count;
        });
        await session.page.waitForFunction((count) => (window as any).viewer.avatar.reconstructionCount > count, passes);
        await session.page.waitForTimeout(400);
        const coefficients = await session.page.evaluate(() => Array.from((window as any).viewer.avatar.coefficients as Float32Array).slice(0, 4));
        expect(coefficients[0]).toBeCloseTo(1.5, 5);
        expect(coefficients[3]).toBeCloseTo(-1, 5);
        const after = await screenshot("viewer-components");
        expect(after.equals(before)).toBe(false);
        await session.page.evaluate(() => (window as any).viewer.panel.ui.getControlByName("reset").onPointerClickObservable.notifyObservers({}));
        const reset = await session.page.evaluate(() => Array.from((window as any).viewer.avatar.coefficients as Float32Array).every((v) => v === 0));
        expect(reset).toBe(true);
    });

    it("ARKit sliders drive every coefficient through the model's map (jaw open, smile, left blink)", async () => {
        const result = await session.page.evaluate(() => {
            const viewer = (window as any).viewer;
            const ui = viewer.panel.ui;
            const set = { jawOpen: 0.35, mouthSmileLeft: 0.8, mouthSmileRight: 0.8, eyeBlinkLeft: 1 } as Record<string, number>;
            for (const [name, value] of Object.entries(set)) {
                ui.getControlByName(`driver-${name}`).value = value;
            }
            const driver = viewer.avatar.model.getDriver("arkit");
            const inputs = driver.inputs.map((name: string) => set[name] ?? 0);
            const expected = Array.from(driver.bias as Float32Array).map(
                (b, row) => b + inputs.reduce((s: number, x: number, i: number) => s + driver.matrix[row * inputs.length + i] * x, 0)
            );
            return { actual: Array.from(viewer.avatar.coefficients as Float32Array), expected, slider0: ui.getControlByName("slider-0").value, sliders: driver.inputs.length };
        });
        expect(result.sliders).toBeGreaterThanOrEqual(51);
        // float32 sums of 52 terms in another order: within 1e-4 relative.
        result.actual.forEach((v, i) => expect(Math.abs(v - result.expected[i])).toBeLessThan(1e-4 * (1 + Math.abs(result.expected[i]))));
        // A slider follows only by what it can show (a thousandth of its range).
        expect(Math.abs(result.slider0 - Math.max(-3, Math.min(3, result.actual[0])))).toBeLessThan(0.007);
        await session.page.waitForFunction(() => (window as any).viewer.avatar.isUpToDate);
        await session.page.waitForTimeout(400);
        await screenshot("viewer-arkit-jaw-smile-blink");
        await session.page.evaluate(() => (window as any).viewer.panel.ui.getControlByName("reset").onPointerClickObservable.notifyObservers({}));
    });

    it("head pose sliders turn the head rigidly about its neck joint (FLAME neck rotation, composed with the mesh's placement)", async () => {
        const result = await session.page.evaluate(() => {
            const viewer = (window as any).viewer;
            const mesh = viewer.avatar.mesh;
            // A point 10 cm in front of the face (FLAME faces +z), through world, view and projection to pixels.
            const project = () => {
                const scene = mesh.getScene();
                const transform = (p: number[], m: Float32Array) => [0, 1, 2, 3].map((j) => p[0] * m[j] + p[1] * m[4 + j] + p[2] * m[8 + j] + p[3] * m[12 + j]);
                const world = transform([0, 0, 0.1, 1], mesh.computeWorldMatrix(true).m);
                const clip = transform(world, scene.getTransformMatrix().m);
                const engine = scene.getEngine();
                return [((clip[0] / clip[3] + 1) / 2) * engine.getRenderWidth(), ((1 - clip[1] / clip[3]) / 2) * engine.getRenderHeight()];
            };
            const before = { world: Array.from(mesh.computeWorldMatrix(true).m as Float32Array), nose: project() };
            viewer.panel.ui.getControlByName("head-neckPose.1").value = 0.5;
            const after = { world: Array.from(mesh.computeWorldMatrix(true).m as Float32Array), nose: project() };
            return { before, after, neck: Array.from(viewer.avatar.headPose.neckPose as Float32Array) };
        });
        expect(result.neck[0]).toBe(0);
        expect(result.neck[1]).toBeCloseTo(0.5, 6);
        // The world matrix is the head pose (built here from the model's joints) followed by the placement it had.
        const pose = headPoseMatrix({ neckPose: [0, 0.5, 0] }, model.headJoints);
        const expected = Matrix.FromValues(pose[0], pose[4], pose[8], 0, pose[1], pose[5], pose[9], 0, pose[2], pose[6], pose[10], 0, pose[3], pose[7], pose[11], 1).multiply(
            Matrix.FromArray(result.before.world)
        );
        expect(Math.max(...expected.m.map((v, k) => Math.abs(v - result.after.world[k])))).toBeLessThan(1e-5);
        // Positive yaw turns the face towards the subject's left: the viewer, facing it, sees the nose move right.
        console.log(`head yaw 0.5 rad: nose tip on screen ${result.before.nose.map((v: number) => v.toFixed(1))} → ${result.after.nose.map((v: number) => v.toFixed(1))}`);
        expect(result.after.nose[0] - result.before.nose[0]).toBeGreaterThan(10);
        await session.page.waitForTimeout(400);
        await screenshot("viewer-head-yaw");
        await session.page.evaluate(() => ((window as any).viewer.panel.ui.getControlByName("head-neckPose.1").value = 0));
    });

    it("plays the avatar's talking track (ARKit weights, through an animator layer) as an AnimationGroup", async () => {
        const before = await session.page.evaluate(() => Array.from((window as any).viewer.avatar.coefficients as Float32Array));
        await session.page.evaluate(() => (window as any).viewer.panel.ui.getControlByName("play").onPointerClickObservable.notifyObservers({}));
        await session.page.waitForFunction(() => (window as any).viewer.track?.isPlaying === true);
        await session.page.waitForTimeout(1500);
        const after = await session.page.evaluate(() => Array.from((window as any).viewer.avatar.coefficients as Float32Array));
        expect(after.some((v, i) => Math.abs(v - before[i]) > 1e-3)).toBe(true);
        await screenshot("viewer-track-playing");
        await session.page.evaluate(() => (window as any).viewer.panel.ui.getControlByName("play").onPointerClickObservable.notifyObservers({}));
        expect(await session.page.evaluate(() => (window as any).viewer.track.isPlaying)).toBe(false);
    });

    async function drop(name: string, bytes: Uint8Array): Promise<void> {
        await session.page.evaluate(
            ([fileName, data]) => {
                const transfer = new DataTransfer();
                transfer.items.add(new File([new Uint8Array(data as number[])], fileName as string));
                document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            },
            [name, Array.from(bytes)] as const
        );
    }

    it("loads a dropped .gem file and rebuilds the sliders", async () => {
        const model = createRandomModel({ gaussianCount: 800, seed: 5, components: { position: 3, opacity: 1, scale: 2, rotation: 1 } });
        await drop("dropped.gem", serializeGemFile(model, { basisDtype: "float16" }));
        await waitForAvatar("dropped");
        const count = await session.page.evaluate(() => (window as any).viewer.avatar.model.gaussianCount);
        expect(count).toBe(800);
        expect(await session.page.evaluate(() => !!(window as any).viewer.panel.ui.getControlByName("slider-6"))).toBe(true);
        await screenshot("viewer-dropped-file");
    });

    it("loads a dropped LAM avatar zip (glTF parts through Babylon's glTF loader) and drives it by ARKit sliders", async () => {
        const zip = zipLamAvatar(createLamAvatarParts(readIctFaceKit(), { vertices: 4000 }), (d) => new Uint8Array(deflateRawSync(d)));
        await drop("lam-avatar.zip", zip);
        await waitForAvatar("lam-avatar");
        const state = await session.page.evaluate(() => {
            const viewer = (window as any).viewer;
            viewer.panel.ui.getControlByName("driver-jawOpen").value = 0.8;
            return {
                count: viewer.avatar.model.gaussianCount,
                inputs: viewer.avatar.model.getDriver("arkit").inputs.length,
                gpu: !!viewer.avatar.reconstructionPass,
                jaw: viewer.avatar.coefficients[viewer.avatar.model.getGroup("position").componentNames.indexOf("jawOpen")],
            };
        });
        expect(state).toEqual({ count: 4000, inputs: 51, gpu: true, jaw: expect.closeTo(0.8, 6) });
        await session.page.waitForFunction(() => (window as any).viewer.avatar.isUpToDate);
        await session.page.waitForTimeout(400);
        await screenshot("viewer-lam-zip-jaw-open");
        await drop(
            "dropped.gem",
            serializeGemFile(createRandomModel({ gaussianCount: 800, seed: 5, components: { position: 3, opacity: 1, scale: 2, rotation: 1 } }), { basisDtype: "float16" })
        );
        await waitForAvatar("dropped");
    });

    it("reports a broken dropped file in the status line and keeps the current avatar", async () => {
        await drop("broken.gem", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]));
        await session.page.waitForFunction(() => /Could not load broken\.gem/.test((window as any).viewer.panel.ui.getControlByName("status").text));
        const status = await session.page.evaluate(() => (window as any).viewer.panel.ui.getControlByName("status").text);
        expect(status).toMatch(/magic/);
        expect(await session.page.evaluate(() => (window as any).viewer.avatar.model.gaussianCount)).toBe(800);
    });
});
