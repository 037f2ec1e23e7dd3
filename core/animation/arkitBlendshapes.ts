/**
 * The 52 ARKit face blendshapes (`ARFaceAnchor.BlendShapeLocation`), in the order Live Link Face writes them, and the
 * head and eye rotations it appends. Left and right are the subject's own, as in ARKit.
 */
const arkitBlendshapeNameList = [
    "eyeBlinkLeft",
    "eyeLookDownLeft",
    "eyeLookInLeft",
    "eyeLookOutLeft",
    "eyeLookUpLeft",
    "eyeSquintLeft",
    "eyeWideLeft",
    "eyeBlinkRight",
    "eyeLookDownRight",
    "eyeLookInRight",
    "eyeLookOutRight",
    "eyeLookUpRight",
    "eyeSquintRight",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawRight",
    "jawOpen",
    "mouthClose",
    "mouthFunnel",
    "mouthPucker",
    "mouthLeft",
    "mouthRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "noseSneerLeft",
    "noseSneerRight",
    "tongueOut",
] as const;

/** One of the 52 ARKit blendshape names (a typo is a compile error where this type is asked for). */
export type ArkitBlendshapeName = (typeof arkitBlendshapeNameList)[number];

/** The 52 names in Live Link Face's order. */
export const ArkitBlendshapeNames: readonly string[] = arkitBlendshapeNameList;

/** ARKit weights by name: every name optional, nothing else (`{ jawOpn: 1 }` does not compile). */
export type ArkitWeights = Readonly<Partial<Record<ArkitBlendshapeName, number>>>;

/** Head and eye rotations (radians) that Live Link Face records after the blendshapes. */
export const ArkitRotationNames: readonly string[] = [
    "headYaw",
    "headPitch",
    "headRoll",
    "leftEyeYaw",
    "leftEyePitch",
    "leftEyeRoll",
    "rightEyeYaw",
    "rightEyePitch",
    "rightEyeRoll",
];
