/**
 * A minimal WebM (Matroska) muxer and reader for one video track of already-encoded frames (WebCodecs chunks): what
 * the bundled performance video of samples/live needs, written from the Matroska element specification.
 *
 * Layout written: EBML header (DocType "webm"), then one Segment of known size holding Info (1 ms timestamp scale,
 * duration), Tracks (one video track), Cues (one cue per cluster, so players seek without scanning) and one Cluster per
 * key frame (frames as SimpleBlocks, timestamps relative to the cluster).
 */
import { concatBytes } from "./concatBytes.js";

/** One encoded frame. */
export interface WebmFrame {
    /** Presentation time in milliseconds. */
    timestampMs: number;
    /** Whether the frame decodes on its own (a cluster starts at each). */
    key: boolean;
    /** The codec's bytes for the frame. */
    data: Uint8Array;
}

/** What {@link writeWebm} needs. */
export interface WebmVideo {
    /** Matroska codec id, for example `V_VP8` or `V_VP9`. */
    codecId: string;
    width: number;
    height: number;
    /** Duration of one frame in milliseconds (written as the track's default duration). */
    frameDurationMs: number;
    /** Frames in presentation order; the first must be a key frame. */
    frames: WebmFrame[];
    /** Written as the muxing and writing application. */
    application?: string;
}

/** What {@link readWebm} finds. */
export interface WebmSummary {
    docType: string;
    codecId: string;
    width: number;
    height: number;
    durationMs: number;
    /** Every SimpleBlock: absolute timestamp, key flag and size. */
    frames: { timestampMs: number; key: boolean; bytes: number }[];
    /** Cue times and whether each points at a cluster starting at that time. */
    cues: { timeMs: number; pointsAtCluster: boolean }[];
}

const Ids = {
    ebml: 0x1a45dfa3,
    ebmlVersion: 0x4286,
    ebmlReadVersion: 0x42f7,
    ebmlMaxIdLength: 0x42f2,
    ebmlMaxSizeLength: 0x42f3,
    docType: 0x4282,
    docTypeVersion: 0x4287,
    docTypeReadVersion: 0x4285,
    segment: 0x18538067,
    info: 0x1549a966,
    timestampScale: 0x2ad7b1,
    duration: 0x4489,
    muxingApp: 0x4d80,
    writingApp: 0x5741,
    tracks: 0x1654ae6b,
    trackEntry: 0xae,
    trackNumber: 0xd7,
    trackUid: 0x73c5,
    trackType: 0x83,
    flagLacing: 0x9c,
    codecId: 0x86,
    defaultDuration: 0x23e383,
    video: 0xe0,
    pixelWidth: 0xb0,
    pixelHeight: 0xba,
    cues: 0x1c53bb6b,
    cuePoint: 0xbb,
    cueTime: 0xb3,
    cueTrackPositions: 0xb7,
    cueTrack: 0xf7,
    cueClusterPosition: 0xf1,
    cluster: 0x1f43b675,
    timestamp: 0xe7,
    simpleBlock: 0xa3,
} as const;

/** Master elements the reader descends into. */
const masters: ReadonlySet<number> = new Set([Ids.ebml, Ids.segment, Ids.info, Ids.tracks, Ids.trackEntry, Ids.video, Ids.cues, Ids.cuePoint, Ids.cueTrackPositions, Ids.cluster]);

function idBytes(id: number): number[] {
    const bytes: number[] = [];
    for (let v = id; v > 0; v = Math.floor(v / 256)) {
        bytes.unshift(v & 0xff);
    }
    return bytes;
}

/** EBML variable-size integer of a data size, shortest form (never the all-ones "unknown" pattern). */
function sizeBytes(size: number): number[] {
    for (let length = 1; length <= 8; length++) {
        if (size < 2 ** (7 * length) - 1) {
            const bytes = new Array<number>(length);
            let v = size;
            for (let i = length - 1; i >= 0; i--) {
                bytes[i] = v & 0xff;
                v = Math.floor(v / 256);
            }
            bytes[0] |= 0x80 >> (length - 1);
            return bytes;
        }
    }
    throw new RangeError(`WebM element of ${size} bytes is too large`);
}

function element(id: number, ...children: Uint8Array[]): Uint8Array {
    const payload = concatBytes(children);
    return concatBytes([Uint8Array.from([...idBytes(id), ...sizeBytes(payload.length)]), payload]);
}

function uintElement(id: number, value: number, width = 0): Uint8Array {
    const bytes: number[] = [];
    for (let v = value; v > 0 || bytes.length < width; v = Math.floor(v / 256)) {
        bytes.unshift(v & 0xff);
    }
    return element(id, Uint8Array.from(bytes.length ? bytes : [0]));
}

function floatElement(id: number, value: number): Uint8Array {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value);
    return element(id, bytes);
}

function stringElement(id: number, value: string): Uint8Array {
    return element(id, new TextEncoder().encode(value));
}

/**
 * Writes a WebM file of one video track.
 * @param video codec, size, frames
 * @returns the file's bytes
 */
export function writeWebm(video: WebmVideo): Uint8Array {
    const { frames } = video;
    if (frames.length === 0 || !frames[0].key) {
        throw new RangeError("writeWebm: the first frame must be a key frame");
    }
    const application = video.application ?? "babylon-gem-avatars";
    const header = element(
        Ids.ebml,
        uintElement(Ids.ebmlVersion, 1),
        uintElement(Ids.ebmlReadVersion, 1),
        uintElement(Ids.ebmlMaxIdLength, 4),
        uintElement(Ids.ebmlMaxSizeLength, 8),
        stringElement(Ids.docType, "webm"),
        uintElement(Ids.docTypeVersion, 2),
        uintElement(Ids.docTypeReadVersion, 2)
    );
    const durationMs = frames[frames.length - 1].timestampMs + video.frameDurationMs;
    const info = element(
        Ids.info,
        uintElement(Ids.timestampScale, 1_000_000),
        floatElement(Ids.duration, durationMs),
        stringElement(Ids.muxingApp, application),
        stringElement(Ids.writingApp, application)
    );
    const tracks = element(
        Ids.tracks,
        element(
            Ids.trackEntry,
            uintElement(Ids.trackNumber, 1),
            uintElement(Ids.trackUid, 1),
            uintElement(Ids.trackType, 1),
            uintElement(Ids.flagLacing, 0),
            stringElement(Ids.codecId, video.codecId),
            uintElement(Ids.defaultDuration, Math.round(video.frameDurationMs * 1e6)),
            element(Ids.video, uintElement(Ids.pixelWidth, video.width), uintElement(Ids.pixelHeight, video.height))
        )
    );
    // One cluster per key frame; block timestamps are signed 16-bit offsets from the cluster's.
    const clusters: { timeMs: number; bytes: Uint8Array }[] = [];
    let start = 0;
    while (start < frames.length) {
        let end = start + 1;
        while (end < frames.length && !frames[end].key && frames[end].timestampMs - frames[start].timestampMs < 30_000) {
            end++;
        }
        const clusterTime = Math.round(frames[start].timestampMs);
        const blocks = frames.slice(start, end).map((frame) => {
            const relative = Math.round(frame.timestampMs) - clusterTime;
            return element(Ids.simpleBlock, Uint8Array.from([0x81, (relative >> 8) & 0xff, relative & 0xff, frame.key ? 0x80 : 0x00]), frame.data);
        });
        clusters.push({ timeMs: clusterTime, bytes: element(Ids.cluster, uintElement(Ids.timestamp, clusterTime), ...blocks) });
        start = end;
    }
    // Cue positions are offsets from the start of the segment's data; written 8 bytes wide so the cues' own size is
    // known before the positions are.
    const cuesFor = (positions: number[]) =>
        element(
            Ids.cues,
            ...clusters.map((cluster, i) =>
                element(
                    Ids.cuePoint,
                    uintElement(Ids.cueTime, cluster.timeMs),
                    element(Ids.cueTrackPositions, uintElement(Ids.cueTrack, 1), uintElement(Ids.cueClusterPosition, positions[i], 8))
                )
            )
        );
    const before = info.length + tracks.length + cuesFor(clusters.map(() => 0)).length;
    const positions: number[] = [];
    let offset = before;
    for (const cluster of clusters) {
        positions.push(offset);
        offset += cluster.bytes.length;
    }
    return concatBytes([header, element(Ids.segment, info, tracks, cuesFor(positions), ...clusters.map((c) => c.bytes))]);
}

function readVint(bytes: Uint8Array, offset: number, keepMarker: boolean, field: string): { value: number; length: number } {
    if (offset >= bytes.length) {
        throw new RangeError(`WebM: ${field} runs past the end of the file at byte ${offset}`);
    }
    const first = bytes[offset];
    let length = 1;
    while (length <= 8 && !(first & (0x80 >> (length - 1)))) {
        length++;
    }
    if (length > 8 || offset + length > bytes.length) {
        throw new RangeError(`WebM: invalid ${field} at byte ${offset}`);
    }
    let value = keepMarker ? first : first & (0xff >> length);
    for (let i = 1; i < length; i++) {
        value = value * 256 + bytes[offset + i];
    }
    return { value, length };
}

function readUint(bytes: Uint8Array): number {
    return bytes.reduce((v, b) => v * 256 + b, 0);
}

/**
 * Reads the structure of a WebM file written by {@link writeWebm} (or any WebM with one video track in SimpleBlocks),
 * checking every element's size against the buffer.
 * @param bytes the file
 * @returns what it holds
 */
export function readWebm(bytes: Uint8Array): WebmSummary {
    const summary: WebmSummary = { docType: "", codecId: "", width: 0, height: 0, durationMs: 0, frames: [], cues: [] };
    const cuePositions: number[] = [];
    const clusterStarts = new Map<number, number>();
    let segmentData = -1;
    let timestampScale = 1_000_000;
    let clusterTime = 0;
    let clusterStart = -1;
    const walk = (from: number, to: number, depth: number): void => {
        let offset = from;
        while (offset < to) {
            const id = readVint(bytes, offset, true, "element id");
            const size = readVint(bytes, offset + id.length, false, `size of element 0x${id.value.toString(16)}`);
            const dataStart = offset + id.length + size.length;
            const dataEnd = dataStart + size.value;
            if (dataEnd > to) {
                throw new RangeError(`WebM: element 0x${id.value.toString(16)} at byte ${offset} declares ${size.value} bytes, past its parent's end`);
            }
            const data = bytes.subarray(dataStart, dataEnd);
            switch (id.value) {
                case Ids.segment:
                    segmentData = dataStart;
                    break;
                case Ids.docType:
                    summary.docType = new TextDecoder().decode(data);
                    break;
                case Ids.timestampScale:
                    timestampScale = readUint(data);
                    break;
                case Ids.duration:
                    summary.durationMs =
                        (data.length === 8 ? new DataView(data.buffer, data.byteOffset).getFloat64(0) : new DataView(data.buffer, data.byteOffset).getFloat32(0)) *
                        (timestampScale / 1e6);
                    break;
                case Ids.codecId:
                    summary.codecId = new TextDecoder().decode(data);
                    break;
                case Ids.pixelWidth:
                    summary.width = readUint(data);
                    break;
                case Ids.pixelHeight:
                    summary.height = readUint(data);
                    break;
                case Ids.cueTime:
                    summary.cues.push({ timeMs: (readUint(data) * timestampScale) / 1e6, pointsAtCluster: false });
                    break;
                case Ids.cueClusterPosition:
                    cuePositions.push(readUint(data));
                    break;
                case Ids.cluster:
                    clusterStart = offset - segmentData;
                    clusterStarts.set(clusterStart, Number.NaN);
                    break;
                case Ids.timestamp:
                    clusterTime = readUint(data);
                    clusterStarts.set(clusterStart, (clusterTime * timestampScale) / 1e6);
                    break;
                case Ids.simpleBlock: {
                    const track = readVint(data, 0, false, "block track number");
                    if (data.length < track.length + 3) {
                        throw new RangeError(`WebM: SimpleBlock at byte ${offset} is shorter than its header`);
                    }
                    const relative = new DataView(data.buffer, data.byteOffset + track.length).getInt16(0);
                    summary.frames.push({
                        timestampMs: ((clusterTime + relative) * timestampScale) / 1e6,
                        key: (data[track.length + 2] & 0x80) !== 0,
                        bytes: data.length - track.length - 3,
                    });
                    break;
                }
            }
            if (masters.has(id.value) && depth < 8) {
                walk(dataStart, dataEnd, depth + 1);
            }
            offset = dataEnd;
        }
    };
    walk(0, bytes.length, 0);
    summary.cues.forEach((cue, i) => (cue.pointsAtCluster = clusterStarts.get(cuePositions[i]) === cue.timeMs));
    return summary;
}
