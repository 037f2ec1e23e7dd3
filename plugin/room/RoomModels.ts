import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { RoomError } from "../../core/errors/RoomError.js";
import { PersonalModelPrefix, personalModelHash } from "../../core/room/personalModel.js";
import { GemAvatar } from "../GemAvatar.js";

export { PersonalModelPrefix } from "../../core/room/personalModel.js";

/** Hex digest of bytes (Web Crypto, in browsers and Node). */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as unknown as BufferSource));
    let hex = "";
    for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
    return hex;
}

/**
 * Personal avatars in rooms: a participant uploads its own `.gem` once to the room server and joins with the model id
 * this gives (`sha256:<hex>`) in its stream descriptor; peers fetch the model by that id, check its hash and load it with
 * the package's `.gem` loader before drawing it. Models are cached by hash, so each peer fetches one model once however
 * many rooms or participants use it.
 */
export class RoomModels {
    private readonly _serverUrl: string;
    private readonly _token: string;
    private readonly _bytes = new Map<string, Promise<Uint8Array>>();
    /** Bytes fetched from the server so far. */
    public bytesFetched = 0;

    /**
     * @param serverUrl the room server's URL
     * @param token a room token of this participant (models are served to holders of a room token)
     */
    constructor(serverUrl: string, token: string) {
        this._serverUrl = serverUrl.replace(/\/$/, "");
        this._token = token;
    }

    /**
     * Whether a model id names a personal model.
     * @param modelId a stream descriptor's model id
     * @returns true for `sha256:<64 hex digits>`
     */
    public static IsPersonalModelId(modelId: string): boolean {
        return personalModelHash(modelId) !== null;
    }

    /**
     * The model id of a `.gem` file: `sha256:` and its SHA-256.
     * @param bytes the file
     * @returns the id
     */
    public static async ModelIdAsync(bytes: Uint8Array): Promise<string> {
        return `${PersonalModelPrefix}${await sha256Hex(bytes)}`;
    }

    /**
     * Uploads this participant's own `.gem` to the room named in the token (once: a second, different model is refused).
     * The server checks its size, its hash and that the `.gem` loader reads it.
     * @param bytes the file
     * @returns the model id to put in the stream descriptor
     * @throws RoomError `invalid-model` with the server's reason (too large, not a `.gem`, a second model),
     * `unavailable`, `invalid-token` or `connection`
     */
    public async uploadAsync(bytes: Uint8Array): Promise<string> {
        const modelId = await RoomModels.ModelIdAsync(bytes);
        let response: Response;
        try {
            response = await fetch(`${this._serverUrl}/room/models/${modelId.slice(PersonalModelPrefix.length)}`, {
                method: "PUT",
                headers: { Authorization: `Bearer ${this._token}`, "Content-Type": "application/octet-stream" },
                body: bytes as unknown as BodyInit,
            });
        } catch (error) {
            throw new RoomError("connection", this._serverUrl, `the model upload failed: ${(error as Error).message}`, { cause: error });
        }
        if (response.ok) {
            // The bytes are known here: peers in this page need not fetch them.
            this._bytes.set(modelId, Promise.resolve(bytes));
            return modelId;
        }
        const answer = (await response.json().catch(() => ({}))) as { code?: string; error?: string };
        const code = answer.code === "invalid-token" ? "invalid-token" : answer.code === "unavailable" ? "unavailable" : "invalid-model";
        throw new RoomError(code, this._serverUrl, `the server refused the model (${answer.code ?? response.status}): ${answer.error ?? response.statusText}`);
    }

    /**
     * A personal model's bytes, fetched once per id and checked against it.
     * @param modelId `sha256:<hex>`
     * @returns the file
     * @throws RoomError `invalid-model` when the id is not a personal model id or the bytes do not match it
     */
    public fetchAsync(modelId: string): Promise<Uint8Array> {
        let bytes = this._bytes.get(modelId);
        if (!bytes) {
            bytes = this._fetch(modelId);
            this._bytes.set(modelId, bytes);
            // A failed fetch may be tried again later.
            bytes.catch(() => this._bytes.delete(modelId));
        }
        return bytes;
    }

    /**
     * A participant's personal avatar: the model fetched by hash and imported through Babylon's scene loader with the
     * package's `.gem` loader (registered as for any `.gem`: `RegisterGemAvatarLoaders()`, or the package's default
     * entry), so it passes the same checks as `ImportMeshAsync("avatar.gem", scene)`.
     * @param modelId `sha256:<hex>`
     * @param scene the scene
     * @param options mesh name and handedness (default: named after the id, converted to the scene's handedness)
     * @returns the avatar
     * @throws RoomError `invalid-model` (its `cause` is the loader's GemFormatError) when it does not load
     */
    public async importAvatarAsync(modelId: string, scene: Scene, options: { name?: string } = {}): Promise<GemAvatar> {
        const bytes = await this.fetchAsync(modelId);
        let avatar: GemAvatar | null = null;
        try {
            const result = await ImportMeshAsync(bytes, scene, { pluginExtension: ".gem", name: options.name ?? modelId });
            avatar = GemAvatar.FromMesh(result.meshes[0]);
        } catch (error) {
            const inner = (error as { innerError?: unknown }).innerError ?? error;
            throw new RoomError("invalid-model", modelId, `the model does not load: ${(inner as Error).message}`, { cause: inner });
        }
        if (!avatar) throw new RoomError("invalid-model", modelId, "the .gem loader is not registered (RegisterGemAvatarLoaders())");
        return avatar;
    }

    private async _fetch(modelId: string): Promise<Uint8Array> {
        if (!RoomModels.IsPersonalModelId(modelId)) throw new RoomError("invalid-model", modelId, "not a personal model id (sha256: and 64 hex digits)");
        let response: Response;
        try {
            response = await fetch(`${this._serverUrl}/room/models/${modelId.slice(PersonalModelPrefix.length)}`, { headers: { Authorization: `Bearer ${this._token}` } });
        } catch (error) {
            throw new RoomError("connection", this._serverUrl, `the model fetch failed: ${(error as Error).message}`, { cause: error });
        }
        if (!response.ok) throw new RoomError(response.status === 404 ? "invalid-model" : "unavailable", modelId, `the server answered ${response.status}`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        this.bytesFetched += bytes.byteLength;
        if ((await RoomModels.ModelIdAsync(bytes)) !== modelId) throw new RoomError("invalid-model", modelId, "the bytes do not match the model id");
        return bytes;
    }

    /** @returns "RoomModels" */
    public getClassName(): string {
        return "RoomModels";
    }
}
