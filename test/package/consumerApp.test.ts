/**
 * The package as a user gets it: built, packed with `npm pack`, installed from the tarball (and npm's local cache,
 * offline) into a fresh app, bundled by webpack and by Vite, opened in Chromium running the README's Quick start as
 * written; the server entry imported in plain Node starts a room a client joins; the published `.d.ts` type-check in
 * the app under `Bundler` and `NodeNext` resolution with `skipLibCheck: false`.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type webpack from "webpack";
import { openStaticPage, runWebpack, saveScreenshot } from "../../tools/browser/browserSession.js";
import { installOffline } from "../support/offlineInstall.js";

const repoRoot = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const packageJson = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { name: string; version: string; devDependencies: Record<string, string> };

/** The first fenced block of a language after a heading of the README. */
function readmeBlock(heading: string, language: string): string {
    const at = readme.indexOf(`\n${heading}\n`);
    expect(at, `README.md has no "${heading}" heading`).toBeGreaterThanOrEqual(0);
    const block = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(readme.slice(at));
    expect(block, `README.md has no ${language} block under "${heading}"`).not.toBeNull();
    return block![1];
}

function run(command: string, args: string[], cwd: string): string {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
}

function folderBytes(path: string): number {
    let total = 0;
    for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) {
            total += statSync(join(entry.parentPath, entry.name)).size;
        }
    }
    return total;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
/** What the room server, the room client and the encoder need besides Babylon: optional peers of the package. */
const optionalPeers = ["socket.io", "socket.io-client", "@socket.io/redis-adapter", "ioredis", "onnxruntime-web", "@types/node"];
const indexHtml = `<!doctype html><html><head><meta charset="utf-8"><title>consumer</title>
<style>html,body{margin:0;height:100%}canvas{width:100%;height:100%;display:block}</style></head>
<body><canvas></canvas><script type="module" src="/src/main.ts"></script></body></html>`;

describe("the packed package in a fresh app", () => {
    let work = "";
    let app = "";
    let tarball = "";

    beforeAll(() => {
        work = mkdtempSync(join(tmpdir(), "gem-consumer-"));
        app = join(work, "app");
        run(npm, ["run", "build", "--silent"], repoRoot);
        const [packed] = JSON.parse(run(npm, ["pack", "--json", "--pack-destination", work], repoRoot)) as {
            filename: string;
            size: number;
            unpackedSize: number;
            entryCount: number;
        }[];
        console.log(`npm pack: ${packed.filename}, ${mib(packed.size)} packed, ${mib(packed.unpackedSize)} unpacked, ${packed.entryCount} files`);
        tarball = join(work, packed.filename);
        mkdirSync(join(app, "src"), { recursive: true });
        writeFileSync(join(app, "index.html"), indexHtml);
        writeFileSync(join(app, "src/main.ts"), readmeBlock("## Quick start", "ts"));
        // A bundler app's usual tsconfig.json (the webpack build reads it through ts-loader; Vite needs none).
        const compilerOptions = { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: false, lib: ["ES2022", "DOM", "DOM.Iterable"] };
        writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["src"] }, null, 2));
        // As the README's "Install in your app" says, with the tarball for the package name and nothing from the network.
        installOffline(app, repoRoot, ["@babylonjs/core"], tarball);
        mkdirSync(join(app, "public"));
        for (const line of readmeBlock("## Install in your app", "sh")
            .replace(/\\\n\s*/g, " ")
            .split("\n")) {
            if (line.startsWith("cp ")) {
                run("bash", ["-c", line.replace(/#.*$/, "")], app);
            }
        }
    }, 600_000);

    afterAll(() => {
        if (work) {
            rmSync(work, { recursive: true, force: true });
        }
    });

    it("installs no dependency of its own: a browser app gets the package and Babylon only", () => {
        const top = readdirSync(join(app, "node_modules")).filter((name) => !name.startsWith("."));
        const scoped = top.filter((name) => name.startsWith("@")).flatMap((scope) => readdirSync(join(app, "node_modules", scope)).map((name) => `${scope}/${name}`));
        const installed = [...top.filter((name) => !name.startsWith("@")), ...scoped].sort();
        expect(installed).toEqual(["@babylonjs/core", packageJson.name]);
        console.log(
            `browser install: ${packageJson.name} ${mib(folderBytes(join(app, "node_modules", packageJson.name)))}, with Babylon ${mib(folderBytes(join(app, "node_modules")))}`
        );
        expect(existsSync(join(app, "public/default-head.gem"))).toBe(true);
        // No shipped script points at a source map the package does not carry.
        const dist = join(app, "node_modules", packageJson.name, "dist");
        const scripts = (readdirSync(dist, { recursive: true }) as string[]).filter((name) => name.endsWith(".js"));
        expect(scripts.length).toBeGreaterThan(10);
        expect(scripts.filter((name) => readFileSync(join(dist, name), "utf8").includes("sourceMappingURL="))).toEqual([]);
        // The track where the default head's own performance reference points (lam-arkit-track/talking.json), with its licence.
        expect(existsSync(join(app, "public/lam-arkit-track/talking.json"))).toBe(true);
        expect(existsSync(join(app, "public/lam-arkit-track/LICENSE"))).toBe(true);
    });

    for (const bundler of ["webpack", "vite"] as const) {
        it(`runs the README's Quick start bundled by ${bundler}: the default head is drawn`, async () => {
            const out = join(work, `dist-${bundler}`);
            if (bundler === "webpack") {
                await bundleWithWebpack(app, out);
            } else {
                const { build } = await import("vite");
                await build({ root: app, logLevel: "error", configFile: false, build: { outDir: out, emptyOutDir: true } });
            }
            const page = await openStaticPage(out);
            try {
                const pixels = await page.waitForHeadPixels(0.01, 90_000);
                saveScreenshot(`consumer-${bundler}`, pixels.screenshot);
                console.log(`${bundler}: ${(pixels.background * 100).toFixed(1)}% of the page is Babylon's clear colour, ${(pixels.head * 100).toFixed(1)}% is the head`);
                expect(page.errors).toEqual([]);
                expect(pixels.background).toBeGreaterThan(0.2);
                expect(pixels.head).toBeGreaterThan(0.01);
            } finally {
                await page.close();
            }
        }, 300_000);
    }

    it("imports the server entry in plain Node and starts a room that a client joins", () => {
        installOffline(app, repoRoot, ["@babylonjs/core", ...optionalPeers], tarball);
        const script = `
import { RoomServer, signRoomToken } from "${packageJson.name}/server";
import { RoomClient, createStreamDescriptor } from "${packageJson.name}/room";
const secret = "7d2e9b40c1f58a63e0b4d71c9a2f3e85";
const server = await RoomServer.StartAsync({ secret, port: 0 });
const token = signRoomToken(secret, { room: "demo", participant: "alice", expires: Date.now() / 1000 + 60 });
const client = await RoomClient.ConnectAsync({ url: server.url, token, descriptor: createStreamDescriptor("default-head", ["flame/jawPose/0"]) });
console.log(JSON.stringify({ url: server.url, connections: server.stats.connections }));
client.dispose();
await server.closeAsync();
`;
        const result = JSON.parse(run(process.execPath, ["--input-type=module", "-e", script], app).trim().split("\n").pop()!) as { url: string; connections: number };
        expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(result.connections).toBe(1);
    }, 120_000);

    it("starts a development room server from the installed package: the exported start function, and the bin as docs/ROOM.md says", async () => {
        if (!existsSync(join(app, "node_modules/socket.io"))) {
            installOffline(app, repoRoot, ["@babylonjs/core", ...optionalPeers], tarball);
        }
        const script = `
import { StartDevelopmentRoomServerAsync, DevelopmentRoomSecret, signRoomToken } from "${packageJson.name}/server";
const server = await StartDevelopmentRoomServerAsync({ port: 0 });
const { token } = await (await fetch(server.url + "/room/token?room=demo&participant=alice")).json();
console.log(JSON.stringify({ url: server.url, token: typeof token, secret: DevelopmentRoomSecret.length, signed: typeof signRoomToken(DevelopmentRoomSecret, { room: "a", participant: "b", expires: 1e10 }) }));
await server.closeAsync();
`;
        const result = JSON.parse(run(process.execPath, ["--input-type=module", "-e", script], app).trim().split("\n").pop()!) as Record<string, unknown>;
        expect(result).toMatchObject({ token: "string", signed: "string" });
        // npx babylon-gem-avatars room --dev: the bin answers with the listening line (waited on, not timed), then stops.
        const { spawn } = await import("node:child_process");
        const child = spawn(join(app, "node_modules/.bin/babylon-gem-avatars"), ["room", "--dev", "--port", "0"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
        const line = await new Promise<string>((resolveLine, reject) => {
            let out = "";
            child.stdout.on("data", (chunk: Buffer) => {
                out += chunk.toString();
                const match = /room server listening on (\S+)/.exec(out);
                if (match) {
                    resolveLine(match[1]);
                }
            });
            child.once("exit", (code) => reject(new Error(`room command exited with ${code}: ${out}`)));
            child.once("error", reject);
        });
        expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
    }, 120_000);

    for (const resolution of ["Bundler", "NodeNext"] as const) {
        it(`type-checks against the published .d.ts with skipLibCheck false under ${resolution} resolution`, () => {
            if (!existsSync(join(app, "node_modules/socket.io"))) {
                installOffline(app, repoRoot, ["@babylonjs/core", ...optionalPeers], tarball);
            }
            const name = packageJson.name;
            // Every entry, as an app imports it (NodeNext needs Babylon's deep paths with .js; the Quick start uses Bundler).
            writeFileSync(
                join(app, "src/entries.ts"),
                `import { GemAvatar, formats, reconstruction, flame, gpu, type GemModel } from "${name}";
import * as pure from "${name}/pure";
import "${name}/register";
import { RoomClient, RoomPresence, createStreamDescriptor } from "${name}/room";
import { LiveFaceEncoder } from "${name}/encoder";
import { RoomServer, signRoomToken } from "${name}/server";
export const used: unknown[] = [GemAvatar, formats.parseGemFile, reconstruction.reconstructGaussians, flame.flameForward, gpu.GemReconstructionPass, pure.GemAvatar, RoomClient, RoomPresence, createStreamDescriptor, LiveFaceEncoder, RoomServer, signRoomToken];
export type Model = GemModel;
`
            );
            const module = resolution === "Bundler" ? "ESNext" : "NodeNext";
            const files = resolution === "Bundler" ? ["src/main.ts", "src/entries.ts"] : ["src/entries.ts"];
            const config = {
                compilerOptions: {
                    target: "ES2022",
                    module,
                    moduleResolution: resolution,
                    strict: true,
                    skipLibCheck: false,
                    noEmit: true,
                    lib: ["ES2022", "DOM", "DOM.Iterable"],
                    types: ["node"],
                },
                files,
            };
            writeFileSync(join(app, `tsconfig.${resolution}.json`), JSON.stringify(config, null, 2));
            const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
            let output = "";
            try {
                output = run(process.execPath, [tsc, "-p", `tsconfig.${resolution}.json`], app);
            } catch (error) {
                output = String((error as { stdout?: string }).stdout ?? error);
            }
            expect(output.trim()).toBe("");
        }, 300_000);
    }
});

async function bundleWithWebpack(app: string, out: string): Promise<void> {
    const config: webpack.Configuration = {
        mode: "production",
        context: app,
        entry: join(app, "src/main.ts"),
        output: { path: out, filename: "main.js", clean: true },
        resolve: { extensions: [".ts", ".js"] },
        resolveLoader: { modules: [join(repoRoot, "node_modules")] },
        module: { rules: [{ test: /\.ts$/, loader: "ts-loader", options: { transpileOnly: true, configFile: join(app, "tsconfig.json") } }] },
        performance: { hints: false },
    };
    await runWebpack(config);
    writeFileSync(join(out, "index.html"), indexHtml.replace("/src/main.ts", "/main.js"));
    cpSync(join(app, "public"), out, { recursive: true });
}
