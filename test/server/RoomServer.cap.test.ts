/**
 * The room cap and join bursts across processes, on loopback: two room servers on one Redis, 100 simultaneous joins
 * split between them into one room capped at 64. The cap must hold (in-flight joins count against it), every admitted
 * participant must hold its own slot, get its roster and be announced to everyone, and the refused ones must get an
 * error rather than a time-out.
 */
import type { ChildProcess } from "node:child_process";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as compactRoomParser from "../../core/room/compactRoomParser.js";
import { createStreamDescriptor } from "../../core/room/expressionStream.js";
import { RoomServer } from "../../server/RoomServer.js";
import { freePort, startRedis, stop } from "../../tools/services/processes.js";
import { waitFor } from "../support/waitFor.js";

const secret = "6b1f03d9e27a48c5b0f9d4e1a73c2e58";
const cap = 64;
const joiners = 100;

describe("the room cap across two processes", () => {
    let redis: ChildProcess | undefined;
    const servers: RoomServer[] = [];
    const sockets: Socket[] = [];

    beforeAll(async () => {
        const port = await freePort();
        redis = await startRedis(port);
        const limits = { maxParticipantsPerRoom: cap, joinsPerMinutePerAddress: 10_000, rosterRefreshMs: 500 };
        for (let i = 0; i < 2; i++) servers.push(await RoomServer.StartAsync({ secret, redisUrl: `redis://127.0.0.1:${port}`, limits }));
    });

    afterAll(async () => {
        for (const socket of sockets) socket.close();
        await Promise.all(servers.map((server) => server.closeAsync()));
        await stop(redis);
    });

    it(`admits exactly ${cap} of ${joiners} simultaneous joiners, with distinct slots and rosters, announces each to all, and tells the others the room is full`, async () => {
        const descriptor = createStreamDescriptor("default-head", ["flame/jawPose/0"]);
        const admitted: { participant: string; slots: number[] }[] = [];
        const refused: string[] = [];
        const codes: string[] = [];
        // What each joiner knows of the room: its roster, then joins and leaves.
        const known = new Map<string, Set<string>>();
        for (let i = 0; i < joiners; i++) {
            const server = servers[i % 2];
            const socket = io(server.url, {
                auth: { token: server.createToken("crowded", `p${i}`), stream: descriptor },
                parser: compactRoomParser,
                transports: ["websocket"],
                reconnection: false,
            });
            sockets.push(socket);
            const seen = new Set<string>();
            socket.once("roster", (roster: { slot: number; participant: string }[]) => {
                for (const other of roster) seen.add(other.participant);
                known.set(`p${i}`, seen);
                admitted.push({ participant: `p${i}`, slots: roster.map((other) => other.slot) });
            });
            socket.on("joined", (info: { participant: string }) => seen.add(info.participant));
            socket.on("left", (info: { participant: string }) => seen.delete(info.participant));
            socket.once("connect_error", (error: Error & { data?: { code: string } }) => {
                refused.push(error.message);
                codes.push(error.data?.code ?? "none");
            });
        }
        await waitFor(() => admitted.length + refused.length === joiners, 120_000);
        const present = await servers[0].io.in("crowded").fetchSockets();
        const slots = present.map((socket) => (socket.data as { slot: number }).slot);
        console.log(`room cap: ${admitted.length} admitted, ${refused.length} refused; slots ${[...slots].sort((a, b) => a - b).join(" ")}`);
        expect(admitted.length).toBe(cap);
        expect(present.length).toBe(cap);
        expect(new Set(slots).size).toBe(cap);
        expect(refused.every((message) => /room is full/.test(message))).toBe(true);
        expect(codes.every((code) => code === "room-full")).toBe(true);
        // Every admitted participant is announced to every other (a roster or a join), across both processes.
        const names = admitted.map((entry) => entry.participant);
        await waitFor(() => names.every((name) => names.every((other) => other === name || known.get(name)!.has(other))), 120_000);
    }, 240_000);
});
