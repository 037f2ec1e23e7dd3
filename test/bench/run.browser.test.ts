import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../tools/browser/browserSession.js";

describe("npm run bench -- --smoke", () => {
    it("runs every benchmark section end to end and writes finite figures", () => {
        const out = resolve(repoRoot, "test-output/bench-smoke.json");
        const stdout = execFileSync(process.execPath, [resolve(repoRoot, "node_modules/tsx/dist/cli.mjs"), "bench/run.ts", "--smoke", `--out=${out}`], {
            cwd: repoRoot,
            encoding: "utf8",
            timeout: 540_000,
        });
        expect(stdout).toMatch(/ours\/memcpy/);
        expect(stdout).toMatch(/pass\/read-only/);
        expect(stdout).toMatch(/animated\/static/);
        expect(stdout).toMatch(/bytes vs PLY sequence/);
        expect(stdout).toMatch(/ours\/Babylon/);
        expect(stdout).toMatch(/inference\/Identity/);
        expect(stdout).toMatch(/crowd\/static/);
        expect(stdout).toMatch(/ours\/stock/);
        expect(stdout).toMatch(/server p50\/p99 ms/);
        expect(stdout).toMatch(/minor\/major GC per min/);
        expect(stdout).toMatch(/time ratio/);
        expect(stdout).toMatch(/vs PLY 1 frame/);
        const result = JSON.parse(readFileSync(out, "utf8"));
        const numbers = [
            ...result.cpuReconstruction,
            ...result.load,
            ...result.gpuReconstruction,
            ...result.frameTime,
            ...result.sort,
            ...result.crowd,
            result.encoder,
            result.network,
            ...result.headset,
            ...result.loadBrowser,
            ...result.roomLoad,
            ...result.frameAllocations,
        ].flatMap((row: Record<string, unknown>) => Object.values(row).filter((v) => typeof v === "number"));
        expect(numbers.length).toBeGreaterThan(15);
        for (const n of numbers) {
            expect(Number.isFinite(n) && n >= 0).toBe(true);
        }
    }, 600_000);
});
