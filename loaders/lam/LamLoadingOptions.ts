/** Options of the LAM loader, passed as `pluginOptions: { lam: { ... } }`. */
export interface LamLoadingOptions {
    /** Name of the created mesh (default: the zip's name without extension). */
    name: string;
    /** Mirror the right-handed avatar into a left-handed scene (default true), as the `.gem` loader does. */
    convertToSceneHandedness: boolean;
}
