/**
 * Seats of the rooms: which participant holds which slot, as a lease renewed by the server process that holds its
 * connection. With Redis the seats of every process live there (one sorted set of leases, one roster hash and one
 * participant → slot hash per room), changed only by atomic scripts, so rosters are one read and a process cut off from
 * Redis loses its seats when their leases run out; without Redis (or while it is away) a process keeps the same records
 * in memory for its own participants.
 */
import type { Redis } from "ioredis";
import type { ExpressionStreamDescriptor } from "../core/room/expressionStream.js";
import type { RoomParticipantInfo } from "../core/room/roomMessages.js";

/** Highest slot (slots are 16-bit on the wire; 0 is never used). */
export const MaxSlot = 65535;

/** A seat as the store keeps it. */
export interface SeatRecord extends RoomParticipantInfo {
    /** Who holds the connection: `<process id>:<socket id>`. */
    owner: string;
}

/** What a claim gives. */
export interface SeatClaim {
    /** The slot (0 when refused). */
    slot: number;
    /** Why it was refused: the room is at its cap, or no slot is left. */
    refused?: "full" | "no-slot";
    /** Owner of the participant's previous connection, replaced by this one (another tab, a reconnection). */
    replaced?: string;
}

/** What a renewal gives. */
export interface SeatRenewal {
    /** Owners of this process's seats that someone else holds now (their connections must rejoin). */
    lost: string[];
    /** The room's roster after the renewal. */
    roster: SeatRecord[];
}

/** A seat a process holds, as it renews it. */
export interface HeldSeat {
    slot: number;
    participant: string;
    owner: string;
    descriptor: ExpressionStreamDescriptor;
}

/** Where seats live: Redis for a cluster, memory for one process. */
export interface SeatStore {
    /**
     * Gives a participant a seat: the one it holds already (its previous connection is replaced), else the lowest free
     * slot while the room is under its cap.
     */
    claim(room: string, seat: Omit<HeldSeat, "slot">, cap: number, leaseMs: number): Promise<SeatClaim>;
    /**
     * Frees a seat, if `owner` still holds it.
     * @returns whether it did
     */
    release(room: string, slot: number, owner: string): Promise<boolean>;
    /**
     * Renews this process's seats of a room: a seat still held is extended; a seat that expired and nobody took is taken
     * again (after a Redis restart or a network split) while the room is under its cap; a seat someone else holds is lost.
     */
    renew(room: string, seats: readonly HeldSeat[], cap: number, leaseMs: number): Promise<SeatRenewal>;
    /** The room's roster (live seats only). */
    roster(room: string): Promise<SeatRecord[]>;
    /**
     * Counts one attempt against a limit over a one-minute window.
     * @returns whether the attempt is within the limit
     */
    countAttempt(key: string, perMinute: number): Promise<boolean>;
}

/** Expires the room's dead seats; shared head of the scripts. KEYS: leases, roster, participants. */
const ExpireSeats = `
local leases, roster, participants = KEYS[1], KEYS[2], KEYS[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for _, slot in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now)) do
  local info = redis.call('HGET', roster, slot)
  if info then
    local participant = cjson.decode(info).participant
    if redis.call('HGET', participants, participant) == slot then redis.call('HDEL', participants, participant) end
    redis.call('HDEL', roster, slot)
  end
  redis.call('ZREM', leases, slot)
end
local function lowestFree()
  for slot = 1, ${MaxSlot} do
    if not redis.call('ZSCORE', leases, tostring(slot)) then return slot end
  end
  return -1
end
local function keep(ttl)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 20) end
end
`;

/**
 * ARGV: lease ms, cap, participant, owner, descriptor JSON. Returns { slot, replaced owner }, slot 0 when the room is
 * full and -1 when no slot is left.
 */
const ClaimScript = `${ExpireSeats}
local lease, cap, participant, owner = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local slot = redis.call('HGET', participants, participant)
local replaced = ''
if slot then
  local info = redis.call('HGET', roster, slot)
  if info then replaced = cjson.decode(info).owner end
  slot = tonumber(slot)
else
  if redis.call('ZCARD', leases) >= cap then return {0, ''} end
  slot = lowestFree()
  if slot < 0 then return {-1, ''} end
end
redis.call('ZADD', leases, now + lease, tostring(slot))
redis.call('HSET', roster, tostring(slot), cjson.encode({ participant = participant, slot = slot, owner = owner, descriptor = ARGV[5] }))
redis.call('HSET', participants, participant, tostring(slot))
keep(lease)
return {slot, replaced}
`;

/** ARGV: slot, owner. */
const ReleaseScript = `${ExpireSeats}
local info = redis.call('HGET', roster, ARGV[1])
if info and cjson.decode(info).owner == ARGV[2] then
  local participant = cjson.decode(info).participant
  if redis.call('HGET', participants, participant) == ARGV[1] then redis.call('HDEL', participants, participant) end
  redis.call('HDEL', roster, ARGV[1])
  redis.call('ZREM', leases, ARGV[1])
  return 1
end
return 0
`;

/**
 * ARGV: lease ms, cap, then per seat: slot, participant, owner, descriptor JSON. Returns { lost owners…, '|', roster
 * entries… }.
 */
const RenewScript = `${ExpireSeats}
local lease, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local result = {}
for i = 3, #ARGV, 4 do
  local slot, participant, owner = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local info = redis.call('HGET', roster, slot)
  if info then
    if cjson.decode(info).owner == owner then
      redis.call('ZADD', leases, now + lease, slot)
    else
      table.insert(result, owner)
    end
  else
    local other = redis.call('HGET', participants, participant)
    if (other and other ~= slot) or redis.call('ZCARD', leases) >= cap then
      table.insert(result, owner)
    else
      redis.call('ZADD', leases, now + lease, slot)
      redis.call('HSET', roster, slot, cjson.encode({ participant = participant, slot = tonumber(slot), owner = owner, descriptor = ARGV[i + 3] }))
      redis.call('HSET', participants, participant, slot)
    end
  end
end
keep(lease)
table.insert(result, '|')
for _, info in ipairs(redis.call('HVALS', roster)) do table.insert(result, info) end
return result
`;

/** Roster read (after expiring dead seats). */
const RosterScript = `${ExpireSeats}
return redis.call('HVALS', roster)
`;

/** KEYS[1]: the counter. ARGV: limit. Returns 1 when within the limit. */
const AttemptScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], 60000) end
if count > tonumber(ARGV[1]) then return 0 end
return 1
`;

function parseRecords(values: unknown[]): SeatRecord[] {
    const records: SeatRecord[] = [];
    for (const value of values) {
        try {
            // The descriptor is kept as the JSON text the participant joined with (Lua never re-encodes its numbers).
            const record = JSON.parse(String(value)) as Omit<SeatRecord, "descriptor"> & { descriptor: string };
            if (typeof record?.participant === "string" && Number.isInteger(record.slot) && typeof record.descriptor === "string") {
                records.push({ ...record, descriptor: JSON.parse(record.descriptor) as ExpressionStreamDescriptor });
            }
        } catch {
            // A record this version cannot read is skipped (its lease runs out).
        }
    }
    return records.sort((a, b) => a.slot - b.slot);
}

/** Seats in Redis, shared by every process on it. */
export class RedisSeatStore implements SeatStore {
    private readonly _redis: Redis;

    /**
     * @param redis a connected client (commands fail at once while it is away)
     */
    constructor(redis: Redis) {
        this._redis = redis;
    }

    private static _Keys(room: string): string[] {
        // One hash tag per room: the three keys of a room stay on one node of a Redis cluster.
        return [`gem-room:{${room}}:leases`, `gem-room:{${room}}:roster`, `gem-room:{${room}}:participants`];
    }

    public async claim(room: string, seat: Omit<HeldSeat, "slot">, cap: number, leaseMs: number): Promise<SeatClaim> {
        const [slot, replaced] = (await this._redis.eval(
            ClaimScript,
            3,
            ...RedisSeatStore._Keys(room),
            leaseMs,
            cap,
            seat.participant,
            seat.owner,
            JSON.stringify(seat.descriptor)
        )) as [number, string];
        if (slot === 0) return { slot: 0, refused: "full" };
        if (slot < 0) return { slot: 0, refused: "no-slot" };
        return replaced && replaced !== seat.owner ? { slot, replaced } : { slot };
    }

    public async release(room: string, slot: number, owner: string): Promise<boolean> {
        return (await this._redis.eval(ReleaseScript, 3, ...RedisSeatStore._Keys(room), slot, owner)) === 1;
    }

    public async renew(room: string, seats: readonly HeldSeat[], cap: number, leaseMs: number): Promise<SeatRenewal> {
        const args: (string | number)[] = [leaseMs, cap];
        for (const seat of seats) args.push(seat.slot, seat.participant, seat.owner, JSON.stringify(seat.descriptor));
        const result = (await this._redis.eval(RenewScript, 3, ...RedisSeatStore._Keys(room), ...args)) as string[];
        const split = result.indexOf("|");
        return { lost: result.slice(0, split), roster: parseRecords(result.slice(split + 1)) };
    }

    public async roster(room: string): Promise<SeatRecord[]> {
        return parseRecords((await this._redis.eval(RosterScript, 3, ...RedisSeatStore._Keys(room))) as string[]);
    }

    public async countAttempt(key: string, perMinute: number): Promise<boolean> {
        return (await this._redis.eval(AttemptScript, 1, `gem-room:attempts:${key}`, perMinute)) === 1;
    }
}

interface LocalRoom {
    /** slot → lease expiry (ms) and record; `remembered`: another process's seat, from the last Redis roster. */
    seats: Map<number, { expiry: number; record: SeatRecord; remembered?: boolean }>;
    participants: Map<string, number>;
}

/**
 * Seats in this process's memory: the whole truth without Redis; while Redis is away, this process's own seats plus the
 * slots the last Redis roster showed held by others (`remember`), so a join during an outage avoids them.
 */
export class LocalSeatStore implements SeatStore {
    private readonly _rooms = new Map<string, LocalRoom>();
    private readonly _attempts = new Map<string, number[]>();
    private readonly _now: () => number;

    /**
     * @param now clock, ms
     */
    constructor(now: () => number = Date.now) {
        this._now = now;
    }

    private _room(name: string): LocalRoom {
        let room = this._rooms.get(name);
        if (!room) {
            room = { seats: new Map(), participants: new Map() };
            this._rooms.set(name, room);
        }
        const now = this._now();
        for (const [slot, seat] of room.seats) {
            if (seat.expiry <= now) {
                room.seats.delete(slot);
                if (room.participants.get(seat.record.participant) === slot) room.participants.delete(seat.record.participant);
            }
        }
        return room;
    }

    /** Forgets a room that holds no seat of this process (remembered seats alone do not keep it). */
    private _drop(name: string): void {
        const room = this._rooms.get(name);
        if (room && [...room.seats.values()].every((seat) => seat.remembered)) this._rooms.delete(name);
    }

    /**
     * Records seats another store showed (the last Redis roster), until `leaseMs` from now.
     * @param room room name
     * @param records its roster
     * @param leaseMs how long to keep them
     * @param ownerPrefix owners starting with it are this process's seats (kept as its own), others are remembered
     */
    public remember(room: string, records: readonly SeatRecord[], leaseMs: number, ownerPrefix = "\u0000"): void {
        const local = this._room(room);
        const expiry = this._now() + leaseMs;
        for (const record of records) {
            const seat = local.seats.get(record.slot);
            if (seat && seat.record.owner === record.owner) {
                seat.expiry = Math.max(seat.expiry, expiry);
            } else if (!seat && !local.participants.has(record.participant)) {
                local.seats.set(record.slot, { expiry, record, remembered: !record.owner.startsWith(ownerPrefix) });
                local.participants.set(record.participant, record.slot);
            }
        }
    }

    public async claim(name: string, seat: Omit<HeldSeat, "slot">, cap: number, leaseMs: number): Promise<SeatClaim> {
        const room = this._room(name);
        const existing = room.participants.get(seat.participant);
        let slot = existing ?? 0;
        let replaced: string | undefined;
        if (existing !== undefined) {
            replaced = room.seats.get(existing)?.record.owner;
        } else {
            if (room.seats.size >= cap) return { slot: 0, refused: "full" };
            for (let candidate = 1; candidate <= MaxSlot && slot === 0; candidate++) if (!room.seats.has(candidate)) slot = candidate;
            if (slot === 0) return { slot: 0, refused: "no-slot" };
        }
        room.seats.set(slot, { expiry: this._now() + leaseMs, record: { participant: seat.participant, slot, owner: seat.owner, descriptor: seat.descriptor } });
        room.participants.set(seat.participant, slot);
        return replaced && replaced !== seat.owner ? { slot, replaced } : { slot };
    }

    public async release(name: string, slot: number, owner: string): Promise<boolean> {
        const room = this._room(name);
        const seat = room.seats.get(slot);
        const held = seat !== undefined && seat.record.owner === owner;
        if (held) {
            room.seats.delete(slot);
            if (room.participants.get(seat.record.participant) === slot) room.participants.delete(seat.record.participant);
        }
        this._drop(name);
        return held;
    }

    public async renew(name: string, seats: readonly HeldSeat[], cap: number, leaseMs: number): Promise<SeatRenewal> {
        const room = this._room(name);
        const lost: string[] = [];
        const expiry = this._now() + leaseMs;
        for (const seat of seats) {
            const current = room.seats.get(seat.slot);
            if (current) {
                if (current.record.owner === seat.owner) current.expiry = expiry;
                else lost.push(seat.owner);
                continue;
            }
            const other = room.participants.get(seat.participant);
            if ((other !== undefined && other !== seat.slot) || room.seats.size >= cap) {
                lost.push(seat.owner);
                continue;
            }
            room.seats.set(seat.slot, { expiry, record: { participant: seat.participant, slot: seat.slot, owner: seat.owner, descriptor: seat.descriptor } });
            room.participants.set(seat.participant, seat.slot);
        }
        const roster = [...room.seats.values()].map((seat) => seat.record).sort((a, b) => a.slot - b.slot);
        this._drop(name);
        return { lost, roster };
    }

    public async roster(name: string): Promise<SeatRecord[]> {
        const roster = [...this._room(name).seats.values()].map((seat) => seat.record).sort((a, b) => a.slot - b.slot);
        this._drop(name);
        return roster;
    }

    public async countAttempt(key: string, perMinute: number): Promise<boolean> {
        const now = this._now();
        const recent = (this._attempts.get(key) ?? []).filter((time) => time > now - 60_000);
        const allowed = recent.length < perMinute;
        if (allowed) recent.push(now);
        this._attempts.set(key, recent);
        if (this._attempts.size > 10_000) {
            for (const [other, times] of this._attempts) if (times.every((time) => time <= now - 60_000)) this._attempts.delete(other);
            while (this._attempts.size > 10_000) this._attempts.delete(this._attempts.keys().next().value as string);
        }
        return allowed;
    }
}
