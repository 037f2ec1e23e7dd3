// Node entry point of the room server: `import { RoomServer, signRoomToken } from "babylon-gem-avatars/server"`.
export { RoomServer, type RoomServerOptions, type RoomServerLimits, type RoomServerStats } from "./RoomServer.js";
export { signRoomToken, verifyRoomToken, type RoomTokenClaims } from "./roomToken.js";
export { DevelopmentRoomSecret } from "./roomSecret.js";
export { StartDevelopmentRoomServerAsync, RunRoomCommandAsync } from "./roomCommand.js";
