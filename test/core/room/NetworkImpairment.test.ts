import { describe, expect, it } from "vitest";
import { NetworkImpairment } from "../../../core/room/NetworkImpairment.js";

describe("network impairment", () => {
    it("drops about the configured share and delivers the rest, some out of order", async () => {
        const impairment = new NetworkImpairment({ lossRate: 0.1, reorderRate: 0.2, maxReorderDelayMs: 20, seed: 5 });
        const delivered: number[] = [];
        for (let i = 0; i < 1000; i++) impairment.deliver(i, (value) => delivered.push(value));
        await new Promise((resolve) => setTimeout(resolve, 60));
        const stats = impairment.stats;
        expect(stats.dropped).toBeGreaterThan(70);
        expect(stats.dropped).toBeLessThan(130);
        expect(delivered.length).toBe(1000 - stats.dropped);
        expect(delivered.some((value, i) => i > 0 && value < delivered[i - 1])).toBe(true);
        impairment.dispose();
    });
});
