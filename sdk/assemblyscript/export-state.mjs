/**
 * An asc transform that makes an AssemblyScript module resumable by a Stateroom host.
 *
 * The host persists a guest's linear memory and its *exported* mutable globals, and restores
 * both into a fresh instance when a room wakes. AssemblyScript keeps part of its state in
 * unexported wasm globals: the allocator's root, the garbage collector's phase and lists,
 * the shadow stack pointer and every top-level `let` (such as the SDK's service instance).
 * Restoring memory without them would resume a heap whose allocator has forgotten it. This
 * transform exports every mutable, non-imported global under `stateroom_state:<name>`, so
 * memory plus globals are the whole state.
 */
import { Transform } from "assemblyscript/transform";

export const STATE_EXPORT_PREFIX = "stateroom_state:";

export default class ExportState extends Transform {
	/** @param {import("binaryen").Module} module */
	afterCompile(module) {
		const binaryen = this.binaryen;
		const alreadyExported = new Set();
		for (let i = 0; i < module.getNumExports(); i++) {
			const info = binaryen.getExportInfo(module.getExportByIndex(i));
			if (info.kind === binaryen.ExternalGlobal) alreadyExported.add(info.value);
		}
		for (let i = 0; i < module.getNumGlobals(); i++) {
			const info = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
			if (!info.mutable || info.module || alreadyExported.has(info.name)) continue;
			if (info.type === binaryen.v128) {
				throw new Error(
					`Global "${info.name}" is a v128: a Stateroom host cannot save it. Keep SIMD values in memory (a field or a StaticArray) instead of a top-level variable.`,
				);
			}
			module.addGlobalExport(info.name, STATE_EXPORT_PREFIX + info.name);
		}
	}
}
