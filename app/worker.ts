/**
 * The Worker's entry module (`main` in wrangler.toml): this deployment's services, served by
 * Stateroom. It sits outside src/ (the library), which never imports a deployment.
 */
// The library first: it takes the built-ins it relies on before any service module runs
// (src/intrinsics.ts).
import { createStateroom } from "stateroom";
import services from "../services/index.ts";

/** The Durable Object classes (`class_name` in wrangler.toml), serving the services below. */
export { Directory, PublishedServices, Room } from "stateroom";

export default createStateroom(services).worker;
