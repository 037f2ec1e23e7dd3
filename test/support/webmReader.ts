/**
 * A WebM (Matroska) reader for one video track, written from the Matroska element specification: what the tests need
 * to check the bundled performance video of samples/live (written by webm-muxer, `npm run make-video`): codec, size,
 * duration, every frame's time and key flag, and that each cue points at a cluster starting at its time.
 */

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
