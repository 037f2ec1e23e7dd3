/**
 * Babylon's viewer element (`@babylonjs/viewer`) showing the default head. One import registers the GEM loader with
 * Babylon's scene loader, so `<babylon-viewer source="….gem">` loads avatars like any model; the viewer loads into an
 * asset container, for which the loader also loads the head's bundled performance as an AnimationGroup, which the
 * viewer's own animation controls play, pause and scrub.
 *
 * The element (in this page's HTML):
 * `<babylon-viewer source="assets/default-head.gem" engine="WebGL" animation-auto-play render-when-idle>`.
 * - No `environment` attribute: the viewer then fetches nothing (an environment from its CDN is never requested).
 * - `render-when-idle`: the viewer otherwise stops drawing when nothing in its scene changes, while avatars change in
 *   `onBeforeRender`.
 * - `engine="WebGL"`: the reconstruction passes run on both engines, but the viewer's WebGPU snapshot rendering
 *   replays recorded draws and would not see the passes' output change.
 */
import "@babylonjs/viewer";
import "babylon-gem-avatars";
