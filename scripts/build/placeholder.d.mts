/** Types of placeholder.mjs, for the tests that import it. */
export declare const UNBUILT_SECTION: string;
export declare function placeholder(reason: string): Uint8Array<ArrayBuffer>;
