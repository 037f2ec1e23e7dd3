/** Name and extensions of the GEM scene-loader plugin (kept apart so registration can stay lazy). */
export const GemFileLoaderMetadata = {
    name: "gem",
    extensions: {
        // eslint-disable-next-line @typescript-eslint/naming-convention
        ".gem": { isBinary: true },
    },
} as const;
