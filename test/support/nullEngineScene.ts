import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera.js";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { afterEach, beforeAll } from "vitest";

/** What the splat meshes posted to their (stubbed) sort workers, for tests that inspect it. */
export const postedToSortWorkers: { command: string }[] = [];

/** Node has no Worker: gives the splat meshes' sort workers a stub that records what they are sent. */
export function installSortWorkerStub(): void {
    (globalThis as any).Worker = class {
        onmessage: ((e: unknown) => void) | null = null;
        postMessage(message: { command: string }) {
            postedToSortWorkers.push(message);
        }
        terminate() {}
    };
    (globalThis as any).URL.createObjectURL ??= () => "blob:stub";
}

/**
 * For a test file: installs the sort-worker stub before its tests and disposes the scene and engine after each.
 * @returns setup(), which makes a NullEngine scene with a camera one metre in front of the origin
 */
export function useNullEngineScene(): () => Scene {
    let engine: NullEngine | null = null;
    let scene: Scene | null = null;
    beforeAll(installSortWorkerStub);
    afterEach(() => {
        scene?.dispose();
        engine?.dispose();
        scene = null;
        engine = null;
    });
    return () => {
        engine = new NullEngine();
        scene = new Scene(engine);
        new FreeCamera("camera", new Vector3(0, 0, -1), scene);
        return scene;
    };
}
