/** The console's error lines (failures, a guest's stderr) a test reads back; restore with `vi.restoreAllMocks()`. */
import { vi } from "vitest";

export function captureErrors(): () => string {
	const errors = vi.spyOn(console, "error").mockImplementation(() => {});
	return () => errors.mock.calls.map((call) => call.map(String).join(" ")).join("\n");
}
