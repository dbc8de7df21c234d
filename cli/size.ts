/**
 * The size report of `stateroom build`: what the Worker upload weighs, raw and gzip-compressed,
 * against the platform's Worker size limits (compressed: 3 MiB on Free, 10 MiB on Paid).
 * Static assets (the demo page) are uploaded separately and do not count towards these limits.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { bytes, detail, info, warn } from "./output.ts";

export const FREE_LIMIT = 3 * 1024 * 1024;
export const PAID_LIMIT = 10 * 1024 * 1024;

export interface SizeReport {
	readonly files: readonly { path: string; size: number; gzip: number }[];
	readonly size: number;
	readonly gzip: number;
}

/** Sizes of the modules wrangler wrote; its README and source maps are not uploaded by default. */
export function measure(dir: string): SizeReport {
	const files = walk(dir)
		.filter((path) => !path.endsWith(".map") && !path.endsWith("README.md"))
		.map((path) => {
			const content = readFileSync(path);
			return { path: relative(dir, path), size: content.length, gzip: gzipSync(content, { level: 9 }).length };
		});
	return {
		files,
		size: files.reduce((sum, file) => sum + file.size, 0),
		gzip: files.reduce((sum, file) => sum + file.gzip, 0),
	};
}

function walk(dir: string): string[] {
	return readdirSync(dir).flatMap((entry) => {
		const path = join(dir, entry);
		return statSync(path).isDirectory() ? walk(path) : [path];
	});
}

export function printReport(report: SizeReport, dir: string): void {
	info(`bundle in ${dir}/: ${report.files.length} files, ${bytes(report.size)} (gzip ${bytes(report.gzip)})`);
	const width = Math.max(0, ...report.files.map((file) => file.path.length));
	for (const file of report.files) {
		detail(`${file.path.padEnd(width)}  ${bytes(file.size).padStart(10)}  gzip ${bytes(file.gzip).padStart(10)}`);
	}
	const share = (limit: number) => `${((report.gzip / limit) * 100).toFixed(1)}%`;
	if (report.gzip <= FREE_LIMIT) {
		info(
			`Worker size limit (compressed): 3 MiB on Workers Free, 10 MiB on Workers Paid; at ${bytes(report.gzip)} this Worker is within both (${share(FREE_LIMIT)} of the Free limit).`,
		);
	} else if (report.gzip <= PAID_LIMIT) {
		warn(
			`the Worker is ${bytes(report.gzip)} compressed: over the Workers Free plan's 3 MiB, within Workers Paid's 10 MiB (${share(PAID_LIMIT)} used). Deploying needs the Workers Paid plan.`,
		);
	} else {
		warn(
			`the Worker is ${bytes(report.gzip)} compressed: over both limits (3 MiB Free, 10 MiB Paid). Deploys will be refused; make modules smaller (e.g. build guests with optimisation, drop unused services).`,
		);
	}
}
