/**
 * The Stateroom guest SDK for AssemblyScript: the callbacks and context of the TypeScript
 * service API, compiled into a module that speaks the Stateroom WebAssembly ABI.
 */
export { ClientId } from "./client-id";
export { ServiceContext } from "./context";
export { MessagePayload } from "./payload";
export { MessageRecipient } from "./recipient";
export { register, Service, ServiceFactory } from "./service";
// The abort and seed handlers that asconfig.json's `use` entries name.
import "./wasi";
