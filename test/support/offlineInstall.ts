import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

/** One entry of a v3 package-lock.json `packages` map. */
interface LockEntry {
    version?: string;
    resolved?: string;
    integrity?: string;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    [key: string]: unknown;
}

/**
 * Installs packages into an app with `npm ci --offline`: the app's lockfile is cut from the repository's own (the same
 * versions and integrities, which `npm ci` already put in npm's cache), plus a local tarball. `npm install --offline`
 * cannot do this: it needs each package's registry metadata, which a lockfile install never caches.
 * @param app the app folder (its package.json is written)
 * @param repoRoot the repository whose package-lock.json and cache serve the packages
 * @param packages names of packages of the repository's lockfile to install at the top level
 * @param tarball a packed package to install from its file, or null
 */
export function installOffline(app: string, repoRoot: string, packages: readonly string[], tarball: string | null): void {
    const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
    const entries: Record<string, LockEntry> = {};
    // Node's resolution: a dependency of the package at `from` is the nearest node_modules/<name> above it.
    const resolve = (from: string, name: string): string => {
        for (let at = from; ; at = at.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, "")) {
            const key = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
            if (lock.packages[key]) {
                return key;
            }
            if (!at) {
                throw new Error(`package-lock.json has no ${name} for ${from || "the root"}`);
            }
        }
    };
    const add = (key: string): void => {
        if (entries[key]) {
            return;
        }
        const {
            dev: _dev,
            devOptional: _devOptional,
            peer: _peer,
            optional: _optional,
            ...entry
        } = lock.packages[key] as LockEntry & { dev?: boolean; devOptional?: boolean; peer?: boolean; optional?: boolean };
        entries[key] = entry;
        const required = {
            ...entry.dependencies,
            ...Object.fromEntries(Object.entries(entry.peerDependencies ?? {}).filter(([name]) => !entry.peerDependenciesMeta?.[name]?.optional)),
        };
        for (const name of Object.keys(required)) {
            add(resolve(key, name));
        }
        for (const name of Object.keys(entry.optionalDependencies ?? {})) {
            const found = (() => {
                try {
                    return resolve(key, name);
                } catch {
                    return null;
                }
            })();
            if (found) {
                add(found);
            }
        }
    };
    const dependencies: Record<string, string> = {};
    for (const name of packages) {
        add(`node_modules/${name}`);
        dependencies[name] = lock.packages[`node_modules/${name}`].version!;
    }
    if (tarball) {
        const manifest = JSON.parse(execFileSync("tar", ["-xOzf", tarball, "package/package.json"], { encoding: "utf8" })) as LockEntry & {
            name: string;
            bin?: Record<string, string>;
        };
        const spec = `file:${tarball}`;
        dependencies[manifest.name] = spec;
        entries[`node_modules/${manifest.name}`] = {
            version: manifest.version,
            resolved: spec,
            integrity: `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`,
            ...(manifest.peerDependencies ? { peerDependencies: manifest.peerDependencies } : {}),
            ...(manifest.peerDependenciesMeta ? { peerDependenciesMeta: manifest.peerDependenciesMeta } : {}),
            // npm links a package's commands from its lockfile entry, as a registry install would from its manifest.
            ...(manifest.bin ? { bin: manifest.bin } : {}),
        };
    }
    const name = basename(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name, private: true, type: "module", dependencies }, null, 2));
    const lockfile = { name, lockfileVersion: 3, requires: true, packages: { "": { name, dependencies }, ...entries } };
    writeFileSync(join(app, "package-lock.json"), JSON.stringify(lockfile, null, 2));
    execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], {
        cwd: app,
        stdio: ["ignore", "pipe", "pipe"],
    });
}
