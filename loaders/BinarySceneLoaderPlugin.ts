import type { ISceneLoaderAsyncResult, ISceneLoaderProgressEvent } from "@babylonjs/core/Loading/sceneLoader.js";
import type { IFileRequest } from "@babylonjs/core/Misc/fileRequest.js";
import type { LoadFileError } from "@babylonjs/core/Misc/fileTools.js";
import type { WebRequest } from "@babylonjs/core/Misc/webRequest.js";
import type { Scene } from "@babylonjs/core/scene.js";
import type { Nullable } from "@babylonjs/core/types.js";
import { GemFormatError } from "../core/errors/GemFormatError.js";

/** Bytes of a load operation with the name they came under. */
export interface BinarySource {
    /** File contents. */
    bytes: Uint8Array;
    /** The file name: the one given with in-memory data, else Babylon's; undefined when neither is known. */
    fileName: string | undefined;
    /** The file name, or a fallback, for error messages. */
    label: string;
}

/**
 * Shared part of this package's scene-loader plugins for binary files: reads URLs and Files as ArrayBuffers, hands
 * in-memory views over as they are, and keeps the name given with them (Babylon passes a GUID as the file name of an
 * `ArrayBufferView`). One instance serves one load operation (plugins are created per operation by their factory).
 */
export abstract class BinarySceneLoaderPlugin {
    private _dataName: string | undefined;

    /**
     * Reads the file: in-memory views are handed over as they are, URLs and Files are read as ArrayBuffers.
     * @returns the request, or null for in-memory data
     */
    public loadFile(
        scene: Scene,
        fileOrUrl: File | string | ArrayBufferView,
        _rootUrl: string,
        onSuccess: (data: unknown, responseURL?: string) => void,
        onProgress?: (event: ISceneLoaderProgressEvent) => void,
        _useArrayBuffer?: boolean,
        onError?: (request?: WebRequest, exception?: LoadFileError) => void,
        name?: string
    ): Nullable<IFileRequest> {
        if (ArrayBuffer.isView(fileOrUrl)) {
            this._dataName = name || undefined;
            onSuccess(fileOrUrl);
            return null;
        }
        return scene._loadFile(fileOrUrl, (data) => onSuccess(data), onProgress, true, true, onError);
    }

    /**
     * The bytes Babylon handed to an import call.
     * @param data what `loadFile` produced
     * @param givenName the file name Babylon passes to the import call
     * @param fallback label when no name is known
     * @returns bytes and names
     */
    protected _readSource(data: unknown, givenName: string | undefined, fallback: string): BinarySource {
        const fileName = this._dataName ?? (givenName || undefined);
        const label = fileName ?? fallback;
        if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
            throw new GemFormatError("unsupported", label, "data", "binary data (ArrayBuffer or view)", typeof data);
        }
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        return { bytes, fileName, label };
    }

    /**
     * An import result with nothing in it yet.
     * @returns empty lists
     */
    protected static _EmptyResult(): ISceneLoaderAsyncResult {
        return { meshes: [], particleSystems: [], skeletons: [], animationGroups: [], transformNodes: [], geometries: [], lights: [], spriteManagers: [] };
    }
}
