import { describe, expect, it } from "vitest";
import { resolvePerformanceUrl } from "../../../loaders/gem/gemPerformance.js";
import { GemFormatError } from "../../../core/errors/GemFormatError.js";

describe("a .gem's bundled performance (metadata.track)", () => {
    it("resolves relative to the file", () => {
        expect(resolvePerformanceUrl("lam-arkit-track/talking.json", "http://127.0.0.1:8080/assets/default-head.gem", "default-head.gem")).toBe(
            "http://127.0.0.1:8080/assets/lam-arkit-track/talking.json"
        );
        expect(resolvePerformanceUrl("../tracks/a.npz", "http://127.0.0.1:8080/assets/head.gem", "head.gem")).toBe("http://127.0.0.1:8080/tracks/a.npz");
    });

    it("refuses paths that leave the file's origin, naming the file and field", () => {
        for (const track of ["https://example.com/t.json", "//example.com/t.json", "data:application/json,{}", "javascript:alert(1)", "http://127.0.0.1:8080/assets/t.json"]) {
            let error: unknown;
            try {
                resolvePerformanceUrl(track, "http://127.0.0.1:8080/assets/head.gem", "head.gem");
            } catch (e) {
                error = e;
            }
            expect(error).toBeInstanceOf(GemFormatError);
            expect(String((error as Error).message)).toContain("head.gem");
            expect(String((error as Error).message)).toContain("metadata.track");
        }
    });
});
