import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layering of the package (README, "What is where"): `core/` is engine-free and imports nothing from the other
 * folders; `materials/` builds on core; `plugin/` on core and materials; `loaders/` on core, materials and plugin (a
 * scene-loader plugin creates avatars, as Babylon's SPLAT loader creates GaussianSplattingMesh); `server/` on core and loaders (it
 * checks personal models with the `.gem` parser).
 * The package entries at the root (`index.ts`, `pure.ts`) sit above all of them.
 */
const repoRoot = resolve(import.meta.dirname, "../..");
const sourceFolders = ["core", "materials", "plugin", "loaders", "server"] as const;
const allowed: Record<(typeof sourceFolders)[number], readonly string[]> = {
    core: [],
    materials: ["core"],
    plugin: ["core", "materials"],
    loaders: ["core", "materials", "plugin"],
    // The room server checks personal models with the package's own .gem parser (loaders/gem/gemContainer.ts, core only).
    server: ["core", "loaders"],
};

function sourceFiles(folder: string): string[] {
    return readdirSync(join(repoRoot, folder), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
        .map((entry) => relative(repoRoot, join(entry.parentPath, entry.name)));
}

/** Module specifiers of every import, export-from and dynamic import in a file (comments stripped first). */
function importSpecifiers(file: string): string[] {
    const text = readFileSync(join(repoRoot, file), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
    const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;
    return [...text.matchAll(pattern)].map((match) => match[1]);
}

/** Top-level folder an import lands in, or null for a package import. */
function targetFolder(file: string, specifier: string): string | null {
    if (!specifier.startsWith(".")) {
        return null;
    }
    const target = relative(repoRoot, resolve(repoRoot, dirname(file), specifier));
    return target.includes("/") ? target.split("/")[0] : ".";
}

describe("package layering", () => {
    it("core/ imports nothing from Babylon and nothing from the other folders", () => {
        const offences: string[] = [];
        for (const file of sourceFiles("core")) {
            for (const specifier of importSpecifiers(file)) {
                const folder = targetFolder(file, specifier);
                if (specifier.startsWith("@babylonjs") || (folder !== null && folder !== "core")) {
                    offences.push(`${file} imports ${specifier}`);
                }
            }
        }
        expect(offences).toEqual([]);
    });

    it("each source folder imports only the folders below it, so there is no cycle between folders", () => {
        const offences: string[] = [];
        for (const folder of sourceFolders) {
            for (const file of sourceFiles(folder)) {
                for (const specifier of importSpecifiers(file)) {
                    const target = targetFolder(file, specifier);
                    if (target !== null && target !== folder && !allowed[folder].includes(target)) {
                        offences.push(`${file} imports ${specifier} (${folder} → ${target})`);
                    }
                }
            }
        }
        expect(offences).toEqual([]);
    });

    it("the allowed folder graph itself has no cycle", () => {
        const visiting = new Set<string>();
        const done = new Set<string>();
        const visit = (folder: string, path: string[]): void => {
            expect(visiting.has(folder), `cycle ${[...path, folder].join(" → ")}`).toBe(false);
            if (done.has(folder)) {
                return;
            }
            visiting.add(folder);
            for (const next of allowed[folder as keyof typeof allowed]) {
                visit(next, [...path, folder]);
            }
            visiting.delete(folder);
            done.add(folder);
        };
        sourceFolders.forEach((folder) => visit(folder, []));
    });
});
