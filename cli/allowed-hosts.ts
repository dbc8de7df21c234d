/**
 * Which Host names `stateroom dev` and `stateroom serve` answer: loopback names always, plus
 * those the developer allows with `--allowed-hosts` or `STATEROOM_ALLOWED_HOSTS` in the
 * project's .dev.vars. The Worker does the check (src/access/host.ts), turned on by the var that
 * the CLI passes to `wrangler dev`, so a deployed Worker never checks unless configured to.
 */
import { existsSync, readFileSync } from "node:fs";
import { ALLOWED_HOSTS_VAR } from "../src/access/host.ts";
import { usageError } from "./errors.ts";
import type { Project } from "./project.ts";

/** The option as both commands declare it. */
export const ALLOWED_HOSTS_OPTION = { "allowed-hosts": { type: "string" } } as const;

/** The `--help` lines of the option. */
export const ALLOWED_HOSTS_HELP = `  --allowed-hosts <a,b>  Host names to answer besides loopback ones (localhost, 127.0.0.1,
                         [::1], *.localhost), comma-separated; .example.com allows a domain
                         and its subdomains, * any host (default: none; also read from
                         ${ALLOWED_HOSTS_VAR} in .dev.vars)`;

/** A host name, `.domain`, an IPv4 or bracketed IPv6 address, or `*`. */
const HOST_NAME = /^(?:\*|\.?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])$/i;

/**
 * The `wrangler dev` arguments that turn the Worker's Host check on, with the names allowed
 * from the command line and from the project's .dev.vars (which the var would otherwise hide).
 */
export function allowedHostsArgs(project: Project, option: string | boolean | undefined, command: string): string[] {
	const names = [...splitNames(typeof option === "string" ? option : ""), ...splitNames(devVarsSetting(project))];
	for (const name of names) {
		if (!HOST_NAME.test(name)) {
			throw usageError(
				`--allowed-hosts holds "${name}", which is not a host name: give names like app.test, .example.com (a domain and its subdomains) or *, separated by commas, without scheme or port.`,
				command,
			);
		}
	}
	// An empty value still turns the check on: loopback names only.
	return ["--var", `${ALLOWED_HOSTS_VAR}:${[...new Set(names)].join(",")}`];
}

function splitNames(list: string): string[] {
	return list
		.split(",")
		.map((name) => name.trim().toLowerCase())
		.filter((name) => name !== "");
}

/** `STATEROOM_ALLOWED_HOSTS` from the project's .dev.vars, if it sets it. */
function devVarsSetting(project: Project): string {
	const file = project.path(".dev.vars");
	if (!existsSync(file)) return "";
	const pattern = new RegExp(`^\\s*${ALLOWED_HOSTS_VAR}\\s*=\\s*(.*?)\\s*$`, "m");
	const value = pattern.exec(readFileSync(file, "utf8"))?.[1] ?? "";
	return value.replace(/^(["'])(.*)\1$/, "$2");
}
