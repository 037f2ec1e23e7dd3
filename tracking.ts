/**
 * Face tracking: `babylon-gem-avatars/tracking`. A real face in a camera drives an avatar: MediaPipe's face mesh (the
 * tfjs port inside `@vladmandic/human`, an optional peer dependency: `npm install @vladmandic/human`) finds 478
 * landmarks in a Web Worker, and a solver fits the head pose and ARKit-52 weights of a landmark model built from the
 * scanned ICT-FaceKit rig (shipped as `babylon-gem-avatars/assets/tracking/ict-landmark-model.npz`). The app serves the
 * detector's model files (`@vladmandic/human/models/blazeface|facemesh|iris.*`) and, for the default WASM backend,
 * tfjs's `.wasm` files (`@tensorflow/tfjs-backend-wasm/dist/`); nothing is fetched from elsewhere.
 */
export { FaceTracker, type FaceTrackerOptions, type FaceTrackerStats, type FaceTrackerResult, type FaceLandmarkBackend } from "./plugin/tracking/FaceTracker.js";
export { FaceSolver, type LandmarkBlendshapeModel, type FaceSolverOptions, type FaceSolution } from "./core/tracking/FaceSolver.js";
export { TrackingSupervisor, type FaceTrackingState, type TrackingSupervisorOptions, type FaceCandidate, type FrameCondition } from "./core/tracking/TrackingSupervisor.js";
export { landmarkModelFromArrays, LoadLandmarkModelAsync } from "./loaders/tracking/landmarkModelFile.js";
export { TrackingError, type TrackingErrorCode } from "./core/errors/TrackingError.js";

import { FaceTracker } from "./plugin/tracking/FaceTracker.js";
import { LoadLandmarkModelAsync } from "./loaders/tracking/landmarkModelFile.js";

// Landmark models given as URLs are read by the checked npz reader.
FaceTracker.LandmarkModelLoader ??= LoadLandmarkModelAsync;
