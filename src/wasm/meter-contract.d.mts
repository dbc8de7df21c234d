/** Types of meter-contract.mjs (see there). */
export declare const METER_SECTION: "stateroom.metered";
export declare const METER_VERSION: 2;
export declare const METER_KEY_SECTION: "stateroom.meter-key";
export declare const FUEL_EXPORT: "stateroom_fuel";
export declare const DIRTY_PAGES_EXPORT: "stateroom_dirty_pages";
export declare const METER_IMPORT_MODULE: "stateroom_meter";
export declare const FUEL_IMPORT: "fuel";
export declare const MEMORY_LIMIT_IMPORT: "memory_limit_bytes";
export declare const PAGE_BYTES: 65536;
export declare const TABLE_ELEMENT_BYTES: number;
export declare const BULK_BYTES_PER_FUEL: number;
export declare const HOST_CALL_FUEL: number;
export declare const HOST_BYTE_FUEL: number;
export declare const DEFAULT_FUEL_PER_EVENT: number;
export declare const DEFAULT_MAX_MEMORY_BYTES: number;
export declare function meterImports(budget: {
	readonly fuelPerEvent: number;
	readonly maxMemoryBytes: number;
}): Record<"fuel" | "memory_limit_bytes", WebAssembly.Global>;
export declare function sealMessage(fields: {
	readonly meter: number;
	readonly build: string;
	readonly initialBytes: number;
	readonly code: string;
}): Uint8Array<ArrayBuffer>;
