import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { AnimatableAvatar } from "../animation/animatedTargets.js";
import type { AnimatorLayer } from "../animation/AnimatorLayer.js";
import { AvatarAnimator } from "../animation/AvatarAnimator.js";
import type { RemoteParticipant } from "../../core/room/RemoteParticipant.js";
import type { RoomClient } from "./RoomClient.js";

/** A remote participant shown in the scene. */
export interface RoomAvatar {
    /** The participant. */
    participant: RemoteParticipant;
    /** Its avatar, created by `createAvatar`. */
    avatar: AnimatableAvatar;
    /** The animator driving it. */
    animator: AvatarAnimator;
    /** The animator layer the participant's stream writes (named `room`). */
    layer: AnimatorLayer;
}

/** Options of a {@link RoomPresence}. */
export interface RoomPresenceOptions {
    /**
     * Creates (loads, places) the avatar of a participant from its descriptor's model id; return null to show nobody
     * (an unknown model). The presence disposes what it returns when the participant leaves.
     */
    createAvatar: (participant: RemoteParticipant) => Promise<AnimatableAvatar | null> | AnimatableAvatar | null;
    /**
     * Creates the avatar shown when `createAvatar` fails (a personal model that does not load: `RoomModels.loadAsync`
     * throws a `RoomError` `invalid-model`), typically a shipped head; without it nobody is shown. The error is also
     * raised on {@link RoomPresence.onAvatarErrorObservable}.
     */
    createFallbackAvatar?: (participant: RemoteParticipant, error: unknown) => Promise<AnimatableAvatar | null> | AnimatableAvatar | null;
    /** Animator whose blended channels this participant publishes (omit to only watch). */
    localAnimator?: AvatarAnimator | null;
    /** Dispose the client with the presence (default false). */
    disposeClient?: boolean;
}

/**
 * Babylon glue of a room: one avatar per remote participant, each driven through an AvatarAnimator layer from the
 * participant's jitter buffer every frame, and this participant's animator published at the stream's frame rate.
 */
export class RoomPresence {
    /** Raised once when the presence is disposed. */
    public readonly onDisposeObservable = new Observable<RoomPresence>();

    /** Raised when a remote participant's avatar is in the scene. */
    public readonly onAvatarAddedObservable = new Observable<RoomAvatar>();
    /** Raised before a remote participant's avatar is disposed. */
    public readonly onAvatarRemovedObservable = new Observable<RoomAvatar>();
    /** Raised when a participant's avatar could not be created (its fallback, if any, is shown instead). */
    public readonly onAvatarErrorObservable = new Observable<{ participant: RemoteParticipant; error: unknown }>();
    /** The room connection. */
    public readonly client: RoomClient;
    private readonly _options: RoomPresenceOptions;
    private readonly _avatars = new Map<string, RoomAvatar>();
    private readonly _pending = new Set<RemoteParticipant>();
    private readonly _observers: { observable: Observable<never>; observer: Observer<never> }[] = [];
    private readonly _publishValues: Float32Array;
    private _lastPublish = -Infinity;
    private _disposed = false;

    /**
     * Shows the room's participants in a scene.
     * @param scene the scene
     * @param client a connected room client
     * @param options avatar factory, local animator
     */
    constructor(scene: Scene, client: RoomClient, options: RoomPresenceOptions) {
        this.client = client;
        this._options = options;
        this._publishValues = new Float32Array(client.descriptor.channels.length);
        this._observe(client.onParticipantJoinedObservable, (participant) => void this._add(participant));
        this._observe(client.onParticipantLeftObservable, (participant) => this._remove(participant));
        // Before animations, so that every animator of this frame blends the values sampled now.
        this._observe(scene.onBeforeAnimationsObservable, () => this._sample());
        if (options.localAnimator) {
            // After the local animator has evaluated this frame.
            this._observe(scene.onAfterRenderObservable, () => this._publish());
        }
        for (const participant of client.participants.values()) void this._add(participant);
    }

    /** Avatars of the remote participants by participant id. */
    public get avatars(): ReadonlyMap<string, RoomAvatar> {
        return this._avatars;
    }

    /** @returns "RoomPresence" */
    public getClassName(): string {
        return "RoomPresence";
    }

    /** @returns whether {@link dispose} was called */
    public isDisposed(): boolean {
        return this._disposed;
    }

    /** Removes every avatar and observer (and the client if `disposeClient`). */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this._disposed = true;
        this.onDisposeObservable.notifyObservers(this);
        this.onDisposeObservable.clear();
        for (const { observable, observer } of this._observers) observable.remove(observer);
        this._observers.length = 0;
        for (const participant of [...this._avatars.values()].map((entry) => entry.participant)) this._remove(participant);
        this._pending.clear();
        this.onAvatarAddedObservable.clear();
        this.onAvatarRemovedObservable.clear();
        this.onAvatarErrorObservable.clear();
        if (this._options.disposeClient) this.client.dispose();
    }

    private _observe<T>(observable: Observable<T>, callback: (value: T) => void): void {
        const observer = observable.add(callback);
        if (observer) this._observers.push({ observable: observable as unknown as Observable<never>, observer: observer as unknown as Observer<never> });
    }

    private async _add(participant: RemoteParticipant): Promise<void> {
        this._pending.add(participant);
        let avatar: AnimatableAvatar | null;
        try {
            avatar = await this._options.createAvatar(participant);
        } catch (error) {
            this.onAvatarErrorObservable.notifyObservers({ participant, error });
            avatar = this._options.createFallbackAvatar ? await this._options.createFallbackAvatar(participant, error) : null;
        }
        const current = this.client.participants.get(participant.participant);
        if (!this._pending.delete(participant) || this._disposed || current !== participant) {
            avatar?.dispose();
            return;
        }
        if (!avatar) return;
        const animator = AvatarAnimator.Attach(avatar);
        let layer: AnimatorLayer;
        try {
            layer = animator.addLayer({ name: "room", channels: participant.descriptor.channels });
        } catch (error) {
            // The avatar cannot be driven by the participant's channels (an AnimationChannelError): nobody is shown.
            this.onAvatarErrorObservable.notifyObservers({ participant, error });
            avatar.dispose();
            return;
        }
        const entry: RoomAvatar = { participant, avatar, animator, layer };
        this._avatars.set(participant.participant, entry);
        this.onAvatarAddedObservable.notifyObservers(entry);
    }

    private _remove(participant: RemoteParticipant): void {
        this._pending.delete(participant);
        const entry = this._avatars.get(participant.participant);
        if (!entry || entry.participant !== participant) return;
        this._avatars.delete(participant.participant);
        this.onAvatarRemovedObservable.notifyObservers(entry);
        entry.animator.dispose();
        entry.avatar.dispose();
    }

    private _sample(): void {
        this.client.sample();
        for (const entry of this._avatars.values()) {
            if (entry.participant.hasValues) entry.layer.values.set(entry.participant.values);
        }
    }

    private _publish(): void {
        const now = performance.now();
        // A little slack so that a 60 Hz render loop publishes every other frame at 30 fps, not every third.
        if (now - this._lastPublish < 1000 / this.client.descriptor.frameRate - 4) return;
        this._lastPublish = now;
        const animator = this._options.localAnimator!;
        const channels = this.client.descriptor.channels;
        for (let i = 0; i < channels.length; i++) this._publishValues[i] = animator.getChannel(channels[i]) ?? 0;
        this.client.publish(this._publishValues, now);
    }
}
