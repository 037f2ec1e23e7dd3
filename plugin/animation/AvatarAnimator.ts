import type { Node } from "@babylonjs/core/node.js";
import type { Behavior } from "@babylonjs/core/Behaviors/behavior.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import type { Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { AnimationChannelError } from "../../core/errors/AnimationChannelError.js";
import { AnimatorLayer, type AnimatorLayerOptions } from "./AnimatorLayer.js";
import { createAnimatedTarget, stageOfSpace, type AnimatableAvatar, type AnimatedTarget } from "./animatedTargets.js";
import { createArkitToFlameMap } from "../../core/animation/arkitToFlameMap.js";
import { channelSpace, type ChannelSpace } from "../../core/animation/channelNames.js";
import { RetargetMap } from "../../core/animation/RetargetMap.js";

/** Options of an {@link AvatarAnimator}. */
export interface AvatarAnimatorOptions {
    /** ARKit → FLAME map for ARKit layers (default createArkitToFlameMap with the avatar's expression names). */
    arkitMap?: RetargetMap;
    /** GEM coefficients are clamped to ±this many σ (default 5; upstream's regressor stays within ±2.9). */
    coefficientLimit?: number;
    /**
     * Whether a GEM avatar driven through FLAME channels takes their global pose, neck pose and translation as its
     * rigid head pose (GemAvatarBase.setHeadPose, the mesh's pre-transform matrix). Default true; false leaves the
     * head where the mesh puts it (FLAME and rigged avatars always pose their joints).
     */
    headPose?: boolean;
}

/** Options of {@link AvatarAnimator.addLayer}. */
export interface AddLayerOptions extends AnimatorLayerOptions {
    /** Map from the layer's channels into one of the avatar's spaces (default: identity, or the ARKit map). */
    map?: RetargetMap;
}

interface LayerRoute {
    layer: AnimatorLayer;
    stage: number;
    map: RetargetMap;
    sourceSlots: Int32Array;
    targetSlots: Int32Array;
    input: Float32Array;
    output: Float32Array;
    mask: Float32Array | null;
    maskVersion: number;
    /** Whether addLayer was given this layer's map (then the animator's ARKit map never replaces it). */
    ownMap: boolean;
}

interface Fade {
    layer: AnimatorLayer;
    from: number;
    to: number;
    duration: number;
    elapsed: number;
}

/**
 * Drives an avatar from layers of channel values: clips, tracks, live encoders or code. A Babylon `Behavior` of the
 * avatar's mesh: each frame, before the avatar uploads, it blends the layers (weights, cross-fades, additive layers,
 * masks), retargets them (ARKit → FLAME → GEM) and writes the avatar once, only when the result changed.
 *
 * Layers are blended per space in order: FLAME layers (ARKit layers go through the ARKit map into FLAME), then the
 * FLAME result goes through the model's `flame` driver into GEM coefficients, then GEM layers blend on top.
 */
export class AvatarAnimator implements Behavior<AbstractMesh> {
    private static _NextId = 1;
    /** Behavior name. */
    public name = "AvatarAnimator";
    /** Unique id of this animator (tells a new animator from a disposed one with the same layers). */
    public readonly uniqueId = AvatarAnimator._NextId++;
    /** The driven avatar. */
    public readonly avatar: AnimatableAvatar;
    /** Raised after each evaluation that changed the avatar. */
    public readonly onEvaluatedObservable = new Observable<AvatarAnimator>();
    /** How many evaluations changed the avatar's values. */
    public writeCount = 0;
    private _attached: AbstractMesh | null = null;
    private _scene: Scene | null = null;
    private _observer: Observer<Scene> | null = null;
    private _meshDisposed: Observer<Node> | null = null;
    private readonly _target: AnimatedTarget;
    private readonly _stageValues: Float32Array[];
    private readonly _written: Float32Array;
    private _hasWritten = false;
    private readonly _routes: LayerRoute[] = [];
    private _fades: Fade[] = [];
    private _arkitMap: RetargetMap;
    private readonly _links: { map: RetargetMap; sourceSlots: Int32Array; targetSlots: Int32Array; input: Float32Array; output: Float32Array }[];

    /**
     * Creates an animator; attach it with `avatar.mesh.addBehavior(animator)` (or use {@link Attach}).
     * @param avatar a GemAvatar, FlameAvatar or RiggedGaussianAvatar
     * @param options ARKit map and limits
     */
    constructor(avatar: AnimatableAvatar, options: AvatarAnimatorOptions = {}) {
        this.avatar = avatar;
        this._target = createAnimatedTarget(avatar, options.coefficientLimit ?? 5, options.headPose ?? true);
        this._stageValues = this._target.stages.map((s) => new Float32Array(s.layout.size));
        this._written = new Float32Array(this._stageValues[this._stageValues.length - 1].length);
        const stages = this._target.stages;
        this._links = this._target.between.map((map, s) => ({
            map,
            ...map.bind(stages[s].layout, stages[s + 1].layout),
            input: new Float32Array(map.source.length),
            output: new Float32Array(map.target.length),
        }));
        this._arkitMap = options.arkitMap ?? createArkitToFlameMap({ expressionNames: this._target.expressionNames });
    }

    /**
     * Creates an animator and attaches it to the avatar's mesh.
     * @param avatar the avatar
     * @param options options
     * @returns the attached animator
     */
    public static Attach(avatar: AnimatableAvatar, options?: AvatarAnimatorOptions): AvatarAnimator {
        const animator = new AvatarAnimator(avatar, options);
        avatar.mesh.addBehavior(animator);
        return animator;
    }

    /**
     * Returns the class name.
     * @returns "AvatarAnimator"
     */
    public getClassName(): string {
        return "AvatarAnimator";
    }

    /** Spaces the avatar is driven through, in blend order (for example `flame`, `gem`). */
    public get spaces(): ChannelSpace[] {
        return this._target.stages.map((s) => s.space);
    }

    /**
     * Channels of one of the avatar's spaces.
     * @param space a space
     * @returns its channel names, or [] when the avatar has none
     */
    public channelsOf(space: ChannelSpace): readonly string[] {
        return this._target.stages.find((s) => s.space === space)?.layout.names ?? [];
    }

    /** The map ARKit layers go through. Setting it re-routes the existing ARKit layers that were not given their own map. */
    public get arkitMap(): RetargetMap {
        return this._arkitMap;
    }

    public set arkitMap(map: RetargetMap) {
        this._arkitMap = map;
        for (let i = 0; i < this._routes.length; i++) {
            if (!this._routes[i].ownMap && channelSpace(this._routes[i].layer.layout.names[0] ?? "") === "arkit") {
                this._routes[i] = this._route(this._routes[i].layer, undefined);
            }
        }
    }

    /** Layers, bottom first. */
    public get layers(): AnimatorLayer[] {
        return this._routes.map((r) => r.layer);
    }

    /**
     * Adds a layer on top of the existing ones. Its channels must all be in one space the avatar can be reached
     * from; channels the avatar lacks raise an {@link AnimationChannelError} here, not during playback.
     * @param options name, channels, weight, mode, mask, map
     * @returns the layer
     */
    public addLayer(options: AddLayerOptions): AnimatorLayer {
        if (this._routes.some((r) => r.layer.name === options.name)) {
            throw new AnimationChannelError("invalid-clip", `layer "${options.name}"`, "a layer of that name exists");
        }
        const layer = new AnimatorLayer(options);
        this._routes.push(this._route(layer, options.map));
        return layer;
    }

    /**
     * A layer by name.
     * @param name layer name
     * @returns the layer or undefined
     */
    public getLayer(name: string): AnimatorLayer | undefined {
        return this._routes.find((r) => r.layer.name === name)?.layer;
    }

    /**
     * Removes and disposes a layer.
     * @param layer the layer
     */
    public removeLayer(layer: AnimatorLayer): void {
        const i = this._routes.findIndex((r) => r.layer === layer);
        if (i >= 0) {
            this._routes.splice(i, 1);
            this._fades = this._fades.filter((f) => f.layer !== layer);
            layer.dispose();
        }
    }

    /**
     * Moves a layer's weight to a value over time (linear).
     * @param layer the layer
     * @param weight target weight
     * @param seconds duration (0: at once)
     */
    public fadeLayer(layer: AnimatorLayer, weight: number, seconds: number): void {
        this._fades = this._fades.filter((f) => f.layer !== layer);
        if (!(seconds > 0)) {
            layer.weight = weight;
            return;
        }
        this._fades.push({ layer, from: layer.weight, to: weight, duration: seconds, elapsed: 0 });
    }

    /**
     * Cross-fades from one layer to another: `from` goes to weight 0 while `to` goes to 1.
     * @param from layer fading out
     * @param to layer fading in
     * @param seconds duration
     */
    public crossFade(from: AnimatorLayer, to: AnimatorLayer, seconds: number): void {
        this.fadeLayer(from, 0, seconds);
        this.fadeLayer(to, 1, seconds);
    }

    /**
     * The blended value of a channel after the last evaluation.
     * @param channel a channel of one of the avatar's spaces
     * @returns the value, or undefined
     */
    public getChannel(channel: string): number | undefined {
        for (let s = 0; s < this._target.stages.length; s++) {
            const slot = this._target.stages[s].layout.indexOf(channel);
            if (slot >= 0) {
                return this._stageValues[s][slot];
            }
        }
        return undefined;
    }

    /**
     * Blends all layers and writes the avatar if the result changed (called before each frame while attached).
     * @param deltaSeconds time since the last evaluation, for fades
     * @returns true when the avatar's values changed
     */
    public evaluate(deltaSeconds = 0): boolean {
        this._advanceFades(deltaSeconds);
        const stages = this._target.stages;
        for (let s = 0; s < stages.length; s++) {
            const values = this._stageValues[s];
            values.fill(0);
            if (s > 0) {
                const link = this._links[s - 1];
                const previous = this._stageValues[s - 1];
                for (let i = 0; i < link.sourceSlots.length; i++) {
                    link.input[i] = link.sourceSlots[i] >= 0 ? previous[link.sourceSlots[i]] : 0;
                }
                link.map.apply(link.input, link.output);
                for (let j = 0; j < link.targetSlots.length; j++) {
                    values[link.targetSlots[j]] = link.output[j];
                }
            }
            for (const route of this._routes) {
                if (route.stage === s && route.layer.enabled && route.layer.weight > 0) {
                    this._blend(route, values);
                }
            }
            const limits = stages[s].limits;
            for (let i = 0; i < values.length; i++) {
                const v = values[i];
                values[i] = Number.isFinite(v) ? Math.min(limits[i], Math.max(-limits[i], v)) : 0;
            }
        }
        const poseChanged = this._target.writePose?.(this._stageValues) ?? false;
        const final = this._stageValues[stages.length - 1];
        if (this._hasWritten && AvatarAnimator._Equal(final, this._written)) {
            if (poseChanged) {
                this.onEvaluatedObservable.notifyObservers(this);
            }
            return poseChanged;
        }
        this._written.set(final);
        this._hasWritten = true;
        this._target.write(this._stageValues);
        this.writeCount++;
        this.onEvaluatedObservable.notifyObservers(this);
        return true;
    }

    /** Behavior hook. */
    public init(): void {}

    /**
     * Behavior hook: starts evaluating before each frame, ahead of the avatar's own upload.
     * @param target the avatar's mesh
     */
    public attach(target: AbstractMesh): void {
        if (target !== this._target.mesh) {
            throw new AnimationChannelError("no-route", "AvatarAnimator", `attach it to its avatar's mesh "${this._target.mesh.name}", not "${target.name}"`);
        }
        this.detach();
        this._attached = target;
        this._scene = target.getScene();
        const engine = this._scene.getEngine();
        // Inserted first so that the avatar's own before-render update sees this frame's values.
        this._observer = this._scene.onBeforeRenderObservable.add(() => this.evaluate(engine.getDeltaTime() / 1000), undefined, true);
        // Its layers' clips are scene animation groups that drive only this avatar: they go with its mesh.
        this._meshDisposed = target.onDisposeObservable.addOnce(() => this.dispose());
    }

    /** Behavior hook: stops evaluating (disposing the avatar's mesh disposes the animator, see {@link dispose}). */
    public detach(): void {
        if (this._scene && this._observer) {
            this._scene.onBeforeRenderObservable.remove(this._observer);
        }
        this._observer = null;
        this._attached?.onDisposeObservable.remove(this._meshDisposed);
        this._meshDisposed = null;
        this._scene = null;
        this._attached = null;
    }

    /** The mesh this behavior is attached to. */
    public get attachedNode(): AbstractMesh | null {
        return this._attached;
    }

    /** Detaches (removing the behavior from the mesh) and disposes every layer and its animation groups. */
    public dispose(): void {
        if (this._attached && !this._attached.isDisposed()) {
            this._attached.removeBehavior(this);
        }
        this.detach();
        for (const route of this._routes) {
            route.layer.dispose();
        }
        this._routes.length = 0;
        this._fades.length = 0;
        this.onEvaluatedObservable.clear();
    }

    private _route(layer: AnimatorLayer, map: RetargetMap | undefined): LayerRoute {
        const names = layer.layout.names;
        const spaces = new Set(names.map(channelSpace));
        if (spaces.has(null) || spaces.size !== 1) {
            throw new AnimationChannelError(
                "no-route",
                `layer "${layer.name}"`,
                `channels must all be in one of the spaces arkit/, flame/, gem/ (found ${[...spaces].map(String).join(", ")})`
            );
        }
        const space = [...spaces][0]!;
        let route = map;
        if (!route) {
            if (space === "arkit" && !this._target.stages.some((stage) => stage.space === "arkit")) {
                route = this._arkitMap;
            } else {
                const stage = this._target.stages[stageOfSpace(this._target, space, layer.name)];
                const missing = names.filter((n) => !stage.layout.has(n));
                if (missing.length > 0) {
                    throw new AnimationChannelError(
                        "unknown-channel",
                        `layer "${layer.name}"`,
                        `${missing.length} channel(s) the avatar does not have: ${missing.slice(0, 6).join(", ")}`,
                        missing
                    );
                }
                route = RetargetMap.Identity(names, `${layer.name} (identity)`);
            }
        }
        const targetSpace = channelSpace(route.target[0] ?? "");
        if (!targetSpace) {
            throw new AnimationChannelError("no-route", route.name, "the map drives no channel of a known space");
        }
        const stageIndex = stageOfSpace(this._target, targetSpace, layer.name);
        const { sourceSlots, targetSlots } = route.bind(layer.layout, this._target.stages[stageIndex].layout);
        if (sourceSlots.every((s) => s < 0)) {
            throw new AnimationChannelError("no-route", `layer "${layer.name}"`, `map "${route.name}" reads none of the layer's channels`, names);
        }
        return {
            layer,
            stage: stageIndex,
            map: route,
            sourceSlots,
            targetSlots,
            input: new Float32Array(route.source.length),
            output: new Float32Array(route.target.length),
            mask: null,
            maskVersion: -1,
            ownMap: map !== undefined,
        };
    }

    private _blend(route: LayerRoute, values: Float32Array): void {
        const { layer, map, sourceSlots, targetSlots, input, output } = route;
        for (let i = 0; i < sourceSlots.length; i++) {
            input[i] = sourceSlots[i] >= 0 ? layer.values[sourceSlots[i]] : 0;
        }
        map.apply(input, output);
        if (route.maskVersion !== layer.maskVersion) {
            route.mask = layer.mask ? this._target.stages[route.stage].layout.mask(layer.mask) : null;
            route.maskVersion = layer.maskVersion;
        }
        const mask = route.mask;
        const additive = layer.mode === "additive";
        for (let j = 0; j < targetSlots.length; j++) {
            const slot = targetSlots[j];
            const a = layer.weight * (mask ? mask[slot] : 1);
            if (a === 0) {
                continue;
            }
            values[slot] += additive ? a * (output[j] - map.bias[j]) : a * (output[j] - values[slot]);
        }
    }

    private _advanceFades(deltaSeconds: number): void {
        if (this._fades.length === 0 || !(deltaSeconds > 0)) {
            return;
        }
        for (const fade of this._fades) {
            fade.elapsed = Math.min(fade.duration, fade.elapsed + deltaSeconds);
            fade.layer.weight = fade.from + (fade.to - fade.from) * (fade.elapsed / fade.duration);
        }
        // Finished fades leave the list in place (no new array per frame).
        let kept = 0;
        for (const fade of this._fades) {
            if (fade.elapsed < fade.duration) this._fades[kept++] = fade;
        }
        this._fades.length = kept;
    }

    private static _Equal(a: Float32Array, b: Float32Array): boolean {
        for (let i = 0; i < a.length; i++) {
            if (a[i] !== b[i]) {
                return false;
            }
        }
        return true;
    }
}
