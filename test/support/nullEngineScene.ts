import { FreeCamera } from "@babylonjs/core/Cameras/freeCamera.js";
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Scene } from "@babylonjs/core/scene.js";
import { afterEach, beforeAll } from "vitest";

/** What the splat meshes posted to their (stubbed) sort workers, for tests that inspect it. */
export const postedToSortWorkers: { command: string }[] = [];
/** The centres the last stubbed sort worker holds (x, y, z, 1 per splat), as Babylon's worker keeps them. */
export const sortWorkerState: { positions: Float32Array | null } = { positions: null };

/**
 * Node has no Worker: gives the splat meshes' sort workers a stub that records what they are sent (structured clones,
 * transfers detaching the sender's buffers as a real worker's would) and, like the plugin's extended sort worker, hands
 * position buffers back through the port it is given.
 */
export function installSortWorkerStub(): void {
    (globalThis as any).Worker = class {
        onmessage: ((e: unknown) => void) | null = null;
        private _port: MessagePort | null = null;
        postMessage(message: { command: string; port?: MessagePort; recycle?: boolean; data?: Float32Array }, transfer: Transferable[] = []) {
            const received = structuredClone(message, { transfer }) as typeof message & { positions?: Float32Array; offset?: number };
            postedToSortWorkers.push(received);
            if (received.command === "positions" && received.positions) sortWorkerState.positions = received.positions;
            if (received.command === "gemPositionsPort" && received.port) this._port = received.port;
            if (received.command === "positionsUpdate" && received.data) {
                sortWorkerState.positions?.set(received.data, received.offset ?? 0);
                if (received.recycle && this._port) this._port.postMessage(received.data, [received.data.buffer]);
            }
        }
        terminate() {
            this._port?.close();
        }
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
