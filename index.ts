/**
 * Babylon.js plugin for Gaussian head avatars: GEM eigen-models reconstructed on the GPU.
 * Importing this entry registers the loader and node-material blocks.
 */
import "./register.js";

export { GemAvatar, type GemAvatarOptions } from "./plugin/GemAvatar.js";
export { GemAvatarBase } from "./plugin/GemAvatarBase.js";
export { GemCrowd, type GemCrowdOptions, type GemCrowdAvatarOptions } from "./plugin/GemCrowd.js";
export { GemCrowdAvatar } from "./plugin/GemCrowdAvatar.js";
export { GemSplatMesh } from "./plugin/GemSplatMesh.js";
export { GemFormatError, type GemFormatErrorCode } from "./core/errors/GemFormatError.js";
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
} from "./core/GemModel.js";
export * from "./core/gemReconstruction.js";
export { toHalf, fromHalf, toHalfArray, fromHalfArray } from "./core/halfFloat.js";
export { GemFileLoader, RegisterGemFileLoader } from "./loaders/gem/GemFileLoader.js";
export { GemFileLoaderMetadata } from "./loaders/gem/GemFileLoader.metadata.js";
export type { GemLoadingOptions } from "./loaders/gem/GemLoadingOptions.js";
export * from "./loaders/gem/gemContainer.js";
export { GemBasisTextures, type GemGroupTextures } from "./materials/GemBasisTextures.js";
export { GemReconstructionPass, GemActivationCodes, type GemGroupWeights, type GemSplatBand } from "./materials/GemReconstructionPass.js";
export { GemEigenBlock } from "./materials/GemEigenBlock.js";
export * from "./materials/gemTextureLayout.js";
export { FlameModel, FlameJointNames, type FlameModelData } from "./core/flame/FlameModel.js";
export { FlameAvatar, type FlameAvatarOptions } from "./plugin/flame/FlameAvatar.js";
export * from "./core/flame/flameForward.js";
export { createFlameTrackAnimationGroup } from "./plugin/flame/flameTrackAnimation.js";
export { FlameFileLoader, FlameFileLoaderMetadata, RegisterFlameFileLoader, type FlameLoadingOptions } from "./loaders/flame/FlameFileLoader.js";
export * from "./loaders/flame/flameModelFile.js";
export * from "./core/flame/flameTrack.js";
export { readNpz, readNpzAsync } from "./loaders/archives/npzArchive.js";
export { readTorchCheckpoint } from "./loaders/archives/torchCheckpoint.js";
export { gemModelFromUpstreamCheckpoint, gemModelFromNpzArrays } from "./loaders/gem/upstreamGem.js";
export { RiggedGaussianAvatar } from "./plugin/flame/RiggedGaussianAvatar.js";
export * from "./core/flame/riggedGaussians.js";
export { parseGaussianAvatarsPly } from "./loaders/flame/gaussianAvatarsPly.js";
export * from "./loaders/flame/riggedGaussiansNpz.js";
export { MeshVertexCapture } from "./materials/MeshVertexCapture.js";
export { RiggedGaussianPass } from "./materials/RiggedGaussianPass.js";
export { ArkitBlendshapeNames, ArkitRotationNames } from "./core/animation/arkitBlendshapes.js";
export * from "./core/animation/channelNames.js";
export { ChannelLayout } from "./core/animation/ChannelLayout.js";
export { AnimationChannelError, type AnimationChannelErrorCode } from "./core/errors/AnimationChannelError.js";
export { RetargetMap, RetargetMapVersion, type RetargetMapJson } from "./core/animation/RetargetMap.js";
export { createArkitToFlameMap, ArkitExpressionCorrespondence, type ArkitToFlameOptions } from "./core/animation/arkitToFlameMap.js";
export { ExpressionClip, ExpressionClipVersion, ExpressionClipLimits, type ExpressionClipJson, type ClipChannelKeys } from "./plugin/animation/ExpressionClip.js";
export { AnimatorLayer, type AnimatorLayerOptions, type AnimatorBlendMode } from "./plugin/animation/AnimatorLayer.js";
export { AvatarAnimator, type AvatarAnimatorOptions, type AddLayerOptions } from "./plugin/animation/AvatarAnimator.js";
export type { AnimatableAvatar } from "./plugin/animation/animatedTargets.js";
export { parseLiveLinkFaceCsv, parseTimecode, type LiveLinkFaceCsvOptions, type LiveLinkFaceImport } from "./plugin/animation/liveLinkFaceCsv.js";
export { createFlameTrackClip, retargetClip, clipWindow } from "./plugin/animation/trackClips.js";
export * from "./core/room/expressionStream.js";
export { JitterBuffer, unwrap16, type JitterBufferOptions, type JitterBufferStats } from "./core/room/JitterBuffer.js";
export { NetworkImpairment, type NetworkImpairmentOptions, type NetworkImpairmentStats } from "./core/room/NetworkImpairment.js";
export { RoomError, type RoomErrorCode } from "./core/errors/RoomError.js";
export { RemoteParticipant } from "./core/room/RemoteParticipant.js";
export { RoomClient, type RoomClientOptions, type RoomClientStats } from "./plugin/room/RoomClient.js";
export { RoomPresence, type RoomPresenceOptions, type RoomAvatar } from "./plugin/room/RoomPresence.js";
export type { RoomParticipantInfo, RoomParticipantLeft } from "./core/room/roomMessages.js";
export { createPerformanceModel, truncateCoefficients, selectGaussians, gaussianImportance, type PerformanceModelOptions, type PerformanceModelSummary } from "./core/performanceModel.js";
export { convertToSceneHandedness } from "./plugin/sceneHandedness.js";
