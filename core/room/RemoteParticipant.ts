import type { ExpressionStreamDescriptor } from "./expressionStream.js";
import { JitterBuffer, type JitterBufferOptions } from "./JitterBuffer.js";

/** Another participant of a room as one client sees it: its stream, its jitter buffer and its current values. */
export class RemoteParticipant {
    /** Participant id. */
    public readonly participant: string;
    /** Slot stamped on its frames. */
    public readonly slot: number;
    /** Its stream descriptor (model id, channels, quantisation). */
    public readonly descriptor: ExpressionStreamDescriptor;
    /** Its jitter buffer. */
    public readonly buffer: JitterBuffer;
    /** Values at the last sample, one per descriptor channel. */
    public readonly values: Float32Array;
    /** Whether `values` holds a played frame yet. */
    public hasValues = false;
    /** Frame bytes received from it (before impairment). */
    public bytesReceived = 0;
    /** Frames received from it (before impairment). */
    public framesReceived = 0;
    /** Frames that did not decode. */
    public framesMalformed = 0;

    /**
     * Creates the participant's receive state.
     * @param participant id
     * @param slot frame slot
     * @param descriptor stream descriptor
     * @param bufferOptions jitter buffer delays (channel count comes from the descriptor)
     */
    constructor(participant: string, slot: number, descriptor: ExpressionStreamDescriptor, bufferOptions: Omit<JitterBufferOptions, "channelCount"> = {}) {
        this.participant = participant;
        this.slot = slot;
        this.descriptor = descriptor;
        this.buffer = new JitterBuffer({ ...bufferOptions, channelCount: descriptor.channels.length });
        this.values = new Float32Array(descriptor.channels.length);
    }
}
