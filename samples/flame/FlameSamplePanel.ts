import { AdvancedDynamicTexture } from "@babylonjs/gui/2D/advancedDynamicTexture.js";
import { Button } from "@babylonjs/gui/2D/controls/button.js";
import { Control } from "@babylonjs/gui/2D/controls/control.js";
import { Rectangle } from "@babylonjs/gui/2D/controls/rectangle.js";
import { ScrollViewer } from "@babylonjs/gui/2D/controls/scrollViewers/scrollViewer.js";
import type { Slider } from "@babylonjs/gui/2D/controls/sliders/slider.js";
import { StackPanel } from "@babylonjs/gui/2D/controls/stackPanel.js";
import { TextBlock } from "@babylonjs/gui/2D/controls/textBlock.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { addLabelledSlider } from "../labelledSlider.js";
import type { FlameAvatar } from "babylon-gem-avatars";

/** A slider bound to one value of one of the avatar's parameter arrays. */
interface ParameterSlider {
    label: string;
    array: Float32Array;
    index: number;
    min: number;
    max: number;
    slider?: Slider;
}

/**
 * The FLAME sample's GUI: sliders for the first expression and shape components, jaw, eyes and head, a play button
 * for the bundled track, a mesh / Gaussians toggle, a reset and a status line.
 */
export class FlameSamplePanel {
    /** The GUI texture (controls are named `slider-<label>`, `play`, `gaussians`, `reset`, `status`). */
    public readonly ui: AdvancedDynamicTexture;
    /** Raised when the play button is pressed. */
    public onPlay: () => void = () => {};
    /** Raised when the mesh / Gaussians toggle is pressed. */
    public onToggleGaussians: () => void = () => {};
    private readonly _list: StackPanel;
    private readonly _status: TextBlock;
    private _sliders: ParameterSlider[] = [];

    /**
     * Builds the panel.
     * @param scene the scene
     */
    constructor(scene: Scene) {
        this.ui = AdvancedDynamicTexture.CreateFullscreenUI("flameUI", true, scene);
        const frame = new Rectangle("panel");
        frame.width = "300px";
        frame.horizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
        frame.background = "rgba(20, 22, 28, 0.82)";
        frame.thickness = 0;
        this.ui.addControl(frame);
        const scroll = new ScrollViewer("scroll");
        scroll.thickness = 0;
        frame.addControl(scroll);
        this._list = new StackPanel("parameters");
        scroll.addControl(this._list);
        this._status = new TextBlock("status", "");
        this._status.color = "#c8c8d0";
        this._status.fontSize = 14;
        this._status.height = "30px";
        this._status.verticalAlignment = Control.VERTICAL_ALIGNMENT_BOTTOM;
        this.ui.addControl(this._status);
    }

    /**
     * Shows a message.
     * @param text message
     * @param isError whether it reports a failure
     */
    public setStatus(text: string, isError = false): void {
        this._status.text = text;
        this._status.color = isError ? "#ff8a80" : "#c8c8d0";
    }

    /**
     * Rebuilds the controls for an avatar.
     * @param avatar the avatar
     */
    public bind(avatar: FlameAvatar): void {
        this._list.clearControls();
        const button = (name: string, text: string, onClick: () => void) => {
            const b = Button.CreateSimpleButton(name, text);
            b.height = "32px";
            b.color = "white";
            b.background = "#3a3f4b";
            b.onPointerClickObservable.add(onClick);
            this._list.addControl(b);
        };
        button("play", "Play / pause tracked sequence", () => this.onPlay());
        button("gaussians", "Mesh / rigged Gaussians", () => this.onToggleGaussians());
        button("reset", "Reset", () => {
            for (const s of this._sliders) {
                s.array[s.index] = 0;
            }
            this._sync();
        });
        const sliders: ParameterSlider[] = [];
        for (let k = 0; k < Math.min(8, avatar.expression.length); k++) {
            sliders.push({ label: `expression ${k}`, array: avatar.expression, index: k, min: -3, max: 3 });
        }
        for (let k = 0; k < Math.min(5, avatar.shape.length); k++) {
            sliders.push({ label: `shape ${k}`, array: avatar.shape, index: k, min: -3, max: 3 });
        }
        sliders.push({ label: "jaw open", array: avatar.jawPose, index: 0, min: 0, max: 0.5 });
        sliders.push({ label: "eyes yaw (left)", array: avatar.eyePose, index: 1, min: -0.6, max: 0.6 });
        sliders.push({ label: "eyes yaw (right)", array: avatar.eyePose, index: 4, min: -0.6, max: 0.6 });
        sliders.push({ label: "head yaw", array: avatar.globalPose, index: 1, min: -0.8, max: 0.8 });
        sliders.push({ label: "neck pitch", array: avatar.neckPose, index: 0, min: -0.5, max: 0.5 });
        for (const s of sliders) {
            s.slider = addLabelledSlider(this._list, {
                labelName: `label-${s.label}`,
                sliderName: `slider-${s.label}`,
                initialText: s.label,
                minimum: s.min,
                maximum: s.max,
                value: s.array[s.index],
                color: "#8ab4f8",
                format: (value) => `${s.label}: ${value.toFixed(2)}`,
                onChange: (value) => (s.array[s.index] = value),
            });
        }
        this._sliders = sliders;
    }

    private _sync(): void {
        for (const s of this._sliders) {
            s.slider!.value = s.array[s.index];
        }
    }
}
