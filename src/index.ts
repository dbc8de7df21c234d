/** The Worker's entry module: this deployment's services, served by Stateroom. */
import services from "../services/index.ts";
import { createStateroom } from "./stateroom.ts";

const { worker, Room } = createStateroom(services);

export { Room };
export default worker;
