/**
 * The services this deployment serves. `/ws/:room` runs the default one; every service is
 * also at `/s/:name/ws/:room`.
 */
import { defineServices } from "stateroom";
import { yjs } from "stateroom/yjs";
import { assemblyScriptServices } from "./assemblyscript.ts";
import { BinaryEcho } from "./binary-echo.ts";
import { cServices } from "./c.ts";
import { Chat } from "./chat.ts";
import { Clock } from "./clock.ts";
import { Counter } from "./counter.ts";
import { Echo } from "./echo.ts";
import { Randomness } from "./randomness.ts";
import { rustServices } from "./rust.ts";

export default defineServices({
	default: "counter",
	services: {
		counter: Counter,
		echo: Echo,
		clock: Clock,
		randomness: Randomness,
		"binary-echo": BinaryEcho,
		chat: Chat,
		yjs: yjs(),
		...rustServices,
		...cServices,
		...assemblyScriptServices,
	},
});
