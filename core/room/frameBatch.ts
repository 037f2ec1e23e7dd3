/**
 * What a room server sends its clients: one binary message per tick holding every frame that arrived in the room since
 * the last one. Each record is the sender's slot (u16, little-endian), the frame's length (u16) and the frame as the
 * sender published it; a message holds one or more records back to back.
 */

/** Bytes before each frame of a batch: slot (u16) and length (u16). */
export const FrameRecordHeaderBytes = 4;

/**
 * Writes one record into a batch.
 * @param target batch being built
 * @param offset where the record starts
 * @param slot sender's slot
 * @param frame the frame
 * @returns the offset after the record
 */
export function writeFrameRecord(target: Uint8Array, offset: number, slot: number, frame: Uint8Array): number {
    target[offset] = slot & 0xff;
    target[offset + 1] = (slot >> 8) & 0xff;
    target[offset + 2] = frame.length & 0xff;
    target[offset + 3] = (frame.length >> 8) & 0xff;
    target.set(frame, offset + FrameRecordHeaderBytes);
    return offset + FrameRecordHeaderBytes + frame.length;
}

/**
 * Visits the records of a batch in order; never trusts the lengths.
 * @param batch message bytes
 * @param visit called with each record's slot and frame (a view into the batch)
 * @returns the number of records, or -1 when the message is malformed (records before the fault were visited)
 */
export function forEachFrameRecord(batch: Uint8Array, visit: (slot: number, frame: Uint8Array) => void): number {
    let offset = 0;
    let count = 0;
    while (offset < batch.length) {
        if (offset + FrameRecordHeaderBytes > batch.length) return -1;
        const slot = batch[offset] | (batch[offset + 1] << 8);
        const length = batch[offset + 2] | (batch[offset + 3] << 8);
        const start = offset + FrameRecordHeaderBytes;
        if (length === 0 || start + length > batch.length) return -1;
        visit(slot, batch.subarray(start, start + length));
        offset = start + length;
        count++;
    }
    return count === 0 ? -1 : count;
}
