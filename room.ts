/**
 * Telepresence room client: `babylon-gem-avatars/room`. Needs `socket.io-client` (an optional peer dependency of
 * this package: `npm install socket.io-client`). The protocol (stream descriptors, frames, jitter buffer) is
 * engine-free and shared with the room server.
 */
export { RoomClient, type RoomClientOptions, type RoomClientStats } from "./plugin/room/RoomClient.js";
export { RoomPresence, type RoomPresenceOptions, type RoomAvatar } from "./plugin/room/RoomPresence.js";
export { RoomModels, PersonalModelPrefix } from "./plugin/room/RoomModels.js";
export { RemoteParticipant } from "./core/room/RemoteParticipant.js";
export * from "./core/room/expressionStream.js";
export { JitterBuffer, unwrap16, type JitterBufferOptions, type JitterBufferStats } from "./core/room/JitterBuffer.js";
export { NetworkImpairment, type NetworkImpairmentOptions, type NetworkImpairmentStats } from "./core/room/NetworkImpairment.js";
export type { RoomParticipantInfo, RoomParticipantLeft } from "./core/room/roomMessages.js";
export { RoomError, type RoomErrorCode } from "./core/errors/RoomError.js";
