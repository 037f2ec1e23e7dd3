import type { IInspectable, InspectableType } from "@babylonjs/core/Misc/iInspectable.js";
import type { Node } from "@babylonjs/core/node.js";

/**
 * One line of a node's "Custom" section in Babylon's Inspector: an {@link IInspectable} whose value is read and
 * written through functions rather than a property the node already has.
 */
export interface InspectableRow {
    /** Property key defined on the node for this line; stable across rebuilds so the Inspector's watchers survive. */
    key: string;
    /** Label shown in the Inspector. */
    label: string;
    /** Kind of line (slider, checkbox, text, button...). */
    type: InspectableType;
    /** Reads the value (absent for buttons). */
    get?: () => unknown;
    /** Writes a value the user entered (absent for read-only lines). */
    set?: (value: never) => void;
    /** Slider range and step. */
    min?: number;
    max?: number;
    step?: number;
    /** Choices of an options line. */
    options?: { label: string; value: number | string }[];
    /** Button action. */
    callback?: () => void;
}

/** What {@link BindInspectableRows} returns: unbinds the lines and restores the node's own inspectables. */
export interface InspectableRowsBinding {
    /** Removes the defined properties; the node's `inspectableCustomProperties` keeps only what the app set. */
    dispose(): void;
}

/**
 * Shows computed lines in the Inspector's "Custom" section of a node (Babylon's `Node.inspectableCustomProperties`,
 * read by Inspector v1 and v2 alike).
 *
 * The Inspector binds each line to `node[propertyName]` and watches it by wrapping that property, so every line gets
 * a configurable, non-enumerable accessor on the node (the serializer does not write it; a clone drops it).
 * Lines are rebuilt when `version()` changes (an animator attached, a layer added). Inspectables the app assigns to
 * `inspectableCustomProperties` are kept and listed after these.
 * @param node the node the Inspector selects
 * @param build returns the lines
 * @param version returns a value that changes when the lines must be rebuilt
 * @returns a binding to dispose with the node's owner
 */
export function BindInspectableRows(node: Node, build: () => InspectableRow[], version: () => string = () => ""): InspectableRowsBinding {
    const rows = new Map<string, InspectableRow>();
    const defined = new Set<string>();
    let own: IInspectable[] | null = node.inspectableCustomProperties ?? null;
    let builtVersion: string | null = null;
    let listed: IInspectable[] = [];

    const rebuild = () => {
        rows.clear();
        listed = [];
        for (const row of build()) {
            rows.set(row.key, row);
            if (row.get && !defined.has(row.key)) {
                defined.add(row.key);
                const key = row.key;
                Object.defineProperty(node, key, {
                    configurable: true,
                    enumerable: false,
                    get: () => rows.get(key)?.get?.(),
                    set: (value: never) => rows.get(key)?.set?.(value),
                });
            }
            listed.push({
                label: row.label,
                propertyName: row.key,
                type: row.type,
                min: row.min,
                max: row.max,
                step: row.step,
                options: row.options,
                callback: row.callback,
            });
        }
    };

    Object.defineProperty(node, "inspectableCustomProperties", {
        configurable: true,
        enumerable: true,
        get: () => {
            const current = version();
            if (current !== builtVersion) {
                builtVersion = current;
                rebuild();
            }
            return own ? [...listed, ...own] : listed;
        },
        set: (value: IInspectable[] | null) => {
            own = value;
        },
    });

    // Mesh.clone copies every property: the lines' values as plain data, and these lines as nulls (Babylon clones
    // array items it cannot clone to null), which the Inspector cannot show. A clone drives no avatar: give it back
    // only the app's own inspectables.
    const cloned = node.onClonedObservable.add((clone) => {
        for (const key of defined) {
            delete (clone as unknown as Record<string, unknown>)[key];
        }
        clone.inspectableCustomProperties = own ? [...own] : (null as unknown as IInspectable[]);
    });

    return {
        dispose: () => {
            node.onClonedObservable.remove(cloned);
            for (const key of defined) {
                delete (node as unknown as Record<string, unknown>)[key];
            }
            defined.clear();
            rows.clear();
            Object.defineProperty(node, "inspectableCustomProperties", { configurable: true, enumerable: true, writable: true, value: own });
        },
    };
}
