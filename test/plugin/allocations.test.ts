/**
 * The CPU side of a changed frame allocates no typed array from the plugin's code in steady state (NullEngine, Node):
 * an animator playing the default head's FLAME track through the maps, the avatar's coefficients, basis weights and
 * deformed centres, and the CPU reconstruction that engines without float render targets use.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readNpz } from "../../loaders/archives/npzArchive.js";
import { flameTrackFromArrays } from "../../loaders/flame/flameTrackFile.js";
import { parseGemFile } from "../../loaders/gem/gemContainer.js";
import { AvatarAnimator } from "../../plugin/animation/AvatarAnimator.js";
import { createFlameTrackClip } from "../../plugin/animation/trackClips.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { countNodeAllocations, describeSites } from "../support/nodeAllocations.js";
import { useNullEngineScene } from "../support/nullEngineScene.js";

const assets = resolve(import.meta.dirname, "../../samples/assets");
const model = parseGemFile(readFileSync(resolve(assets, "cartoon-head.gem")), "cartoon-head.gem");
const track = flameTrackFromArrays(readNpz(new Uint8Array(readFileSync(resolve(assets, "cartoon-head-track.npz"))), "cartoon-head-track.npz"), "cartoon-head-track.npz");
const makeScene = useNullEngineScene();

describe("allocations per changed frame on the CPU (Node, NullEngine)", () => {
    it("an animator playing a FLAME track and the avatar it drives allocate no typed array from the plugin", async () => {
        const scene: Scene = makeScene();
        const avatar = new GemAvatar(model, scene);
        const animator = AvatarAnimator.Attach(avatar);
        const layer = animator.addLayer({ name: "track", channels: animator.channelsOf("flame") });
        const group = layer.playClip(createFlameTrackClip(track, 30), scene, true);
        group.pause();
        let frame = 0;
        // One frame, then a turn of the event loop (the sort worker's buffers come back between frames, as in a page).
        const step = async (): Promise<void> => {
            group.goToFrame(frame++ % track.frameCount);
            scene.render();
            await new Promise((resolve) => setImmediate(resolve));
        };
        for (let i = 0; i < 10; i++) await step();
        const before = avatar.reconstructionCount;
        const frames = 30;
        const counted = await countNodeAllocations(async () => {
            for (let i = 0; i < frames; i++) await step();
        });
        console.log(
            `CPU path over ${frames} changed frames: plugin ${counted.plugin.count} typed arrays (${counted.plugin.bytes} B), ` +
                `Babylon and the rest ${counted.other.count} (${(counted.other.bytes / 1024).toFixed(0)} KiB)\n${describeSites(counted.other)}`
        );
        // Every counted frame was a changed frame: the avatar reconstructed each time.
        expect(avatar.reconstructionCount - before).toBe(frames);
        expect(counted.plugin.count, describeSites(counted.plugin)).toBe(0);
    });
});
