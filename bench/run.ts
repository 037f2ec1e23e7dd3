/**
 * `npm run bench` (full) and `npm run bench -- --smoke` (seconds; run by the tests so the bench cannot rot).
 * Prints tables of ours vs the baseline measured in the same run, with absolute figures, and writes JSON under
 * bench/results/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { openBrowserSession, repoRoot } from "../tools/browser/browserSession.js";
import { readFileSync } from "node:fs";
import { parseGemFile } from "../loaders/gem/gemContainer.js";
import { measureCpuReconstruction, type CpuReconstructionRow } from "./cpuReconstruction.js";
import { measureLoadFormats } from "./loadFormats.js";
import { measureEncoderInference } from "./encoderInference.js";
import { measureFaceTracking } from "./faceTracking.js";
import { measurePersonalise } from "./personalise.js";
import { measureHeadsetModel } from "./headsetModel.js";
import { measureRoomBandwidth } from "./roomBandwidth.js";
import { measureRoomModelTransfer } from "./roomModelTransfer.js";
import { measureRoomLoadTable, roomLoadTitle, roomLoadTableRow } from "./roomLoad.js";
import { frameAllocationTableRow, measureFrameAllocationTable } from "./frameAllocations.js";
import { table } from "./table.js";

const smoke = process.argv.includes("--smoke");
const outArgument = process.argv.find((a) => a.startsWith("--out="));

async function main(): Promise<void> {
    const machine = {
        cpu: cpus()[0]?.model ?? "unknown",
        cores: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        mode: smoke ? "smoke" : "full",
    };
    console.log(`machine: ${JSON.stringify(machine)}`);

    const cpuConfigs: [number, number][] = smoke
        ? [[2000, 4]]
        : [
              [20000, 16],
              [20000, 64],
              [100000, 16],
              [100000, 64],
          ];
    const dtypes = smoke ? (["float32"] as const) : (["float32", "float16", "uint8"] as const);
    const cpuRows: CpuReconstructionRow[] = [];
    for (const [g, k] of cpuConfigs) {
        for (const dtype of dtypes) {
            cpuRows.push(measureCpuReconstruction(g, k, dtype, smoke ? 3 : 7));
        }
    }
    table(
        "CPU reference reconstruction (Node) vs memcpy of the same basis bytes",
        cpuRows.map((r) => ({
            G: r.gaussians,
            K: r.components,
            dtype: r.dtype,
            "basis MB": r.basisBytes / 1e6,
            "ours ms": r.reconstructMs,
            "memcpy ms": r.memcpyMs,
            "ours GB/s": r.reconstructGBps,
            "memcpy GB/s": r.memcpyGBps,
            "ours/memcpy": r.ratio,
        }))
    );

    // The shipped default head (16k Gaussians, 36 coefficients) as the avatar being loaded.
    const defaultHead = parseGemFile(readFileSync(resolve(repoRoot, "samples/assets/cartoon-head.gem")), "cartoon-head.gem");
    const loadRows = measureLoadFormats(defaultHead, 300, smoke ? 2 : 7);
    table(
        `Load in Node: .gem parse vs 3DGS PLY parse of the same avatar (${defaultHead.gaussianCount} Gaussians; the PLY sequence is 300 frames of the same size)`,
        loadRows.map((r) => ({ format: r.format, MB: r.bytes / 1e6, "parse ms": r.parseMs, "bytes vs PLY sequence": r.bytesVsPlySequence }))
    );

    const encoder = await measureEncoderInference(smoke ? 5 : 200);
    table("Test face encoder in onnxruntime-web (WASM, Node, one thread) vs an Identity graph on the same input, and the 30 fps budget", [
        {
            "encode ms (preprocess + run)": encoder.encodeMs,
            "inference ms": encoder.inferenceMs,
            "Identity graph ms": encoder.identityMs,
            "inference/Identity": encoder.inferenceMs / encoder.identityMs,
            "encode/33.3 ms budget": encoder.encodeMs / (1000 / 30),
        },
    ]);

    const faceTracking = await measureFaceTracking(smoke ? 4 : 30);
    table("Face tracker per camera picture in samples/live (Chromium, fake camera playing the rendered performance) vs the 30 fps budget", [
        {
            backend: faceTracking.backend,
            pictures: faceTracking.pictures,
            "landmarks ms (worker)": faceTracking.landmarksMs,
            "solver ms (main thread)": faceTracking.solverMs,
            "picture → layer ms": faceTracking.resultLatencyMs,
            "picture → avatar drawn ms": faceTracking.avatarLatencyMs,
            "landmarks/33.3 ms budget": faceTracking.landmarksMs / (1000 / 30),
            "pictures/s": faceTracking.picturesPerSecond,
            "page fps": faceTracking.renderFps,
        },
    ]);

    const personalise = await measurePersonalise(smoke ? 3000 : 18000, smoke);
    table("Capture → personal avatar in samples/personalise (Chromium, fake camera, the worker beside SwiftShader drawing) vs the one-minute goal", [
        {
            Gaussians: personalise.gaussians,
            pictures: personalise.pictures,
            "capture s": personalise.captureS,
            "assets ms": personalise.assetsMs,
            "shape ms (worker)": personalise.shapeMs,
            "shape ms (Node, same pictures)": personalise.nodeShapeMs,
            "appearance ms": personalise.appearanceMs,
            "appearance ms (Node)": personalise.nodeAppearanceMs,
            "distillation ms": personalise.distillationMs,
            "write ms": personalise.writeMs,
            "load ms": personalise.loadMs,
            "capture → avatar s": personalise.totalS,
            "total/60 s goal": personalise.totalS / 60,
        },
    ]);

    const network = await measureRoomBandwidth(smoke ? 1 : 10);
    table(
        `Room protocol: bits/s per avatar at ${network.frameRate} fps (${network.channels} FLAME channels × 8 bit, ${network.frameBytes}-byte frames) vs the same frame through Socket.IO's stock parser and float32 JSON`,
        [
            {
                "ours up kbit/s (measured)": network.oursWireBitsPerSecond / 1000,
                "ours down kbit/s per remote (measured)": network.oursDownBitsPerSecond / 1000,
                "stock parser kbit/s": network.stockParserBitsPerSecond / 1000,
                "float32 JSON kbit/s": network.jsonFloatBitsPerSecond / 1000,
                "ours/stock": network.oursWireBitsPerSecond / network.stockParserBitsPerSecond,
                "ours/JSON": network.oursWireBitsPerSecond / network.jsonFloatBitsPerSecond,
            },
        ]
    );

    const frameAllocations = await measureFrameAllocationTable(smoke);
    table(
        "Garbage per frame in the samples (Chromium, SwiftShader): JS heap (sampling profiler; the plugin's share in brackets), typed-array storage and objects, garbage collections per minute",
        frameAllocations.map(frameAllocationTableRow)
    );

    const roomLoad = await measureRoomLoadTable(smoke);
    table(roomLoadTitle, roomLoad.map(roomLoadTableRow));

    const modelTransfer = await measureRoomModelTransfer();
    table(
        `Personal model in a room: upload once, a peer on ${modelTransfer.redis ? "another process (shared Redis)" : "the same process"} fetches it by hash, checks and parses it; first peer frame vs a shipped head`,
        [
            {
                "model MB": modelTransfer.modelMB,
                "upload ms": modelTransfer.uploadMs,
                "fetch + check + parse ms": modelTransfer.fetchAndParseMs,
                "first peer frame s (personal)": modelTransfer.personalFirstFrameSeconds,
                "first peer frame s (shipped)": modelTransfer.shippedFirstFrameSeconds,
                "personal/shipped": modelTransfer.personalFirstFrameSeconds / modelTransfer.shippedFirstFrameSeconds,
            },
        ]
    );

    const headsetRows = [
        { maxComponents: 8, halfPrecision: true },
        { maxComponents: 8, halfPrecision: true, splatBudget: 10_000 },
    ].map((options) => measureHeadsetModel(defaultHead, options, smoke ? 2 : 9));
    table(
        "Headset performance model vs the full default head: basis bytes read per changed frame, CPU reference reconstruction (Node)",
        headsetRows.map((r) => ({
            options: r.options,
            Gaussians: `${r.gaussians[0]} → ${r.gaussians[1]}`,
            "basis MB": `${(r.basisBytes[0] / 1e6).toFixed(2)} → ${(r.basisBytes[1] / 1e6).toFixed(2)}`,
            "bytes ratio": r.basisBytes[1] / r.basisBytes[0],
            "full ms": r.fullMs,
            "performance ms": r.performanceMs,
            "time ratio": r.performanceMs / r.fullMs,
        }))
    );

    const gpuRows: Record<string, number | string>[] = [];
    const frameRows: Record<string, number | string>[] = [];
    const sortRows: Record<string, number | string>[] = [];
    const crowdRows: Record<string, number | string>[] = [];
    const loadBrowserRows: Record<string, number | string>[] = [];
    let browser = "";
    // The GPU rows on both engines, each against Babylon's baselines on the same engine; tables once both ran.
    for (const kind of ["webgl2", "webgpu"] as const) {
        const session = await openBrowserSession(["gem-bench"], {}, kind === "webgpu" ? ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader"] : []);
        try {
            const call = <T>(name: string, ...args: unknown[]) =>
                session.page.evaluate(([n, a]) => (window as any).gemBench[n as string](...(a as unknown[])), [name, args] as const) as Promise<T>;
            browser = await call<string>("init", 256, kind);
            console.log(`browser: ${browser}`);
            const gpuConfigs: [number, number][] = smoke
                ? [[2000, 4]]
                : [
                      [20000, 16],
                      [20000, 64],
                      [100000, 16],
                      [100000, 64],
                  ];
            for (const [g, k] of gpuConfigs) {
                const r = await call<{ gaussians: number; components: number; dtype: string; basisBytes: number; passMs: number; readOnlyMs: number }>(
                    "reconstruction",
                    g,
                    k,
                    "float16",
                    smoke ? 3 : 9
                );
                gpuRows.push({
                    engine: kind,
                    G: r.gaussians,
                    K: r.components,
                    dtype: r.dtype,
                    "basis MB": r.basisBytes / 1e6,
                    "pass ms": r.passMs,
                    "read-only ms": r.readOnlyMs,
                    "pass/read-only": r.passMs / r.readOnlyMs,
                    "pass GB/s": r.basisBytes / r.passMs / 1e6,
                });
            }
            if (kind === "webgpu") table("GPU reconstruction pass (per coefficient change) vs a read-only pass over the same basis texels", gpuRows);
            const frameConfigs: [number, number, number][] = smoke
                ? [[1000, 4, 3]]
                : [
                      [20000, 16, 15],
                      [20000, 64, 15],
                      [100000, 16, 7],
                      [100000, 64, 7],
                  ];
            for (const [g, k, n] of frameConfigs) {
                const r = await call<{ gaussians: number; components: number; animatedMs: number; staticMs: number }>("frameTime", g, k, n);
                frameRows.push({
                    engine: kind,
                    G: r.gaussians,
                    K: r.components,
                    "animated ms/frame": r.animatedMs,
                    "static GS mesh ms/frame": r.staticMs,
                    "animated/static": r.animatedMs / r.staticMs,
                });
            }
            if (kind === "webgpu") table("Frame time: avatar with new coefficients every frame vs Babylon's static GaussianSplattingMesh (256×256)", frameRows);
            const sortConfigs: [number, number][] = smoke
                ? [[2000, 4]]
                : [
                      [20000, 16],
                      [100000, 16],
                  ];
            for (const [g, k] of sortConfigs) {
                const r = await call<{ gaussians: number; components: number; oursMs: number; cpuPositionsMs: number; babylonMs: number }>("sortLatency", g, k, smoke ? 3 : 9);
                sortRows.push({
                    engine: kind,
                    G: r.gaussians,
                    K: r.components,
                    "ours ms (coefficients → sorted)": r.oursMs,
                    "CPU position group ms": r.cpuPositionsMs,
                    "Babylon re-sort ms": r.babylonMs,
                    "ours/Babylon": r.oursMs / r.babylonMs,
                });
            }
            if (kind === "webgpu") table("Depth sort with deformed positions (request → sorted index buffer) vs Babylon's own sort of the same count", sortRows);
            const crowdConfigs: [number, number, number, number][] = smoke ? [[4, 500, 4, 3]] : [[16, 20000, 16, 7]];
            for (const [n, g, k, frames] of crowdConfigs) {
                const r = await call<{ count: number; gaussians: number; components: number; crowdMs: number; separateMs: number; staticMs: number }>(
                    "crowdFrameTime",
                    n,
                    g,
                    k,
                    frames
                );
                crowdRows.push({
                    engine: kind,
                    avatars: r.count,
                    G: r.gaussians,
                    K: r.components,
                    "crowd ms/frame": r.crowdMs,
                    "separate meshes ms/frame": r.separateMs,
                    [`static ${r.count}×G mesh ms/frame`]: r.staticMs,
                    "crowd/static": r.crowdMs / r.staticMs,
                });
            }
            const loadConfigs: [number, number, number][] = smoke
                ? [[2000, 4, 2]]
                : [
                      [20000, 16, 7],
                      [100000, 16, 5],
                  ];
            for (const [g, k, repeats] of loadConfigs) {
                const uploadRows = await call<{ format: string; bytes: number; ms: number }[]>("loadToFirstFrame", g, k, repeats);
                const plyMs = uploadRows[uploadRows.length - 1].ms;
                for (const r of uploadRows)
                    loadBrowserRows.push({ engine: kind, format: r.format, G: g, K: k, MB: r.bytes / 1e6, "load → first frame ms": r.ms, "vs PLY 1 frame": r.ms / plyMs });
            }
            if (kind === "webgpu")
                table(
                    "Browser load to first drawable frame: .gem parse + upload + first reconstruction and sort vs Babylon's PLY path (convert + upload + sort) for one frame",
                    loadBrowserRows
                );
            if (kind === "webgpu")
                table("Crowd: N avatars with new coefficients every frame (one global sort) vs N separate avatars vs one static splat mesh of N × G (256×256)", crowdRows);
        } finally {
            await session.close();
        }
    }

    const result = {
        date: new Date().toISOString(),
        machine,
        browser,
        cpuReconstruction: cpuRows,
        load: loadRows,
        encoder,
        faceTracking,
        personalise,
        network,
        roomLoad,
        modelTransfer,
        frameAllocations,
        headset: headsetRows,
        gpuReconstruction: gpuRows,
        frameTime: frameRows,
        sort: sortRows,
        crowd: crowdRows,
        loadBrowser: loadBrowserRows,
    };
    const outDir = resolve(repoRoot, "bench/results");
    mkdirSync(outDir, { recursive: true });
    const path = outArgument ? resolve(outArgument.slice(6)) : resolve(outDir, `${smoke ? "smoke" : "bench"}-${result.date.replace(/[:.]/g, "-")}.json`);
    writeFileSync(path, JSON.stringify(result, null, 2));
    console.log(`\nwrote ${path}`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
