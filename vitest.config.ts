import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        environment: "node",
        include: ["test/**/*.test.ts"],
        testTimeout: 120_000,
        hookTimeout: 300_000,
        fileParallelism: false,
    },
});
