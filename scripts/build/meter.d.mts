/** Types of meter.mjs, for the CLI and the tests that import it. */
export declare const METER: string;
export declare const METER_FILES: readonly string[];
export declare const METER_SECTION: string;
export declare const METER_VERSION: number;
export declare const FUEL_EXPORT: string;
export declare const METER_IMPORT_MODULE: string;
export declare const INITIAL_FUEL: bigint;
export declare class MeterError extends Error {}
/** `dirtyPages: false` leaves out dirty-page tracking (a module as an earlier meter made it, for tests). */
export declare function meter(
	bytes: Uint8Array,
	name?: string,
	options?: { dirtyPages?: boolean },
): Promise<Uint8Array<ArrayBuffer>>;
export declare function buildId(bytes: Uint8Array): string;
export declare function meterInfo(
	bytes: Uint8Array,
): { meter: number; build: string; initialBytes: number } | undefined;
export declare function meterFile(from: string, to: string, name?: string): Promise<void>;
