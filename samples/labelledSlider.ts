import { Control } from "@babylonjs/gui/2D/controls/control.js";
import { Slider } from "@babylonjs/gui/2D/controls/sliders/slider.js";
import type { StackPanel } from "@babylonjs/gui/2D/controls/stackPanel.js";
import { TextBlock } from "@babylonjs/gui/2D/controls/textBlock.js";

/** What a labelled slider shows and does. */
export interface LabelledSliderOptions {
    /** Control names of the label and the slider (the tests find controls by name). */
    labelName: string;
    sliderName: string;
    /** Label text before the first change. */
    initialText: string;
    minimum: number;
    maximum: number;
    value: number;
    /** Bar colour. */
    color: string;
    /** Label text for a value. */
    format: (value: number) => string;
    /** Decimals the label shows (default 2): the label is rewritten only when the value changes at this precision. */
    decimals?: number;
    /** Called on every change, after the label is updated. */
    onChange: (value: number) => void;
}

/**
 * Adds a small label above a slider to a sample panel's list, in the samples' shared style.
 * @param list the panel's stack
 * @param options names, range, value, colour and callbacks
 * @returns the slider
 */
export function addLabelledSlider(list: StackPanel, options: LabelledSliderOptions): Slider {
    const label = new TextBlock(options.labelName, options.initialText);
    label.color = "#d0d0d8";
    label.fontSize = 13;
    label.height = "20px";
    label.textHorizontalAlignment = Control.HORIZONTAL_ALIGNMENT_LEFT;
    const slider = new Slider(options.sliderName);
    slider.minimum = options.minimum;
    slider.maximum = options.maximum;
    slider.value = options.value;
    slider.height = "18px";
    slider.color = options.color;
    slider.background = "#444a57";
    // The label changes only when what it shows changes: no new string and no re-layout of the GUI otherwise
    // (a playing track moves every slider every frame).
    const step = 10 ** (options.decimals ?? 2);
    let shown = Number.NaN;
    slider.onValueChangedObservable.add((value) => {
        const rounded = Math.round(value * step);
        if (rounded !== shown) {
            shown = rounded;
            label.text = options.format(value);
        }
        options.onChange(value);
    });
    list.addControl(label);
    list.addControl(slider);
    return slider;
}
