/**
 * A room server process dies without a word (SIGKILL): the participants it held must leave the rooms the other
 * processes serve, within a bounded time (the roster refresh), instead of staying frozen in everyone's scene.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStreamDescriptor } from "../../core/room/expressionStream.js";
import { RoomClient } from "../../plugin/room/RoomClient.js";
import { signRoomToken } from "../../server/roomToken.js";
import { freePort, startRedis, startRoomServerProcess, stop } from "../../tools/services/processes.js";
import { waitFor } from "../support/waitFor.js";

const secret = "d83a5c0f7e1b29a64c5e0d9b8f3a7c21";

describe("a room server process that dies", () => {
    let redis: ChildProcess | undefined;
    const servers: { child: ChildProcess; url: string }[] = [];
    const clients: RoomClient[] = [];

    beforeAll(async () => {
        const port = await freePort();
        redis = await startRedis(port);
        for (let i = 0; i < 2; i++) servers.push(await startRoomServerProcess(port, secret));
    });

    afterAll(async () => {
        for (const client of clients) client.dispose();
        await Promise.all(servers.map((server) => stop(server.child)));
        await stop(redis);
    });

    it("takes its participants out of the other processes' rooms", async () => {
        const descriptor = createStreamDescriptor("default-head", ["flame/jawPose/0"]);
        const join = (url: string, participant: string) =>
            RoomClient.ConnectAsync({ url, token: signRoomToken(secret, { room: "lobby", participant, expires: Date.now() / 1000 + 600 }), descriptor });
        const alice = await join(servers[0].url, "alice");
        const bob = await join(servers[1].url, "bob");
        clients.push(alice, bob);
        await waitFor(() => alice.participants.has("bob"), 30_000);
        const kept = alice.participants.get("bob");
        const killedAt = Date.now();
        servers[1].child.kill("SIGKILL");
        await waitFor(() => !alice.participants.has("bob"), 60_000);
        console.log(`dead process: bob left alice's room ${((Date.now() - killedAt) / 1000).toFixed(1)} s after his server was killed`);
        expect(alice.participants.has("bob")).toBe(false);
        expect(kept).toBeDefined();
        expect(alice.connected).toBe(true);
    }, 180_000);
});
