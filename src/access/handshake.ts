/**
 * Only a well-formed WebSocket upgrade reaches a room (RFC 6455 §4.2.1): anything else is
 * refused here, in the Worker, so a malformed request never gets a client id, a record or storage.
 */
import { HttpError } from "../errors.ts";
import { jsonStringify } from "../intrinsics.ts";

/** A `Sec-WebSocket-Key` is 16 random bytes in base64: 22 characters and `==`. */
const KEY = /^[A-Za-z0-9+/]{22}==$/;

/** Throws the right refusal (405, 426 or 400) unless `request` is a valid WebSocket upgrade. */
export function checkUpgrade(request: Request): void {
	if (request.method !== "GET") {
		throw new HttpError(405, `Method ${request.method} is not allowed: rooms are opened with a WebSocket GET.`, {
			allow: "GET",
		});
	}
	const headers = request.headers;
	if (!hasToken(headers.get("upgrade"), "websocket")) {
		throw new HttpError(426, "This is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket).", {
			upgrade: "websocket",
		});
	}
	const key = headers.get("sec-websocket-key");
	if (key === null || !KEY.test(key.trim())) {
		throw new HttpError(
			400,
			"Invalid WebSocket handshake: Sec-WebSocket-Key is missing or is not 16 bytes in base64. Connect with a WebSocket client.",
		);
	}
	const version = headers.get("sec-websocket-version");
	if (version?.trim() !== "13") {
		throw new HttpError(
			426,
			`Unsupported WebSocket version ${version === null ? "(none given)" : jsonStringify(version)}: this server speaks version 13 (RFC 6455).`,
			{ "sec-websocket-version": "13", upgrade: "websocket" },
		);
	}
}

/** Whether a comma-separated header holds `token` (case-insensitive), as `Upgrade` may. */
function hasToken(header: string | null, token: string): boolean {
	return header?.split(",").some((part) => part.trim().toLowerCase() === token) ?? false;
}
