/**
 * Side-effect-free entry of the package: every class and function, nothing registered. Use it to control
 * registration yourself (`RegisterGemAvatarLoaders()`, `RegisterGemEigenBlock()`), or import the package root,
 * which registers both. Low-level modules come as namespaces: `formats`, `reconstruction`, `flame`, `gpu`.
 * The room client (`babylon-gem-avatars/room`), the live face encoder (`babylon-gem-avatars/encoder`) and the room
 * server (`babylon-gem-avatars/server`) are entries of their own, so their optional dependencies stay optional.
 */

// Avatars and their scene glue.
export { GemAvatar, type GemAvatarOptions } from "./plugin/GemAvatar.js";
export { GemAvatarBase } from "./plugin/GemAvatarBase.js";
export { FrameAvatar, GetAvatarFramingInfo, RecentreAvatar, type AvatarFramingInfo, type FramedAvatar } from "./plugin/AvatarFraming.js";
export { GemCrowd, type GemCrowdOptions, type GemCrowdAvatarOptions } from "./plugin/GemCrowd.js";
export { GemCrowdAvatar } from "./plugin/GemCrowdAvatar.js";
export { GemSplatMesh } from "./plugin/GemSplatMesh.js";
export { FlameAvatar, type FlameAvatarOptions } from "./plugin/flame/FlameAvatar.js";
export { RiggedGaussianAvatar } from "./plugin/flame/RiggedGaussianAvatar.js";
export { createFlameTrackAnimationGroup, createGemFlameTrackAnimationGroup } from "./plugin/flame/flameTrackAnimation.js";
export { convertToSceneHandedness } from "./plugin/sceneHandedness.js";

// Models.
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
export { FlameModel, FlameJointNames, type FlameModelData, type FlameLandmarkEmbedding } from "./core/flame/FlameModel.js";

// Animation.
export { AvatarAnimator, type AvatarAnimatorOptions, type AddLayerOptions } from "./plugin/animation/AvatarAnimator.js";
export { AnimatorLayer, type AnimatorLayerOptions, type AnimatorBlendMode } from "./plugin/animation/AnimatorLayer.js";
export type { AnimatableAvatar } from "./plugin/animation/animatedTargets.js";
export {
    AvatarIdleMotion,
    LiveDriverBlend,
    type LiveDriverState,
    type LiveDriverBlendOptions,
    type LiveTrackerSource,
    type LiveVoiceSource,
} from "./plugin/animation/AvatarIdleMotion.js";
export { IdleMotionGenerator, IdleMotionChannels, type IdleMotionOptions } from "./core/animation/IdleMotion.js";
export { VoiceMouthAnalyzer, VoiceMouthChannels, type VoiceMouthOptions } from "./core/voice/VoiceMouthAnalyzer.js";
export {
    ExpressionClip,
    ExpressionClipVersion,
    ExpressionClipLimits,
    type ExpressionClipJson,
    type ClipChannelKeys,
} from "./plugin/animation/ExpressionClip.js";
export { createFlameTrackClip, retargetClip, clipWindow } from "./plugin/animation/trackClips.js";
export {
    parseLiveLinkFaceCsv,
    parseTimecode,
    type LiveLinkFaceCsvOptions,
    type LiveLinkFaceImport,
} from "./plugin/animation/liveLinkFaceCsv.js";
export { parseLamExpressionTrack, type LamExpressionTrackOptions, type LamExpressionTrackImport } from "./plugin/animation/lamExpressionTrack.js";
export { RetargetMap, RetargetMapVersion, type RetargetMapJson } from "./core/animation/RetargetMap.js";
export { createArkitToFlameMap, createFlameToArkitMap, ArkitExpressionCorrespondence, type ArkitToFlameOptions } from "./core/animation/arkitToFlameMap.js";
export { ArkitBlendshapeNames, ArkitRotationNames, type ArkitBlendshapeName, type ArkitWeights } from "./core/animation/arkitBlendshapes.js";
export * from "./core/animation/channelNames.js";
export { ChannelLayout } from "./core/animation/ChannelLayout.js";
export { FaceSolver, fitSimilarity, type LandmarkBlendshapeModel, type FaceSolverOptions, type FaceSolution } from "./core/tracking/FaceSolver.js";
export {
    TrackingSupervisor,
    type FaceTrackingState,
    type TrackingSupervisorOptions,
    type FaceCandidate,
    type FrameCondition,
} from "./core/tracking/TrackingSupervisor.js";
export { landmarkModelFromArrays } from "./loaders/tracking/landmarkModelFile.js";

// Loaders and node-material blocks (registered by the package root, or by these functions).
export { RegisterGemAvatarLoaders } from "./loaders/dynamic.js";
export { GemFileLoader, RegisterGemFileLoader } from "./loaders/gem/GemFileLoader.js";
export { GemFileLoaderMetadata } from "./loaders/gem/GemFileLoader.metadata.js";
export type { GemLoadingOptions } from "./loaders/gem/GemLoadingOptions.js";
export { FlameFileLoader, RegisterFlameFileLoader } from "./loaders/flame/FlameFileLoader.js";
export { FlameFileLoaderMetadata } from "./loaders/flame/FlameFileLoader.metadata.js";
export { LamFileLoader, RegisterLamFileLoader, readLamSkinAsync } from "./loaders/lam/LamFileLoader.js";
export { LamFileLoaderMetadata } from "./loaders/lam/LamFileLoader.metadata.js";
export type { LamLoadingOptions } from "./loaders/lam/LamLoadingOptions.js";
export type { FlameLoadingOptions } from "./loaders/flame/FlameLoadingOptions.js";
export { GemEigenBlock, RegisterGemEigenBlock, type GemEigenSource } from "./materials/GemEigenBlock.js";
export { CreateGemEigenNodeMaterial } from "./materials/gemEigenNodeMaterial.js";
export { RegisterGemSceneParser, restoreGemAvatarState } from "./loaders/babylonFile/gemSceneParser.js";
export type { GemAvatarState } from "./plugin/gemAvatarState.js";

// Errors.
export { GemError } from "./core/errors/GemError.js";
export { GemFormatError, type GemFormatErrorCode } from "./core/errors/GemFormatError.js";
export { AnimationChannelError, type AnimationChannelErrorCode } from "./core/errors/AnimationChannelError.js";
export { EncoderError, type EncoderErrorCode } from "./core/errors/EncoderError.js";
export { RoomError, type RoomErrorCode } from "./core/errors/RoomError.js";
export { TrackingError, type TrackingErrorCode } from "./core/errors/TrackingError.js";

// Low-level modules.
export * as formats from "./loaders/formats.js";
export * as reconstruction from "./core/reconstruction.js";
export * as flame from "./core/flame/flameMath.js";
export * as gpu from "./materials/gpu.js";
