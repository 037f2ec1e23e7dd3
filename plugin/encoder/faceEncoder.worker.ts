/** Entry of the live face encoder's worker on onnxruntime-web's WASM build. */
import * as ort from "onnxruntime-web/wasm";
import type { OrtModule } from "../../core/encoder/FaceEncoderSession.js";
import { serveFaceEncoder } from "./faceEncoderWorker.js";

serveFaceEncoder(ort as unknown as Parameters<typeof serveFaceEncoder>[0] & OrtModule, false);
