import { InspectableType, type IInspectable } from "@babylonjs/core/Misc/iInspectable.js";
import type { Node } from "@babylonjs/core/node.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGemFile } from "../../../loaders/gem/gemContainer.js";
import { parseFlameNpz } from "../../../loaders/flame/flameModelFile.js";
import { GemAvatar } from "../../../plugin/GemAvatar.js";
import { FlameAvatar } from "../../../plugin/flame/FlameAvatar.js";
import { AvatarAnimator } from "../../../plugin/animation/AvatarAnimator.js";
import { ExpressionClip } from "../../../plugin/animation/ExpressionClip.js";
import { createTestFlameNpz } from "../../../tools/synthetic/testFlameModel.js";
import { useNullEngineScene } from "../../support/nullEngineScene.js";

const headModel = parseGemFile(readFileSync(resolve(import.meta.dirname, "../../../samples/assets/cartoon-head.gem")), "cartoon-head.gem");
const makeScene = useNullEngineScene();

/** What the Inspector does with a line: reads and writes `node[propertyName]` (after wrapping it to watch it). */
function line(node: Node, label: string): { inspectable: IInspectable; read: () => unknown; write: (v: unknown) => void } {
    const inspectable = node.inspectableCustomProperties.find((p) => p.label === label);
    if (!inspectable) {
        throw new Error(`no line "${label}" (have: ${node.inspectableCustomProperties.map((p) => p.label).join(", ")})`);
    }
    const target = node as unknown as Record<string, unknown>;
    return { inspectable, read: () => target[inspectable.propertyName], write: (v) => (target[inspectable.propertyName] = v) };
}

/** Wraps a property as Inspector v2's InterceptProperty does; throws where it would. */
function intercept(node: Node, key: string, afterSet: (value: unknown) => void): void {
    const descriptor = Object.getOwnPropertyDescriptor(node, key);
    expect(descriptor?.configurable).toBe(true);
    Object.defineProperty(node, key, {
        configurable: true,
        get: descriptor!.get,
        set(value) {
            descriptor!.set!.call(this, value);
            afterSet(value);
        },
    });
}

describe("Inspector lines of avatars (inspectableCustomProperties)", () => {
    it("a GEM avatar's mesh lists its class, path and one ±3σ slider per coefficient, grouped per attribute, that edit the avatar", () => {
        const scene: Scene = makeScene();
        const avatar = new GemAvatar(headModel, scene, { name: "head" });
        expect(avatar.getClassName()).toBe("GemAvatar");
        expect(avatar.mesh.getClassName()).toBe("GemSplatMesh");
        const lines = avatar.mesh.inspectableCustomProperties;
        const sliders = lines.filter((p) => p.type === InspectableType.Slider && /^(position|scale|rotation|opacity|color) \d+$/.test(p.label));
        expect(sliders).toHaveLength(headModel.totalComponents);
        expect(sliders.every((p) => p.min === -3 && p.max === 3)).toBe(true);
        // One heading per attribute group, before its sliders.
        for (const group of headModel.groups) {
            const heading = lines.findIndex((p) => p.label === `${group.semantic} coefficients`);
            expect(heading).toBeGreaterThanOrEqual(0);
            if (group.components > 0) {
                expect(lines[heading + 1].label).toBe(`${group.semantic} 0`);
            }
        }
        expect(line(avatar.mesh, "Avatar").read()).toBe("GemAvatar");
        expect(line(avatar.mesh, "Reconstruction").read()).toBe("CPU fallback (no canvas)");
        expect(line(avatar.mesh, "Gaussians").read()).toBe(String(headModel.gaussianCount));

        const position2 = line(avatar.mesh, "position 2");
        const seen: unknown[] = [];
        intercept(avatar.mesh, position2.inspectable.propertyName, (v) => seen.push(v));
        position2.write(1.25);
        expect(avatar.coefficients[2]).toBe(1.25);
        expect(position2.read()).toBe(1.25);
        expect(seen).toEqual([1.25]);
        position2.write(Number.NaN); // refused, as the setters refuse it
        expect(avatar.coefficients[2]).toBe(1.25);
        line(avatar.mesh, "rotation 3").write(-0.5);
        expect(avatar.coefficients[headModel.coefficientOffsets[headModel.groups.findIndex((g) => g.semantic === "rotation")] + 3]).toBe(-0.5);
        avatar.update();
        expect(line(avatar.mesh, "Reconstructions").read()).toBe(String(avatar.reconstructionCount));

        line(avatar.mesh, "Head rotation y (rad)").write(0.3);
        expect(avatar.headPose.globalPose[1]).toBeCloseTo(0.3, 6);
        line(avatar.mesh, "Reset coefficients").inspectable.callback!();
        expect(avatar.coefficients.every((c) => c === 0)).toBe(true);
    });

    it("an attached animator adds one block per layer: weight, enabled, mask, clip and playing, all editable", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(headModel, scene, { name: "head" });
        expect(avatar.mesh.inspectableCustomProperties.some((p) => p.label === "Animator")).toBe(false);
        const animator = AvatarAnimator.Attach(avatar);
        expect(animator.getClassName()).toBe("AvatarAnimator");
        const layer = animator.addLayer({ name: "talk", channels: animator.channelsOf("flame") });
        expect(line(avatar.mesh, "Animator").read()).toContain("flame → gem");
        expect(line(avatar.mesh, 'Layer "talk"').read()).toContain("override");
        line(avatar.mesh, "weight").write(0.4);
        expect(layer.weight).toBeCloseTo(0.4, 6);
        line(avatar.mesh, "enabled").write(false);
        expect(layer.enabled).toBe(false);
        line(avatar.mesh, "mask").write("flame/jawPose/*, flame/expression/0");
        expect(layer.mask).toEqual(["flame/jawPose/*", "flame/expression/0"]);
        expect(line(avatar.mesh, "mask").read()).toBe("flame/jawPose/*, flame/expression/0");
        expect(line(avatar.mesh, "clip").read()).toBe("none");

        const clip = new ExpressionClip("nod");
        clip.setKey("flame/jawPose/0", 0, 0);
        clip.setKey("flame/jawPose/0", 30, 0.2);
        const group = layer.playClip(clip, scene);
        // The lines are rebuilt when the layer gets a clip.
        expect(line(avatar.mesh, "clip").read()).toBe(group.name);
        expect(line(avatar.mesh, "playing").read()).toBe(true);
        line(avatar.mesh, "playing").write(false);
        expect(group.isPlaying).toBe(false);
        line(avatar.mesh, "playing").write(true);
        expect(group.isPlaying).toBe(true);
    });

    it("keeps the app's own inspectables and removes every line it defined on dispose", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(headModel, scene, { name: "head" });
        const own: IInspectable = { label: "My flag", propertyName: "myFlag", type: InspectableType.Checkbox };
        avatar.mesh.inspectableCustomProperties = [own];
        const lines = avatar.mesh.inspectableCustomProperties;
        expect(lines[lines.length - 1]).toBe(own);
        expect(lines.length).toBeGreaterThan(headModel.totalComponents);
        const keys = lines.filter((p) => p !== own && p.type !== InspectableType.Button).map((p) => p.propertyName);
        // Not enumerable: clone and the serializer do not copy them.
        expect(Object.keys(avatar.mesh).filter((k) => keys.includes(k))).toEqual([]);
        const mesh = avatar.mesh;
        avatar.dispose();
        expect(keys.filter((k) => Object.getOwnPropertyDescriptor(mesh, k))).toEqual([]);
        expect(mesh.inspectableCustomProperties).toEqual([own]);
    });

    it("a cloned avatar mesh is a plain splat mesh: no copied lines, nothing the Inspector would choke on", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(headModel, scene, { name: "head" });
        expect(avatar.mesh.inspectableCustomProperties.length).toBeGreaterThan(10);
        const clone = avatar.mesh.clone("copy");
        expect((clone.inspectableCustomProperties ?? []).every((line) => line && typeof line.propertyName === "string")).toBe(true);
    });

    it("a new animator with the same layer names gets its own lines", () => {
        const scene = makeScene();
        const avatar = new GemAvatar(headModel, scene, { name: "head" });
        const first = AvatarAnimator.Attach(avatar);
        first.addLayer({ name: "talk", channels: first.channelsOf("flame") });
        expect(line(avatar.mesh, "weight").read()).toBe(1);
        first.dispose();
        const second = AvatarAnimator.Attach(avatar);
        const live = second.addLayer({ name: "talk", channels: second.channelsOf("flame") });
        line(avatar.mesh, "weight").write(0.25);
        expect(live.weight).toBeCloseTo(0.25, 6);
    });

    it("a FLAME avatar's mesh lists shape, expression and pose sliders that write its parameters", () => {
        const scene = makeScene();
        const { model } = parseFlameNpz(createTestFlameNpz(), "test-flame.npz");
        const flame = new FlameAvatar(model, scene, { name: "flame" });
        expect(flame.getClassName()).toBe("FlameAvatar");
        const lines = flame.mesh.inspectableCustomProperties;
        expect(lines.filter((p) => /^expression \d+$/.test(p.label))).toHaveLength(model.expressionCount);
        expect(lines.filter((p) => /^shape \d+$/.test(p.label))).toHaveLength(model.shapeCount);
        line(flame.mesh, "expression 1").write(0.7);
        line(flame.mesh, "jaw rotation 0").write(0.2);
        expect(flame.expression[1]).toBeCloseTo(0.7, 6);
        expect(flame.jawPose[0]).toBeCloseTo(0.2, 6);
        expect(flame.update()).toBe(true);
        flame.dispose();
        expect(Object.getOwnPropertyDescriptor(flame.mesh, lines[3].propertyName)).toBeUndefined();
    });
});
