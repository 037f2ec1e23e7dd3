import type { GemActivation } from "../core/GemModel.js";

/** Shader code of each activation, shared by TypeScript and the GLSL include (as `GEM_ACTIVATION_<NAME>` defines). */
export const GemActivationCodes = { none: 0, exp: 1, sigmoid: 2, normalize: 3 } as const satisfies Readonly<Record<GemActivation, number>>;

/**
 * `#define GEM_ACTIVATION_EXP 1`... for every activation, emitted from {@link GemActivationCodes} into the include that
 * implements them, so the shaders name the codes instead of restating the numbers.
 */
export const gemActivationDefines = Object.entries(GemActivationCodes)
    .map(([name, code]) => `#define GEM_ACTIVATION_${name.toUpperCase()} ${code}`)
    .join("\n");
