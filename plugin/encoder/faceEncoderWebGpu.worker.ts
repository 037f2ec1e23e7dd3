/** Entry of the live face encoder's worker on onnxruntime-web's WebGPU build (WASM where no adapter is found). */
import * as ort from "onnxruntime-web/webgpu";
import type { OrtModule } from "../../core/encoder/FaceEncoderSession.js";
import { serveFaceEncoder } from "./faceEncoderWorker.js";

serveFaceEncoder(ort as unknown as Parameters<typeof serveFaceEncoder>[0] & OrtModule, true);
