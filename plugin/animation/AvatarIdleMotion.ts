import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { IdleMotionChannels, IdleMotionGenerator, type IdleMotionOptions } from "../../core/animation/IdleMotion.js";
import type { FaceTrackingState } from "../../core/tracking/TrackingSupervisor.js";
import type { AnimatorLayer } from "./AnimatorLayer.js";
import type { AvatarAnimator } from "./AvatarAnimator.js";

/**
 * Living idle motion on an avatar nobody drives: blinks, saccades, small head motion and breathing
 * ({@link IdleMotionGenerator}), written each frame to an animator layer named `idle` over the ARKit eye and head
 * channels the avatar has. Seeded (two avatars with other seeds never blink together) and switchable (`enabled`).
 */
export class AvatarIdleMotion {
    /** Raised once when disposed. */
    public readonly onDisposeObservable = new Observable<AvatarIdleMotion>();
    /** The generator (its `lookAt` turns the eyes and head toward a speaker). */
    public readonly generator: IdleMotionGenerator;
    /** The animator layer it writes. */
    public readonly layer: AnimatorLayer;
    /** Whether it moves (a disabled idle motion holds its last values; its layer can be faded out). */
    public enabled = true;
    private readonly _animator: AvatarAnimator;
    private readonly _slots: Int32Array;
    private _scene: Scene | null = null;
    private _observer: Observer<Scene> | null = null;
    private _disposed = false;

    /**
     * Adds the idle motion to an avatar's animator (a layer named `idle`, added where it is called: layers added later
     * override it on the channels they share).
     * @param animator the avatar's animator
     * @param options seed, rates and amplitudes
     * @returns the idle motion, stepped before each frame
     */
    public static Attach(animator: AvatarAnimator, options: IdleMotionOptions & { name?: string } = {}): AvatarIdleMotion {
        return new AvatarIdleMotion(animator, options);
    }

    private constructor(animator: AvatarAnimator, options: IdleMotionOptions & { name?: string }) {
        this._animator = animator;
        this.generator = new IdleMotionGenerator(options);
        const available = new Set(animator.channelsOf("arkit"));
        const channels = IdleMotionChannels.filter((channel) => available.has(channel));
        this.layer = animator.addLayer({ name: options.name ?? "idle", channels });
        this._slots = Int32Array.from(channels, (channel) => IdleMotionChannels.indexOf(channel));
        const scene = animator.avatar.mesh.getScene();
        this._scene = scene;
        // Before the animator evaluates (it is inserted first when attached; this goes in front of it).
        this._observer = scene.onBeforeRenderObservable.add(() => this.update(scene.getEngine().getDeltaTime() / 1000), undefined, true);
    }

    /** @returns "AvatarIdleMotion" */
    public getClassName(): string {
        return "AvatarIdleMotion";
    }

    /** @returns whether {@link dispose} was called */
    public isDisposed(): boolean {
        return this._disposed;
    }

    /**
     * Steps the motion and writes its layer (called before each frame; call it yourself to drive it from your clock).
     * @param deltaSeconds time since the last step
     */
    public update(deltaSeconds: number): void {
        if (!this.enabled || this._disposed) return;
        const values = this.generator.step(deltaSeconds);
        const out = this.layer.values;
        for (let i = 0; i < this._slots.length; i++) out[i] = values[this._slots[i]];
    }

    /** Stops stepping and removes the layer from the animator. */
    public dispose(): void {
        if (this._disposed) return;
        this._disposed = true;
        this.onDisposeObservable.notifyObservers(this);
        this.onDisposeObservable.clear();
        this._scene?.onBeforeRenderObservable.remove(this._observer);
        this._observer = null;
        this._scene = null;
        if (this._animator.layers.includes(this.layer)) this._animator.removeLayer(this.layer);
    }
}

/** Who drives the avatar now. */
export type LiveDriverState = "tracker" | "voice" | "idle" | "none";

/** A camera face tracker as the blend reads it (a `FaceTracker`). */
export interface LiveTrackerSource {
    /** Its state: it drives while `tracking`. */
    readonly state: FaceTrackingState;
    /** The layer it writes. */
    readonly layer: AnimatorLayer | null;
}

/** A voice driver as the blend reads it: its mouth and jaw layer, and whether it hears speech. */
export interface LiveVoiceSource {
    /** Whether voice activity is detected now. */
    readonly active: boolean;
    /** The layer it writes (mouth and jaw channels). */
    readonly layer: AnimatorLayer | null;
}

/** Options of {@link LiveDriverBlend}. */
export interface LiveDriverBlendOptions {
    /** The face tracker; while it follows a face it drives everything. */
    tracker?: LiveTrackerSource | null;
    /** A voice driver; without a tracked face, it drives the mouth while it hears speech. */
    voice?: LiveVoiceSource | null;
    /** Idle motion; without a tracked face, it drives the eyes and head. */
    idle?: AvatarIdleMotion | null;
    /** Cross-fade time between drivers, seconds (default 0.3). */
    fadeSeconds?: number;
}

/**
 * Arbitrates an avatar's live drivers: the camera tracker wins while it follows a face; when it loses the face, the
 * voice (mouth) and the idle motion (eyes, head) take over, cross-faded; the state is reported.
 */
export class LiveDriverBlend {
    /** Raised when the driving state changes. */
    public readonly onStateChangedObservable = new Observable<LiveDriverState>();
    /** Raised once when disposed. */
    public readonly onDisposeObservable = new Observable<LiveDriverBlend>();
    private readonly _animator: AvatarAnimator;
    private readonly _options: LiveDriverBlendOptions;
    private _state: LiveDriverState | null = null;
    private _scene: Scene | null;
    private _observer: Observer<Scene> | null;
    private _disposed = false;

    /**
     * Starts arbitrating (before each frame).
     * @param animator the avatar's animator, holding the sources' layers
     * @param options the sources and the fade time
     */
    constructor(animator: AvatarAnimator, options: LiveDriverBlendOptions) {
        this._animator = animator;
        this._options = options;
        const scene = animator.avatar.mesh.getScene();
        this._scene = scene;
        this._observer = scene.onBeforeRenderObservable.add(() => this.update(), undefined, true);
        this.update();
    }

    /** Who drives now. */
    public get state(): LiveDriverState {
        return this._state ?? "none";
    }

    /** @returns "LiveDriverBlend" */
    public getClassName(): string {
        return "LiveDriverBlend";
    }

    /** @returns whether {@link dispose} was called */
    public isDisposed(): boolean {
        return this._disposed;
    }

    /** Reads the sources and starts the cross-fades a change needs (called before each frame). */
    public update(): void {
        if (this._disposed) return;
        const { tracker, voice, idle } = this._options;
        const tracking = tracker?.state === "tracking" && tracker.layer !== null;
        const speaking = !tracking && voice?.active === true && voice.layer !== null;
        const state: LiveDriverState = tracking ? "tracker" : speaking ? "voice" : idle ? "idle" : "none";
        if (state === this._state) return;
        const fade = this._options.fadeSeconds ?? 0.3;
        // The first state is taken at once; later ones cross-fade.
        const seconds = this._state === null ? 0 : fade;
        if (tracker?.layer) this._animator.fadeLayer(tracker.layer, tracking ? 1 : 0, seconds);
        if (voice?.layer) this._animator.fadeLayer(voice.layer, speaking ? 1 : 0, seconds);
        if (idle) this._animator.fadeLayer(idle.layer, tracking ? 0 : 1, seconds);
        this._state = state;
        this.onStateChangedObservable.notifyObservers(state);
    }

    /** Stops arbitrating (the layers keep their weights). */
    public dispose(): void {
        if (this._disposed) return;
        this._disposed = true;
        this.onDisposeObservable.notifyObservers(this);
        this.onDisposeObservable.clear();
        this._scene?.onBeforeRenderObservable.remove(this._observer);
        this._observer = null;
        this._scene = null;
        this.onStateChangedObservable.clear();
    }
}
