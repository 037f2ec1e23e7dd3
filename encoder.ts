/**
 * Live face encoder: `babylon-gem-avatars/encoder`. An ONNX image → expression regressor run by onnxruntime-web in a
 * Web Worker (WASM, or WebGPU where an adapter exists). Needs `onnxruntime-web` (an optional peer dependency of this
 * package: `npm install onnxruntime-web`); its `.wasm` files must be served by the app (`wasmPaths`).
 */
export { LiveFaceEncoder, type LiveFaceEncoderOptions, type LiveFaceEncoderStats } from "./plugin/encoder/LiveFaceEncoder.js";
export { FaceEncoderSession, type OrtModule, type OrtSession, type EncodedFrame } from "./core/encoder/FaceEncoderSession.js";
export {
    parseEncoderDescriptor,
    encoderOutputSpace,
    EncoderDescriptorVersion,
    type EncoderDescriptor,
    type EncoderCrop,
} from "./core/encoder/encoderDescriptor.js";
export { OneEuroFilter } from "./core/encoder/OneEuroFilter.js";
export { preprocessImage } from "./core/encoder/imagePreprocessing.js";
export { EncoderError, type EncoderErrorCode } from "./core/errors/EncoderError.js";
