import { AdvancedDynamicTexture } from "@babylonjs/gui/2D/advancedDynamicTexture.js";
import { Button } from "@babylonjs/gui/2D/controls/button.js";
import { Control } from "@babylonjs/gui/2D/controls/control.js";
import type { Slider } from "@babylonjs/gui/2D/controls/sliders/slider.js";
import type { StackPanel } from "@babylonjs/gui/2D/controls/stackPanel.js";
import { TextBlock } from "@babylonjs/gui/2D/controls/textBlock.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { addLabelledSlider } from "../labelledSlider.js";
import { addGroupHeader, addSidePanel } from "../sidePanel.js";
import type { GemAvatar } from "babylon-gem-avatars";

/** Range of every coefficient slider, in σ units (the upstream regressor clamps to ±2.9 σ). */
const sliderRange = 3;

/** Slider range of a driver input, by parameter (ARKit weights in [0, 1]). */
function driverRange(driver: string, input: string): [number, number] {
    if (driver === "arkit") {
        return [0, 1];
    }
    if (input.startsWith("jawPose.0")) {
        return [0, 0.4];
    }
    if (input.startsWith("jawPose") || input.startsWith("eyePose")) {
        return [-0.4, 0.4];
    }
    if (input.startsWith("eyelids")) {
        return [0, 1];
    }
    return [-1.5, 2];
}

/**
 * The viewer's Babylon GUI: ARKit sliders when the model carries an ARKit map, FLAME sliders when it carries only a
 * FLAME map (expression, jaw, eyes, eyelids driving every coefficient at once), head pose sliders (FLAME's neck rotation, a rigid transform), a play button for its
 * track, one slider per component per attribute group, a reset
 * button, an FPS read-out and a status line (drop hints and load errors).
 */
export class GemViewerPanel {
    private readonly _ui: AdvancedDynamicTexture;
    private readonly _list: StackPanel;
    private readonly _fps: TextBlock;
    private readonly _status: TextBlock;
    private _sliders: { slider: Slider; index: number }[] = [];
    private _driverSliders: Slider[] = [];
    private _headSliders: Slider[] = [];
    /** Set while the sliders follow the avatar, so that following never writes back (sliders clamp at ±3 σ). */
    private _syncing = false;
    private _avatar: GemAvatar | null = null;

    /**
     * Builds the panel.
     * @param scene the scene
     */
    constructor(scene: Scene) {
        this._ui = AdvancedDynamicTexture.CreateFullscreenUI("viewerUI", true, scene);
        this._list = addSidePanel(this._ui, { frame: "panel", list: "components" }, "300px");

        this._fps = new TextBlock("fps", "");
        this._fps.color = "#9fe0a0";
        this._fps.fontSize = 16;
        this._fps.width = "160px";
        this._fps.height = "30px";
        this._fps.horizontalAlignment = Control.HORIZONTAL_ALIGNMENT_RIGHT;
        this._fps.verticalAlignment = Control.VERTICAL_ALIGNMENT_TOP;
        this._fps.textHorizontalAlignment = Control.HORIZONTAL_ALIGNMENT_RIGHT;
        this._fps.paddingRight = "12px";
        this._ui.addControl(this._fps);

        this._status = new TextBlock("status", "Drop a .gem file anywhere to load it");
        this._status.color = "#c8c8d0";
        this._status.fontSize = 14;
        this._status.height = "30px";
        this._status.verticalAlignment = Control.VERTICAL_ALIGNMENT_BOTTOM;
        this._status.textWrapping = true;
        this._ui.addControl(this._status);

        let last = 0;
        scene.onAfterRenderObservable.add(() => {
            const now = performance.now();
            if (now - last > 250) {
                last = now;
                this._fps.text = `${scene.getEngine().getFps().toFixed(0)} fps`;
            }
        });
    }

    /** The GUI texture (controls are named: `driver-<input>`, `head-neckPose.<i>`, `play`, `slider-<index>`, `reset`, `status`, `fps`). */
    public get ui(): AdvancedDynamicTexture {
        return this._ui;
    }

    /**
     * Shows a message in the status line.
     * @param text message
     * @param isError whether it reports a failure
     */
    public setStatus(text: string, isError = false): void {
        this._status.text = text;
        this._status.color = isError ? "#ff8a80" : "#c8c8d0";
    }

    /**
     * Rebuilds the sliders for an avatar.
     * @param avatar the avatar to drive
     * @param onPlay when given, a play/pause button calls it; it returns whether the track now plays
     */
    public bind(avatar: GemAvatar, onPlay?: () => boolean): void {
        this._avatar = avatar;
        this._list.clearControls();
        this._sliders = [];
        this._driverSliders = [];
        this._headSliders = [];
        const title = new TextBlock("title", String(avatar.model.metadata.name ?? avatar.mesh.name));
        title.color = "white";
        title.fontSize = 18;
        title.height = "40px";
        this._list.addControl(title);
        const reset = Button.CreateSimpleButton("reset", "Reset to mean");
        reset.height = "32px";
        reset.color = "white";
        reset.background = "#3a3f4b";
        reset.cornerRadius = 4;
        reset.onPointerClickObservable.add(() => {
            avatar.reset();
            this._driverSliders.forEach((slider) => (slider.value = 0));
            this._headSliders.forEach((slider) => (slider.value = 0));
            this._sync();
        });
        this._list.addControl(reset);
        if (onPlay) {
            const play = Button.CreateSimpleButton("play", "Play track");
            play.height = "32px";
            play.paddingTop = "4px";
            play.color = "white";
            play.background = "#2f5d3a";
            play.cornerRadius = 4;
            play.onPointerClickObservable.add(() => {
                const playing = onPlay();
                play.textBlock!.text = playing ? "Pause track" : "Play track";
            });
            this._list.addControl(play);
        }
        // ARKit weights when the model takes them directly, FLAME parameters otherwise.
        const driver = avatar.model.getDriver("arkit") ?? avatar.model.getDriver("flame");
        if (driver) {
            addGroupHeader(
                this._list,
                `group-${driver.name}`,
                driver.name === "arkit" ? "ARKit-52 weights (through the model's map)" : "FLAME parameters (through the model's map)",
                "#f6c177"
            );
            const inputs = new Float32Array(driver.inputs.length);
            driver.inputs.forEach((input, i) => {
                const [min, max] = driverRange(driver.name, input);
                const name = driver.labels?.[i] ?? input;
                const format = (value: number) => `${name}: ${value.toFixed(2)}`;
                const slider = addLabelledSlider(this._list, {
                    labelName: `driver-label-${input}`,
                    sliderName: `driver-${input}`,
                    initialText: format(0),
                    minimum: min,
                    maximum: max,
                    value: 0,
                    color: "#f6c177",
                    format,
                    onChange: (value) => {
                        inputs[i] = value;
                        avatar.setDriverInputs(driver.name, inputs);
                        this._sync();
                    },
                });
                this._driverSliders.push(slider);
            });
        }
        this._addHeadPoseSliders(avatar);
        avatar.model.groups.forEach((group, groupIndex) => {
            if (group.components === 0) {
                return;
            }
            addGroupHeader(this._list, `group-${group.name}`, `${group.name} (${group.semantic}, K = ${group.components})`, "#8ab4f8");
            for (let k = 0; k < group.components; k++) {
                const index = avatar.model.coefficientOffsets[groupIndex] + k;
                const name = group.componentNames?.[k] ?? `component ${k}`;
                const format = (value: number) => `${name}: ${value.toFixed(2)} σ`;
                const slider = addLabelledSlider(this._list, {
                    labelName: `label-${index}`,
                    sliderName: `slider-${index}`,
                    initialText: format(avatar.coefficients[index]),
                    minimum: -sliderRange,
                    maximum: sliderRange,
                    value: avatar.coefficients[index],
                    color: "#8ab4f8",
                    format,
                    onChange: (value) => {
                        if (!this._syncing) {
                            avatar.coefficients[index] = value;
                        }
                    },
                });
                this._sliders.push({ slider, index });
            }
        });
    }

    /** Head pitch, yaw and roll: FLAME's neck rotation, posing the head rigidly about the model's neck joint. */
    private _addHeadPoseSliders(avatar: GemAvatar): void {
        addGroupHeader(
            this._list,
            "group-head",
            avatar.model.headJoints ? "Head pose (FLAME neck rotation)" : "Head pose (about the origin: the model stores no joints)",
            "#c4a7e7"
        );
        const neck = Float32Array.from(avatar.headPose.neckPose);
        ["pitch", "yaw", "roll"].forEach((axis, i) => {
            const format = (value: number) => `head ${axis}: ${value.toFixed(2)} rad`;
            const slider = addLabelledSlider(this._list, {
                labelName: `head-label-neckPose.${i}`,
                sliderName: `head-neckPose.${i}`,
                initialText: format(neck[i]),
                minimum: -0.6,
                maximum: 0.6,
                value: neck[i],
                color: "#c4a7e7",
                format,
                onChange: (value) => {
                    neck[i] = value;
                    avatar.setHeadPose({ neckPose: neck });
                },
            });
            this._headSliders.push(slider);
        });
    }

    /** Releases the GUI texture and its observers. */
    public dispose(): void {
        this._ui.dispose();
    }

    /** Moves the coefficient sliders to the avatar's current coefficients (after a reset, a FLAME slider or a track). */
    public sync(): void {
        this._sync();
    }

    private _sync(): void {
        if (!this._avatar) {
            return;
        }
        this._syncing = true;
        // A slider moves only by what it can show (a thousandth of its range): the GUI is not redrawn for less.
        for (const { slider, index } of this._sliders) {
            const value = Math.max(-sliderRange, Math.min(sliderRange, this._avatar.coefficients[index]));
            if (Math.abs(value - slider.value) * 1000 > 2 * sliderRange) {
                slider.value = value;
            }
        }
        this._syncing = false;
    }
}
