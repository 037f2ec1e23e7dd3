import type { AdvancedDynamicTexture } from "@babylonjs/gui/2D/advancedDynamicTexture.js";
import { Control } from "@babylonjs/gui/2D/controls/control.js";
import { Rectangle } from "@babylonjs/gui/2D/controls/rectangle.js";
import { ScrollViewer } from "@babylonjs/gui/2D/controls/scrollViewers/scrollViewer.js";
import { StackPanel } from "@babylonjs/gui/2D/controls/stackPanel.js";
import { TextBlock } from "@babylonjs/gui/2D/controls/textBlock.js";

/**
 * Adds the samples' scrolling control panel down the left edge of a GUI texture.
 * @param ui the fullscreen GUI
 * @param names control names of the frame and of the list (the tests find controls by name)
 * @param width panel width, for example `"300px"`
 * @returns the list to add controls to
 */
export function addSidePanel(ui: AdvancedDynamicTexture, names: { frame: string; list: string }, width: string): StackPanel {
    const frame = new Rectangle(names.frame);
    frame.width = width;
    frame.height = "100%";
    frame.horizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
    frame.background = "rgba(20, 22, 28, 0.82)";
    frame.thickness = 0;
    ui.addControl(frame);
    const scroll = new ScrollViewer("scroll");
    scroll.thickness = 0;
    scroll.barSize = 10;
    frame.addControl(scroll);
    const list = new StackPanel(names.list);
    list.paddingLeft = "12px";
    list.paddingRight = "12px";
    scroll.addControl(list);
    return list;
}

/**
 * Adds a coloured group heading to a panel's list.
 * @param list the panel's list
 * @param name control name
 * @param text heading
 * @param color text colour
 */
export function addGroupHeader(list: StackPanel, name: string, text: string, color: string): void {
    const header = new TextBlock(name, text);
    header.color = color;
    header.fontSize = 15;
    header.height = "34px";
    header.textHorizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
    list.addControl(header);
}
