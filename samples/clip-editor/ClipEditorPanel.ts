import { AdvancedDynamicTexture } from "@babylonjs/gui/2D/advancedDynamicTexture.js";
import { Button } from "@babylonjs/gui/2D/controls/button.js";
import { Control } from "@babylonjs/gui/2D/controls/control.js";
import { Slider } from "@babylonjs/gui/2D/controls/sliders/slider.js";
import { StackPanel } from "@babylonjs/gui/2D/controls/stackPanel.js";
import { TextBlock } from "@babylonjs/gui/2D/controls/textBlock.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { addLabelledSlider } from "../labelledSlider.js";
import { addSidePanel } from "../sidePanel.js";
import type { ClipEditor } from "./ClipEditor.js";

/** Slider range of a channel: ARKit weights 0..1, FLAME rotations in radians, FLAME coefficients. */
function channelRange(channel: string): [number, number] {
    if (channel.startsWith("arkit/head")) {
        return [-0.6, 0.6];
    }
    if (channel.startsWith("arkit/") || channel.startsWith("flame/eyelids")) {
        return [0, 1];
    }
    if (channel === "flame/jawPose/0") {
        return [0, 0.4];
    }
    if (channel.includes("Pose")) {
        return [-0.4, 0.4];
    }
    return [-1.5, 2];
}

function makeButton(name: string, text: string, onClick: () => void): Button {
    const button = Button.CreateSimpleButton(name, text);
    button.width = "84px";
    button.height = "28px";
    button.color = "#e8e8f0";
    button.background = "#3b4a6b";
    button.fontSize = 13;
    button.paddingRight = "4px";
    button.onPointerClickObservable.add(onClick);
    return button;
}

/**
 * The clip editor's Babylon GUI: a timeline slider with the frame and the keyed frames, play/stop, key and delete
 * buttons, export (JSON into the page's text box and a download link), and one slider per channel, labelled.
 */
export class ClipEditorPanel {
    /** The GUI texture (tests find controls by name). */
    public readonly ui: AdvancedDynamicTexture;
    private readonly _timeline: Slider;
    private readonly _frameLabel: TextBlock;
    private readonly _keysLabel: TextBlock;
    private readonly _status: TextBlock;
    private readonly _sliders = new Map<string, Slider>();
    private _syncing = false;

    /**
     * Builds the panel.
     * @param scene the scene
     * @param editor the editor model
     * @param labels channel → label
     * @param onExport receives the exported JSON text
     */
    constructor(
        scene: Scene,
        private readonly _editor: ClipEditor,
        labels: ReadonlyMap<string, string>,
        onExport: (json: string) => void
    ) {
        this.ui = AdvancedDynamicTexture.CreateFullscreenUI("clipEditorUI", true, scene);
        const list = addSidePanel(this.ui, { frame: "channels-panel", list: "channels" }, "280px");
        for (const [channel, label] of labels) {
            const [minimum, maximum] = channelRange(channel);
            const slider = addLabelledSlider(list, {
                labelName: `label-${channel}`,
                sliderName: `channel-${channel}`,
                initialText: `${label}: 0.00`,
                minimum,
                maximum,
                value: 0,
                color: "#e0a060",
                format: (v) => `${label}: ${v.toFixed(2)}`,
                onChange: (v) => {
                    if (!this._syncing) {
                        this._editor.layer.setChannel(channel, v);
                    }
                },
            });
            this._sliders.set(channel, slider);
        }

        const bottom = new StackPanel("timeline-panel");
        bottom.height = "120px";
        bottom.width = "100%";
        bottom.paddingLeft = "290px";
        bottom.paddingRight = "16px";
        bottom.verticalAlignment = Control.VERTICAL_ALIGNMENT_BOTTOM;
        bottom.background = "rgba(20, 22, 28, 0.82)";
        this.ui.addControl(bottom);
        this._frameLabel = new TextBlock("frame", "frame 0");
        this._frameLabel.height = "22px";
        this._frameLabel.color = "#d0d0d8";
        this._frameLabel.fontSize = 14;
        this._frameLabel.textHorizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
        bottom.addControl(this._frameLabel);
        this._timeline = new Slider("timeline");
        this._timeline.minimum = 0;
        this._timeline.maximum = _editor.length;
        this._timeline.step = 1;
        this._timeline.height = "20px";
        this._timeline.color = "#70a0e0";
        this._timeline.background = "#444a57";
        this._timeline.onValueChangedObservable.add((v) => {
            if (!this._syncing) {
                this._editor.scrub(v);
                this.sync();
            }
        });
        bottom.addControl(this._timeline);
        this._keysLabel = new TextBlock("keys", "keys: none");
        this._keysLabel.height = "22px";
        this._keysLabel.color = "#b0b0c0";
        this._keysLabel.fontSize = 12;
        this._keysLabel.textHorizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
        bottom.addControl(this._keysLabel);
        const buttons = new StackPanel("buttons");
        buttons.isVertical = false;
        buttons.height = "32px";
        buttons.horizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
        buttons.addControl(
            makeButton("play", "Play", () => {
                if (this._editor.isPlaying) {
                    this._editor.stop();
                } else {
                    this._editor.play();
                }
                this.sync();
            })
        );
        buttons.addControl(
            makeButton("key", "Key frame", () => {
                this._editor.keyCurrent();
                this.sync();
            })
        );
        buttons.addControl(
            makeButton("delete-key", "Delete key", () => {
                this._editor.deleteCurrent();
                this.sync();
            })
        );
        buttons.addControl(makeButton("export", "Export", () => onExport(this._editor.exportJson())));
        bottom.addControl(buttons);
        this._status = new TextBlock("status", "Move sliders, press Key frame, scrub, play. Drop a clip .json or a Live Link Face .csv to import.");
        this._status.height = "20px";
        this._status.color = "#c8c8d0";
        this._status.fontSize = 12;
        this._status.textHorizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
        bottom.addControl(this._status);
    }

    /**
     * Shows a message.
     * @param text message
     * @param error shown in red
     */
    public setStatus(text: string, error = false): void {
        this._status.text = text;
        this._status.color = error ? "#ff8080" : "#c8c8d0";
    }

    /** Brings the timeline, the key list and the channel sliders in line with the editor (never writing back). */
    public sync(): void {
        this._syncing = true;
        try {
            const editor = this._editor;
            const frame = editor.frame;
            this._timeline.maximum = editor.length;
            this._timeline.value = Math.round(frame);
            const keyed = [...new Set(editor.clip.channels.flatMap((c) => editor.clip.getKeys(c)!.frames))].sort((a, b) => a - b);
            this._frameLabel.text = `frame ${frame.toFixed(1)} / ${editor.length} (${editor.clip.frameRate} fps)${editor.isPlaying ? " ▶" : ""}`;
            this._keysLabel.text = `keys: ${keyed.length ? keyed.join(", ") : "none"}`;
            (this.ui.getControlByName("play") as Button).textBlock!.text = editor.isPlaying ? "Stop" : "Play";
            for (const [channel, slider] of this._sliders) {
                slider.value = editor.layer.values[editor.layer.layout.indexOf(channel)];
            }
        } finally {
            this._syncing = false;
        }
    }
}
