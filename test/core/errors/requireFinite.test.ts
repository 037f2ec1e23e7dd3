import { describe, expect, it } from "vitest";
import { GemFormatError } from "../../../core/errors/GemFormatError.js";
import { findNonFinite, requireFinite } from "../../../core/errors/requireFinite.js";

describe("requireFinite", () => {
    it("returns finite arrays unchanged and names the first NaN or infinity with its index", () => {
        const ok = new Float32Array([0, -1, 3.4e38]);
        expect(requireFinite(ok, "f.npz", "x")).toBe(ok);
        expect(findNonFinite(ok)).toBe(-1);
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
            const values = [1, 2, bad, bad];
            expect(findNonFinite(values)).toBe(2);
            const error = (() => {
                try {
                    requireFinite(values, "f.npz", "shapedirs");
                } catch (e) {
                    return e as GemFormatError;
                }
                return null;
            })();
            expect(error).toBeInstanceOf(GemFormatError);
            expect(error?.code).toBe("non-finite");
            expect(error?.field).toBe("shapedirs[2]");
            expect(error?.actual).toBe(String(bad));
        }
    });
});
