/**
 * Personal avatars in rooms, on loopback: two room servers on one Redis. A participant uploads its own `.gem` to one
 * process and joins with its `sha256:` id; a peer on the other process fetches it by hash (once), checks it and draws
 * it. Bad models are refused for everyone with a typed error, and the participant joins with a shipped head instead.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomError } from "../../core/errors/RoomError.js";
import { createStreamDescriptor } from "../../core/room/expressionStream.js";
import { arkitChannelNames } from "../../core/animation/channelNames.js";
import { parseGemFile, serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { RegisterGemAvatarLoaders } from "../../loaders/dynamic.js";
import { GemAvatar } from "../../plugin/GemAvatar.js";
import { RoomClient } from "../../plugin/room/RoomClient.js";
import { RoomModels } from "../../plugin/room/RoomModels.js";
import { RoomPresence } from "../../plugin/room/RoomPresence.js";
import { RoomServer } from "../../server/RoomServer.js";
import { createRandomModel } from "../../tools/synthetic/syntheticModels.js";
import { freePort, startRedis, stop } from "../../tools/services/processes.js";
import { useNullEngineScene } from "../support/nullEngineScene.js";
import { waitFor } from "../support/waitFor.js";

const secret = "e3b7a1c90d4f28566a0c1e9b7d3f2a48";
const makeScene = useNullEngineScene();

function personalGem(gaussianCount: number, seed: number): Uint8Array {
    const model = createRandomModel({ gaussianCount, components: { position: 4, opacity: 1, scale: 2, rotation: 2 }, seed });
    const inputs = arkitChannelNames(false).map((name) => name.slice("arkit/".length));
    const matrix = new Float32Array(model.totalComponents * inputs.length);
    matrix[0] = 1;
    return serializeGemFile(model.derive({ drivers: [{ name: "arkit", inputs, matrix, bias: new Float32Array(model.totalComponents) }] }));
}

describe("personal avatars in rooms across two processes", () => {
    RegisterGemAvatarLoaders();
    let redis: ChildProcess | undefined;
    const servers: RoomServer[] = [];
    const clients: RoomClient[] = [];

    beforeAll(async () => {
        const port = await freePort();
        redis = await startRedis(port);
        for (let i = 0; i < 2; i++) servers.push(await RoomServer.StartAsync({ secret, redisUrl: `redis://127.0.0.1:${port}`, limits: { maxModelBytes: 1024 * 1024 } }));
    });

    afterAll(async () => {
        for (const client of clients) client.dispose();
        await Promise.all(servers.map((server) => server.closeAsync()));
        await stop(redis);
    });

    it("uploads once, relays by hash to the other process, and a peer draws it; bad models are refused for everyone", async () => {
        const [a, b] = servers;
        const channels = arkitChannelNames(false);
        const gem = personalGem(3000, 1);
        const aliceToken = a.createToken("personal", "alice");
        const aliceModels = new RoomModels(a.url, aliceToken);
        const modelId = await aliceModels.uploadAsync(gem);
        expect(modelId).toBe(await RoomModels.ModelIdAsync(gem));
        // The same bytes again are fine; another model from the same participant is not.
        expect(await aliceModels.uploadAsync(gem)).toBe(modelId);
        await expect(aliceModels.uploadAsync(personalGem(100, 2))).rejects.toMatchObject({ code: "invalid-model", message: expect.stringMatching(/one-model-per-participant/) });
        const alice = await RoomClient.ConnectAsync({ url: a.url, token: aliceToken, descriptor: createStreamDescriptor(modelId, channels) });
        clients.push(alice);

        // Bob, on the other process, draws Alice's own model: fetched by hash from the shared store, checked, loaded.
        const scene = makeScene();
        const bobToken = b.createToken("personal", "bob");
        const bob = await RoomClient.ConnectAsync({ url: b.url, token: bobToken, descriptor: createStreamDescriptor("ict-head", channels) });
        clients.push(bob);
        const bobModels = new RoomModels(b.url, bobToken);
        const presence = new RoomPresence(scene, bob, {
            createAvatar: async (participant) =>
                RoomModels.IsPersonalModelId(participant.descriptor.modelId) ? bobModels.importAvatarAsync(participant.descriptor.modelId, scene) : null,
        });
        await waitFor(() => presence.avatars.has("alice"), 30_000);
        const drawn = presence.avatars.get("alice")!.avatar as GemAvatar;
        expect(drawn.model.gaussianCount).toBe(3000);
        expect(bobModels.bytesFetched).toBe(gem.byteLength);
        // Cached by hash: a second avatar of it fetches nothing.
        (await bobModels.importAvatarAsync(modelId, scene)).dispose();
        expect(bobModels.bytesFetched).toBe(gem.byteLength);
        expect(a.stats.modelsUploaded + b.stats.modelsUploaded).toBe(2);
        expect(b.stats.modelBytesServed).toBe(gem.byteLength);

        // Mallory's model is not a .gem: refused at upload with the loader's reason, so it can never be drawn.
        const malloryToken = b.createToken("personal", "mallory");
        const malloryModels = new RoomModels(b.url, malloryToken);
        const junk = new TextEncoder().encode("GEMAVATR not really a model");
        const refused = (await malloryModels.uploadAsync(junk).catch((error: unknown) => error)) as RoomError;
        expect(refused).toBeInstanceOf(RoomError);
        expect(refused.code).toBe("invalid-model");
        expect(refused.message).toMatch(/invalid-model/);
        // Joining with its id anyway is refused; she falls back to a shipped head.
        const junkId = await RoomModels.ModelIdAsync(junk);
        await expect(RoomClient.ConnectAsync({ url: b.url, token: malloryToken, descriptor: createStreamDescriptor(junkId, channels) })).rejects.toMatchObject({
            code: "invalid-descriptor",
        });
        // Nor may anyone join with a model someone else uploaded.
        await expect(RoomClient.ConnectAsync({ url: b.url, token: malloryToken, descriptor: createStreamDescriptor(modelId, channels) })).rejects.toMatchObject({
            code: "invalid-descriptor",
        });
        const mallory = await RoomClient.ConnectAsync({ url: b.url, token: malloryToken, descriptor: createStreamDescriptor("ict-head", channels) });
        clients.push(mallory);
        // Too large, and bytes that are not the hash they claim: refused too.
        await expect(new RoomModels(a.url, a.createToken("personal", "carol")).uploadAsync(personalGem(20_000, 3))).rejects.toMatchObject({
            message: expect.stringMatching(/model-too-large/),
        });
        const mismatch = await fetch(`${a.url}/room/models/${"0".repeat(64)}`, {
            method: "PUT",
            headers: { Authorization: `Bearer ${a.createToken("personal", "dave")}` },
            body: gem as unknown as BodyInit,
        });
        expect(mismatch.status).toBe(400);
        expect(((await mismatch.json()) as { code: string }).code).toBe("hash-mismatch");
        // Models are served to holders of a room token only.
        expect((await fetch(`${b.url}/room/models/${modelId.slice(7)}`)).status).toBe(401);
        expect(a.stats.modelsRefused + b.stats.modelsRefused).toBe(4);
        presence.dispose();
    });

    it("a peer whose fetched bytes do not load shows the fallback head and reports a typed error", async () => {
        const [a] = servers;
        const scene = makeScene();
        const gem = personalGem(500, 4);
        const token = a.createToken("fallback", "erin");
        const modelId = await new RoomModels(a.url, token).uploadAsync(gem);
        const erin = await RoomClient.ConnectAsync({ url: a.url, token, descriptor: createStreamDescriptor(modelId, arkitChannelNames(false)) });
        clients.push(erin);
        const watcherToken = a.createToken("fallback", "frank");
        const watcher = await RoomClient.ConnectAsync({ url: a.url, token: watcherToken, descriptor: createStreamDescriptor("ict-head", arkitChannelNames(false)) });
        clients.push(watcher);
        // A cache whose fetch is answered by other bytes (a tampering proxy): the hash check refuses them.
        const models = new RoomModels(a.url, watcherToken);
        (models as unknown as { _fetch: (id: string) => Promise<Uint8Array> })._fetch = async () => personalGem(500, 5);
        const fallback = new GemAvatar(parseGemFile(personalGem(50, 9), "shipped.gem"), scene);
        const errors: unknown[] = [];
        const presence = new RoomPresence(scene, watcher, {
            createAvatar: async (participant) => {
                const bytes = await models.fetchAsync(participant.descriptor.modelId);
                if ((await RoomModels.ModelIdAsync(bytes)) !== participant.descriptor.modelId)
                    throw new RoomError("invalid-model", participant.descriptor.modelId, "the bytes do not match the model id");
                return models.importAvatarAsync(participant.descriptor.modelId, scene);
            },
            createFallbackAvatar: () => fallback,
        });
        presence.onAvatarErrorObservable.add(({ error }) => errors.push(error));
        await waitFor(() => presence.avatars.has("erin"), 30_000);
        expect(presence.avatars.get("erin")!.avatar).toBe(fallback);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ name: "RoomError", code: "invalid-model" });
        presence.dispose();
    });
});
