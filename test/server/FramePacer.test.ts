import { describe, expect, it } from "vitest";
import { FramePacer } from "../../server/FramePacer.js";

describe("FramePacer", () => {
    it("does not charge the rate limit for frames read in a burst after a stall, and says how late they are", () => {
        const pacer = new FramePacer(60, 30);
        // 30 fps for 2 s, read on time.
        for (let frame = 0; frame < 60; frame++) expect(pacer.arrive(1000 + frame * 33.3, (frame * 33.3) & 0xffff)).toBeLessThan(1);
        // The server stalls for 3 s: 90 frames are read at once, each as late as the stall made it.
        const readAt = 1000 + 150 * 33.3;
        const lateness: number[] = [];
        for (let frame = 60; frame < 150; frame++) lateness.push(pacer.arrive(readAt, (frame * 33.3) & 0xffff));
        expect(lateness.every((late) => late >= 0)).toBe(true);
        expect(lateness[0]).toBeGreaterThan(2900);
        expect(lateness[lateness.length - 1]).toBeLessThan(40);
    });

    it("holds a sender to its rate whatever its timestamps say", () => {
        for (const senderClock of [(i: number) => i * 1000, (i: number) => 0 * i, (i: number) => 60000 - i * 50, (i: number) => (i * 7919) % 65536]) {
            const pacer = new FramePacer(60, 30);
            let accepted = 0;
            // 10 s of a 600 frames-per-second flood.
            for (let i = 0; i < 6000; i++) if (pacer.arrive(i * (10_000 / 6000), senderClock(i) & 0xffff) >= 0) accepted++;
            expect(accepted).toBeLessThanOrEqual(30 + 60 * 10 + 1);
        }
    });

    it("follows a sender clock that runs slightly slow without calling its frames late, across the 16-bit wrap", () => {
        const pacer = new FramePacer(60, 30);
        let worst = 0;
        // 200 ppm slow over 10 minutes at 30 fps: the sender time wraps every 65.5 s.
        for (let frame = 0; frame < 18_000; frame++) {
            const now = frame * 33.333;
            worst = Math.max(worst, pacer.arrive(now, Math.floor(now * (1 - 2e-4)) & 0xffff));
        }
        expect(worst).toBeLessThan(5);
    });
});
