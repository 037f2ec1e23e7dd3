/**
 * The personalise sample's worker: builds a personal head from the captured pictures off the page's thread (shape fit,
 * appearance projection, distillation of the personal teacher into a `.gem`). It fetches only the app's own assets; the
 * pictures arrive from the page and the `.gem` goes back to it, nothing else leaves.
 */
import { readNpzAsync } from "../../loaders/archives/npzArchive.js";
import { serializeGemFile } from "../../loaders/gem/gemContainer.js";
import { LoadLandmarkModelAsync } from "../../loaders/tracking/landmarkModelFile.js";
import { buildPersonalHead, DetectorLandmarkOptions, type CaptureFrame, type PersonalHeadReport } from "../../tools/personalise/personalHead.js";
import type { SurfaceLandmark } from "../../tools/personalise/personalShape.js";
import { IctHeadWriteOptions, talkingTrackRows } from "../../tools/synthetic/ictDefaultHeads.js";
import { parseIctFaceKit } from "../../tools/synthetic/ictHead.js";

/** What the page asks for. */
export interface PersonaliseRequest {
    type: "build";
    frames: CaptureFrame[];
    /** Absolute URLs of the assets. */
    assets: { kit: string; landmarkModel: string; correspondence: string; talking: string };
    gaussians: number;
}

/** What the worker reports. */
export type PersonaliseMessage =
    | { type: "progress"; stage: string; done: number; total: number }
    | {
          type: "done";
          gem: Uint8Array;
          report: PersonalHeadReport;
      }
    | { type: "error"; message: string };

const post = (message: PersonaliseMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

async function fetchOk(url: string): Promise<Response> {
    const response = await fetch(url);
    if (!response.ok) {
        throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
    }
    return response;
}

self.onmessage = async (event: MessageEvent<PersonaliseRequest>) => {
    const request = event.data;
    if (request.type !== "build") {
        return;
    }
    try {
        const start = performance.now();
        post({ type: "progress", stage: "loading the head model", done: 0, total: 1 });
        const [kitBytes, landmarkModel, correspondence, talking] = await Promise.all([
            fetchOk(request.assets.kit).then(async (r) => new Uint8Array(await r.arrayBuffer())),
            LoadLandmarkModelAsync(request.assets.landmarkModel),
            fetchOk(request.assets.correspondence).then((r) => r.json() as Promise<{ landmarks: SurfaceLandmark[] }>),
            fetchOk(request.assets.talking).then(async (r) => talkingTrackRows(await r.text())),
        ]);
        const kit = parseIctFaceKit(await readNpzAsync(kitBytes, "ict-facekit.npz"));
        const assets = performance.now() - start;
        const head = buildPersonalHead(kit, landmarkModel, correspondence.landmarks, request.frames, talking, {
            ...DetectorLandmarkOptions,
            gaussians: request.gaussians,
            onProgress: (stage, done, total) => post({ type: "progress", stage, done, total }),
        });
        const writeStart = performance.now();
        const gem = serializeGemFile(head.model!, { ...IctHeadWriteOptions, generator: "babylon-gem-avatars personalise sample" });
        const write = performance.now() - writeStart;
        post(
            {
                type: "done",
                gem,
                report: {
                    identity: Array.from(head.shape.identity),
                    vertexOffsets: head.shape.vertexOffsets,
                    residualMm: {
                        template: head.shape.residual.template * 1000,
                        identity: head.shape.residual.identity * 1000,
                        personal: head.shape.residual.personal * 1000,
                    },
                    usedFrames: head.shape.usedFrames,
                    seenFraction: head.appearance.seenFraction,
                    rejected: head.appearance.rejected,
                    samples: head.appearance.samples,
                    gaussians: head.model!.gaussianCount,
                    components: Object.fromEntries(head.model!.groups.map((g) => [g.name, g.components])),
                    timings: { assets, ...head.timings, write },
                },
            },
            [gem.buffer, head.shape.vertexOffsets.buffer]
        );
    } catch (error) {
        post({ type: "error", message: (error as Error).message });
    }
};
