import type { EngineFactory } from "../room/engine.ts";

export function wasmEngine(name: string, _module: WebAssembly.Module): EngineFactory {
	return {
		async create() {
			throw new Error(`Service "${name}": WebAssembly services are not implemented yet.`);
		},
	};
}
