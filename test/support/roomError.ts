import { expect } from "vitest";
import { RoomError } from "../../core/errors/RoomError.js";

/**
 * Runs an action that must throw a RoomError, and returns the error for the test to inspect.
 * @param action the call under test
 * @returns the error
 */
export function roomError(action: () => unknown): RoomError {
    try {
        action();
    } catch (error) {
        expect(error).toBeInstanceOf(RoomError);
        return error as RoomError;
    }
    throw new Error("expected a RoomError");
}
