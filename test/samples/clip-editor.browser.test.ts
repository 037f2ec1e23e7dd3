import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExpressionClip } from "../../plugin/animation/ExpressionClip.js";
import { writeLiveLinkFaceCsv } from "../../tools/writers/liveLinkFaceCsvWriter.js";
import { openBrowserSession, saveScreenshot, type BrowserSession } from "../../tools/browser/browserSession.js";

let session: BrowserSession;

async function screenshot(name: string): Promise<Buffer> {
    const png = await session.page.screenshot();
    saveScreenshot(name, `data:image/png;base64,${png.toString("base64")}`);
    return png;
}

async function settle(): Promise<void> {
    await session.page.waitForFunction(() => {
        const e = (window as any).clipEditor;
        return e.avatar.isUpToDate && e.avatar.mesh.isReady(true);
    });
    await session.page.waitForTimeout(300);
}

describe("samples/clip-editor in a real browser", () => {
    beforeAll(async () => {
        session = await openBrowserSession(["clip-editor"]);
        await session.page.setViewportSize({ width: 960, height: 640 });
        await session.page.waitForFunction(() => (window as any).clipEditor?.avatar?.isUpToDate, undefined, { timeout: 60_000 });
    }, 300_000);

    afterAll(async () => {
        await session?.close();
    });

    it("keys sliders at two frames, scrubs between them (linear, through the head's ARKit map), plays and exports JSON", async () => {
        const neutral = await screenshot("clip-editor-neutral");
        const keyed = await session.page.evaluate(() => {
            const { panel } = (window as any).clipEditor;
            const ui = panel.ui;
            const click = (name: string) => ui.getControlByName(name).onPointerClickObservable.notifyObservers({});
            click("key"); // neutral at frame 0
            ui.getControlByName("timeline").value = 30;
            ui.getControlByName("channel-arkit/jawOpen").value = 0.6;
            ui.getControlByName("channel-arkit/mouthSmileLeft").value = 0.8;
            click("key");
            return ui.getControlByName("keys").text;
        });
        expect(keyed).toBe("keys: 0, 30");
        const scrubbed = await session.page.evaluate(() => {
            const { panel, animator, avatar } = (window as any).clipEditor;
            panel.ui.getControlByName("timeline").value = 15;
            animator.evaluate();
            const driver = avatar.model.getDriver("arkit");
            const inputs = driver.inputs.map((n: string) => (n === "jawOpen" ? 0.3 : n === "mouthSmileLeft" ? 0.4 : 0));
            const expected = Array.from(driver.bias as Float32Array).map(
                (b, row) => b + inputs.reduce((s: number, x: number, i: number) => s + driver.matrix[row * inputs.length + i] * x, 0)
            );
            return { jaw: panel.ui.getControlByName("channel-arkit/jawOpen").value, actual: Array.from(avatar.coefficients as Float32Array), expected };
        });
        expect(scrubbed.jaw).toBeCloseTo(0.3, 5);
        scrubbed.actual.forEach((v, i) => expect(v).toBeCloseTo(scrubbed.expected[i], 4));
        await session.page.evaluate(() => ((window as any).clipEditor.panel.ui.getControlByName("timeline").value = 30));
        await settle();
        const smiling = await screenshot("clip-editor-frame30-jaw-smile");
        expect(smiling.equals(neutral)).toBe(false);

        // Playback runs through Babylon: frames advance and the values follow the clip.
        await session.page.evaluate(() => {
            const { panel } = (window as any).clipEditor;
            panel.ui.getControlByName("timeline").value = 0;
            panel.ui.getControlByName("play").onPointerClickObservable.notifyObservers({});
        });
        await session.page.waitForFunction(() => (window as any).clipEditor.editor.frame > 5);
        const playing = await session.page.evaluate(() => {
            const { editor, layer } = (window as any).clipEditor;
            const frame = editor.frame;
            const jaw = layer.values[layer.layout.indexOf("arkit/jawOpen")];
            editor.stop();
            return { frame, jaw, expected: editor.clip.evaluateChannel("arkit/jawOpen", frame) };
        });
        expect(playing.jaw).toBeCloseTo(playing.expected, 2);

        const json = await session.page.evaluate(() => {
            (window as any).clipEditor.panel.ui.getControlByName("export").onPointerClickObservable.notifyObservers({});
            return (document.getElementById("clip-json") as HTMLTextAreaElement).value;
        });
        const clip = ExpressionClip.FromJSON(json, "exported.json");
        expect(clip.getKeys("arkit/jawOpen")!.frames).toEqual([0, 30]);
        expect(clip.evaluateChannel("arkit/mouthSmileLeft", 30)).toBeCloseTo(0.8, 5);
        expect(clip.channels.length).toBeGreaterThan(10);
    });

    it("imports a Live Link Face CSV onto the head's ARKit channels and reports bad files", async () => {
        const csv = writeLiveLinkFaceCsv(
            Array.from({ length: 31 }, (_, t) => ({ jawOpen: t / 30, mouthSmileLeft: 0.5, mouthSmileRight: 0.5, eyeBlinkLeft: t > 20 ? 1 : 0 })),
            { frameRate: 30 }
        );
        const result = await session.page.evaluate(
            ([text]) => {
                const { editor, panel } = (window as any).clipEditor;
                const dropped = editor.importText(text, "take.csv");
                editor.scrub(30);
                panel.sync();
                let error = "";
                try {
                    editor.importText("Timecode,EyeBlinkLeft\n00:00:00:00.000,0\n", "broken.csv");
                } catch (e) {
                    error = (e as Error).message;
                }
                return {
                    dropped,
                    frames: editor.clip.lastFrame,
                    jaw: editor.layer.values[editor.layer.layout.indexOf("arkit/jawOpen")],
                    eyelid: editor.layer.values[editor.layer.layout.indexOf("arkit/eyeBlinkLeft")],
                    smile: editor.layer.values[editor.layer.layout.indexOf("arkit/mouthSmileLeft")],
                    error,
                };
            },
            [csv]
        );
        expect(result.frames).toBeCloseTo(30, 5);
        expect(result.jaw).toBeCloseTo(1, 4);
        expect(result.smile).toBeCloseTo(0.5, 4);
        expect(result.dropped).not.toContain("arkit/jawOpen");
        expect(result.dropped).not.toContain("arkit/headYaw");
        expect(result.eyelid).toBeCloseTo(1, 5);
        expect(result.error).toMatch(/broken.csv: missing 51 of the 52 ARKit blendshape columns/);
        await settle();
        await screenshot("clip-editor-livelink-import");
    });
});
