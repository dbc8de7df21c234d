/**
 * The names a run's results are written under in bench/results/, besides <time>-<profile>.json:
 * a full run is the committed record (latest.json, .svg, .md); a quick run has its own files
 * (quick.*, gitignored), so it never overwrites a full run's; a smoke run has none.
 */
import type { Profile } from "./targets.ts";

export const LATEST_NAMES: Readonly<Record<Profile["name"], string | undefined>> = {
	full: "latest",
	quick: "quick",
	smoke: undefined,
};
