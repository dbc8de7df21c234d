/** Types of imported.mjs, for the CLI. */
export declare const name: string;
/** Meters, in place, the modules that sources under `folder` (default services/) import. */
export declare function build(options: {
	root: string;
	module: (path: string, status: string) => void;
	folder?: string;
}): Promise<void>;
export declare function importedModules(root: string, folder?: string): string[];
