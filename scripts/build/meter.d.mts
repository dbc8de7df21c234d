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
/** What a module's meter section claims (`code` and `signature` are absent from forged ones). */
export interface MeterSection {
	meter: number;
	build: string;
	initialBytes: number;
	code?: string;
	signature?: string;
}
export declare function meterInfo(bytes: Uint8Array): MeterSection | undefined;
/** Throws MeterError unless this project's meter wrote the module's meter section (and the module is unchanged since). */
export declare function checkSealed(bytes: Uint8Array, name?: string): MeterSection;
export declare function meterFile(from: string, to: string, name?: string): Promise<void>;
