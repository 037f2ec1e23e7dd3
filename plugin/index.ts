/**
 * Babylon.js plugin for Gaussian head avatars: GEM eigen-models reconstructed on the GPU.
 * Importing this entry registers the loader and node-material blocks.
 */
import "./register";

export { GemAvatar, type GemAvatarOptions } from "./GemAvatar";
export { GemAvatarBase } from "./GemAvatarBase";
export { GemCrowd, type GemCrowdOptions, type GemCrowdAvatarOptions } from "./GemCrowd";
export { GemCrowdAvatar } from "./GemCrowdAvatar";
export { GemSplatMesh } from "./GemSplatMesh";
export { GemFormatError, type GemFormatErrorCode } from "./GemFormatError";
export {
    GemModel,
    GemSemanticChannels,
    GemSemanticOrder,
    type GemActivation,
    type GemAttributeGroup,
    type GemAttributeSemantic,
    type GemBasisStorage,
    type GemCoefficientUnits,
    type GemModelOptions,
} from "./GemModel";
export * from "./gemReconstruction";
export { toHalf, fromHalf, toHalfArray, fromHalfArray } from "./halfFloat";
export { GemFileLoader, RegisterGemFileLoader } from "../loaders/GemFileLoader";
export { GemFileLoaderMetadata } from "../loaders/GemFileLoader.metadata";
export type { GemLoadingOptions } from "../loaders/GemLoadingOptions";
export * from "../loaders/gemContainer";
export { GemBasisTextures, type GemGroupTextures } from "../materials/GemBasisTextures";
export { GemReconstructionPass, GemActivationCodes, type GemGroupWeights, type GemSplatBand } from "../materials/GemReconstructionPass";
export { GemEigenBlock } from "../materials/GemEigenBlock";
export * from "../materials/gemTextureLayout";
export { FlameModel, FlameJointNames, type FlameModelData } from "./flame/FlameModel";
export { FlameAvatar, type FlameAvatarOptions } from "./flame/FlameAvatar";
export * from "./flame/flameForward";
export { createFlameTrackAnimationGroup } from "./flame/flameTrackAnimation";
export { FlameFileLoader, FlameFileLoaderMetadata, RegisterFlameFileLoader, type FlameLoadingOptions } from "../loaders/FlameFileLoader";
export * from "../loaders/flameModelFile";
export * from "../loaders/flameTrack";
export { readNpz, readNpzAsync } from "../loaders/npzArchive";
export { readTorchCheckpoint } from "../loaders/torchCheckpoint";
export { gemModelFromUpstreamCheckpoint, gemModelFromNpzArrays } from "../loaders/upstreamGem";
export { RiggedGaussianAvatar } from "./flame/RiggedGaussianAvatar";
export * from "./flame/riggedGaussians";
export { parseGaussianAvatarsPly } from "../loaders/gaussianAvatarsPly";
export * from "../loaders/riggedGaussiansNpz";
export { MeshVertexCapture } from "../materials/MeshVertexCapture";
export { RiggedGaussianPass } from "../materials/RiggedGaussianPass";
export { ArkitBlendshapeNames, ArkitRotationNames } from "./animation/arkitBlendshapes";
export * from "./animation/channelNames";
export { ChannelLayout } from "./animation/ChannelLayout";
export { AnimationChannelError, type AnimationChannelErrorCode } from "./animation/AnimationChannelError";
export { RetargetMap, RetargetMapVersion, type RetargetMapJson } from "./animation/RetargetMap";
export { createArkitToFlameMap, ArkitExpressionCorrespondence, type ArkitToFlameOptions } from "./animation/arkitToFlameMap";
export { ExpressionClip, ExpressionClipVersion, ExpressionClipLimits, type ExpressionClipJson, type ClipChannelKeys } from "./animation/ExpressionClip";
export { AnimatorLayer, type AnimatorLayerOptions, type AnimatorBlendMode } from "./animation/AnimatorLayer";
export { AvatarAnimator, type AvatarAnimatorOptions, type AddLayerOptions } from "./animation/AvatarAnimator";
export type { AnimatableAvatar } from "./animation/animatedTargets";
export { parseLiveLinkFaceCsv, parseTimecode, type LiveLinkFaceCsvOptions, type LiveLinkFaceImport } from "./animation/liveLinkFaceCsv";
export { createFlameTrackClip, retargetClip, clipWindow } from "./animation/trackClips";
export * from "./room/expressionStream";
export { JitterBuffer, unwrap16, type JitterBufferOptions, type JitterBufferStats } from "./room/JitterBuffer";
export { NetworkImpairment, type NetworkImpairmentOptions, type NetworkImpairmentStats } from "./room/NetworkImpairment";
export { RoomError, type RoomErrorCode } from "./room/RoomError";
export { RemoteParticipant } from "./room/RemoteParticipant";
export { RoomClient, type RoomClientOptions, type RoomClientStats } from "./room/RoomClient";
export { RoomPresence, type RoomPresenceOptions, type RoomAvatar } from "./room/RoomPresence";
export type { RoomParticipantInfo, RoomParticipantLeft } from "./room/roomMessages";
export { createPerformanceModel, truncateCoefficients, selectGaussians, gaussianImportance, type PerformanceModelOptions, type PerformanceModelSummary } from "./performanceModel";
export { convertToSceneHandedness } from "./sceneHandedness";
