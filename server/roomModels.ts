/**
 * Personal avatar models in rooms: a participant uploads its own `.gem` once (`PUT /room/models/<sha256>`), the server
 * checks its hash, its size and that the package's own loader reads it, and keeps it by hash where every server process
 * finds it (Redis, or this process's memory without Redis). Peers fetch it by hash (`GET /room/models/<sha256>`), check
 * the hash and load it with the same loader before drawing it. The stream descriptor names it as `sha256:<hex>`.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { GemFormatError } from "../core/errors/GemFormatError.js";
import { PersonalModelPrefix } from "../core/room/personalModel.js";
import { parseGemFile } from "../loaders/gem/gemContainer.js";

/** Why an upload was refused: stable codes for the client. */
export type ModelRefusalCode = "invalid-model" | "model-too-large" | "hash-mismatch" | "one-model-per-participant" | "unavailable";

/** A refused upload. */
export class ModelRefusal extends Error {
    /** HTTP status. */
    public readonly status: number;
    /** Stable code. */
    public readonly code: ModelRefusalCode;
    /** The loader's error when the model did not load: file, field, expected, found. */
    public readonly format: { field: string; expected: string; actual: string } | null;

    /**
     * @param status HTTP status
     * @param code stable code
     * @param message what was wrong
     * @param format the loader's typed error, when that was the reason
     */
    constructor(status: number, code: ModelRefusalCode, message: string, format: GemFormatError | null = null) {
        super(message);
        this.name = "ModelRefusal";
        this.status = status;
        this.code = code;
        this.format = format ? { field: format.field, expected: format.expected, actual: format.actual } : null;
    }
}

/** Limits of personal models. */
export interface RoomModelLimits {
    /** Largest model, bytes (default 8 MiB). */
    maxModelBytes: number;
    /** Most Gaussians of a model (default 200,000). */
    maxModelGaussians: number;
    /** How long a model is kept after its upload, seconds (default a day). */
    modelTtlSeconds: number;
}

/**
 * Checks a model as peers will load it: the package's own `.gem` loader, within the size limits.
 * @param bytes the file
 * @param hash its SHA-256, as named in the upload
 * @param limits size limits
 * @throws ModelRefusal naming what is wrong
 */
export function validatePersonalModel(bytes: Uint8Array, hash: string, limits: RoomModelLimits): void {
    if (bytes.byteLength > limits.maxModelBytes) {
        throw new ModelRefusal(413, "model-too-large", `the model has ${bytes.byteLength} bytes, over the room's ${limits.maxModelBytes}`);
    }
    const found = createHash("sha256").update(bytes).digest("hex");
    if (found !== hash) throw new ModelRefusal(400, "hash-mismatch", `the model's SHA-256 is ${found}, not ${hash}`);
    try {
        const model = parseGemFile(bytes, `${PersonalModelPrefix}${hash}`);
        if (model.gaussianCount > limits.maxModelGaussians) {
            throw new ModelRefusal(413, "model-too-large", `the model has ${model.gaussianCount} Gaussians, over the room's ${limits.maxModelGaussians}`);
        }
    } catch (error) {
        if (error instanceof ModelRefusal) throw error;
        if (error instanceof GemFormatError) throw new ModelRefusal(422, "invalid-model", error.message, error);
        throw new ModelRefusal(422, "invalid-model", "the model could not be read as a .gem");
    }
}

/** Where models live. */
export interface RoomModelStore {
    /**
     * Keeps a participant's model; a participant has one model per room (the same bytes may be uploaded again).
     * @returns false when the participant uploaded another model already
     */
    put(room: string, participant: string, hash: string, bytes: Uint8Array, ttlSeconds: number): Promise<boolean>;
    /** A model by hash, or null. */
    get(hash: string): Promise<Uint8Array | null>;
    /** The hash of the model a participant uploaded to a room, or null. */
    ownerHash(room: string, participant: string): Promise<string | null>;
}

/** Models in Redis: uploaded to one process, found by all. */
export class RedisModelStore implements RoomModelStore {
    private readonly _redis: Redis;

    /**
     * @param redis a connected client
     */
    constructor(redis: Redis) {
        this._redis = redis;
    }

    public async put(room: string, participant: string, hash: string, bytes: Uint8Array, ttlSeconds: number): Promise<boolean> {
        const owner = `gem-room:{${room}}:model-of:${participant}`;
        const set = await this._redis.set(owner, hash, "EX", ttlSeconds, "NX");
        if (set === null && (await this._redis.get(owner)) !== hash) return false;
        await this._redis.set(`gem-room:model:${hash}`, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), "EX", ttlSeconds);
        return true;
    }

    public async get(hash: string): Promise<Uint8Array | null> {
        const bytes = await this._redis.getBuffer(`gem-room:model:${hash}`);
        return bytes ? new Uint8Array(bytes) : null;
    }

    public async ownerHash(room: string, participant: string): Promise<string | null> {
        return this._redis.get(`gem-room:{${room}}:model-of:${participant}`);
    }
}

/** Models in this process's memory (no Redis), at most `maxTotalBytes` in all (the oldest go first). */
export class LocalModelStore implements RoomModelStore {
    private readonly _models = new Map<string, { bytes: Uint8Array; expiry: number }>();
    private readonly _owners = new Map<string, { hash: string; expiry: number }>();
    private readonly _maxTotalBytes: number;
    private _totalBytes = 0;

    /**
     * @param maxTotalBytes most bytes kept (default 256 MiB)
     */
    constructor(maxTotalBytes = 256 * 1024 * 1024) {
        this._maxTotalBytes = maxTotalBytes;
    }

    public async put(room: string, participant: string, hash: string, bytes: Uint8Array, ttlSeconds: number): Promise<boolean> {
        const now = Date.now();
        const key = `${room}\u0000${participant}`;
        const owner = this._owners.get(key);
        if (owner && owner.expiry > now && owner.hash !== hash) return false;
        const expiry = now + ttlSeconds * 1000;
        this._owners.set(key, { hash, expiry });
        if (this._owners.size > 100_000) {
            for (const [other, entry] of this._owners) if (entry.expiry <= now) this._owners.delete(other);
        }
        const kept = this._models.get(hash);
        if (kept) {
            kept.expiry = Math.max(kept.expiry, expiry);
        } else {
            this._models.set(hash, { bytes: bytes.slice(), expiry });
            this._totalBytes += bytes.byteLength;
        }
        for (const [other, model] of this._models) {
            if (this._totalBytes <= this._maxTotalBytes && model.expiry > now) break;
            if (other === hash) continue;
            this._models.delete(other);
            this._totalBytes -= model.bytes.byteLength;
        }
        return true;
    }

    public async get(hash: string): Promise<Uint8Array | null> {
        const model = this._models.get(hash);
        return model && model.expiry > Date.now() ? model.bytes : null;
    }

    public async ownerHash(room: string, participant: string): Promise<string | null> {
        const owner = this._owners.get(`${room}\u0000${participant}`);
        return owner && owner.expiry > Date.now() ? owner.hash : null;
    }
}
