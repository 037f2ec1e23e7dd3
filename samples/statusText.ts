import { AdvancedDynamicTexture } from "@babylonjs/gui/2D/advancedDynamicTexture.js";
import { Control } from "@babylonjs/gui/2D/controls/control.js";
import { TextBlock } from "@babylonjs/gui/2D/controls/textBlock.js";
import type { Scene } from "@babylonjs/core/scene.js";

/**
 * A wrapping status line in the top-left corner of a full-screen GUI layer.
 * @param scene the scene
 * @param options GUI layer name, initial text, height, colour, font size
 * @returns the text block
 */
export function createStatusText(scene: Scene, options: { ui: string; text?: string; height: string; color?: string; fontSize?: number }): TextBlock {
    const ui = AdvancedDynamicTexture.CreateFullscreenUI(options.ui, true, scene);
    const status = new TextBlock("status", options.text ?? "loading…");
    status.color = options.color ?? "#c8e0c8";
    status.fontSize = options.fontSize ?? 15;
    status.height = options.height;
    status.paddingLeft = "12px";
    status.textWrapping = true;
    status.textHorizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
    status.verticalAlignment = Control.VERTICAL_ALIGNMENT_TOP;
    ui.addControl(status);
    return status;
}
