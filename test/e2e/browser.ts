/**
 * Headless Chromium for browser tests: Debian's `chromium` (or CHROMIUM_PATH), driven by
 * playwright-core, with a fresh profile and the flags that keep it quiet on a machine without
 * a network. A missing browser fails with how to install it, not with a launch stack trace.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface TestBrowser {
	readonly context: BrowserContext;
	close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1100, height: 800 }): Promise<TestBrowser> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`No Chromium at ${CHROMIUM}. Install Debian's: \`apt-get install chromium\` (.ci/run does), or set CHROMIUM_PATH.`,
		);
	}
	const profile = mkdtempSync(join(tmpdir(), "stateroom-chromium-"));
	// A persistent context is how Playwright takes a fresh --user-data-dir.
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport,
		args: [
			"--headless",
			// CI runs as root, where Chromium's sandbox refuses to start.
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			// Without these, Chromium keeps dialing Google's hosts, which this closed network refuses.
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
	return {
		context,
		async close() {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}
