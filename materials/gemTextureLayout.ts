/**
 * Texture layout of GEM attribute arrays (pure arithmetic, shared by the uploader, the passes and the tests).
 *
 * A group's flat array (G · C floats) is packed four floats per RGBA texel, `width` texels per row,
 * `rowsPerComponent` rows per component. Component k of a basis starts at row k · rowsPerComponent, so the output
 * texel (x, y) of the linear pass reads basis texel (x, y + k · rowsPerComponent): each basis value is read once.
 */
export interface GemGroupLayout {
    /** Texels per row. */
    width: number;
    /** Texels holding one component (G · C / 4 rounded up, plus one spare for 3-channel reads that straddle texels). */
    texelsPerComponent: number;
    /** Rows holding one component. */
    rowsPerComponent: number;
}

/** Default row width of attribute textures: wide enough for compact textures, small enough for every WebGL2 device. */
export const GemAttributeTextureWidth = 4096;

/**
 * Computes the layout of one group.
 * @param elementCount G · C
 * @param maxTextureSize the engine's maximum texture size
 * @returns the layout
 */
export function computeGroupLayout(elementCount: number, maxTextureSize: number): GemGroupLayout {
    const width = Math.min(GemAttributeTextureWidth, maxTextureSize);
    const texelsPerComponent = Math.ceil(elementCount / 4) + 1;
    return { width, texelsPerComponent, rowsPerComponent: Math.ceil(texelsPerComponent / width) };
}

/**
 * Size of the splat data textures for G Gaussians: at least G + 1 texels, the extra one being the all-zero
 * splat that Babylon's sort uses as padding.
 * @param gaussianCount G
 * @param maxTextureSize the engine's maximum texture size
 * @returns width and height
 */
export function computeSplatTextureSize(gaussianCount: number, maxTextureSize: number): { width: number; height: number } {
    const width = Math.min(GemAttributeTextureWidth, maxTextureSize);
    return { width, height: Math.floor(gaussianCount / width) + 1 };
}

/**
 * Packs components of a flat array into the padded texture layout.
 * @param source K · n values (component-major)
 * @param components K
 * @param elementCount n = G · C
 * @param layout the group layout
 * @param type typed-array constructor of the result
 * @returns K · rowsPerComponent · width · 4 values, zero-padded
 */
export function packComponents<T extends Float32Array | Uint16Array | Uint8Array>(
    source: T,
    components: number,
    elementCount: number,
    layout: GemGroupLayout,
    type: { new (length: number): T }
): T {
    const stride = layout.rowsPerComponent * layout.width * 4;
    const out = new type(components * stride);
    for (let k = 0; k < components; k++) {
        out.set(source.subarray(k * elementCount, (k + 1) * elementCount) as unknown as ArrayLike<number>, k * stride);
    }
    return out;
}
