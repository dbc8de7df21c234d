/* Upstream's echo-server example: greets a new client, echoes text to everyone, announces leavers. */
#include <inttypes.h>

#include "../stateroom.h"

STATEROOM_SERVICE("c-echo");

void service_connect(stateroom_client client) {
	stateroom_text reply = {0};
	stateroom_text_appendf(&reply, "User ClientId(%" PRIu32 ") connected.", client);
	stateroom_send_text(stateroom_to(client), reply.data, reply.len);
	stateroom_text_free(&reply);
}

void service_message(stateroom_client client, stateroom_payload message) {
	if (!message.is_text) return;
	stateroom_text reply = {0};
	stateroom_text_appendf(&reply, "User ClientId(%" PRIu32 ") sent '", client);
	stateroom_text_append(&reply, message.data, message.len);
	stateroom_text_append(&reply, "'", 1);
	stateroom_send_text(stateroom_broadcast(), reply.data, reply.len);
	stateroom_text_free(&reply);
}

void service_disconnect(stateroom_client client) {
	stateroom_text reply = {0};
	stateroom_text_appendf(&reply, "User ClientId(%" PRIu32 ") left.", client);
	stateroom_send_text(stateroom_broadcast(), reply.data, reply.len);
	stateroom_text_free(&reply);
}
