/* Upstream's counter example: an i32 from 0, "increment"/"decrement", every new value broadcast. */
#include <inttypes.h>
#include <stdlib.h>

#include "../stateroom.h"

STATEROOM_SERVICE("c-counter");

/* Upstream's SharedCounterServer(i32), built on the first event (Init), on the heap. */
struct counter {
	int32_t value;
};
static struct counter *counter;

void service_init(void) {
	counter = calloc(1, sizeof *counter);
	if (counter == NULL) stateroom_fail("out of memory");
}

void service_message(stateroom_client client, stateroom_payload message) {
	(void)client;
	if (!message.is_text) return;
	if (stateroom_text_is(message, "increment")) counter->value += 1;
	else if (stateroom_text_is(message, "decrement")) counter->value -= 1;
	stateroom_text reply = {0};
	stateroom_text_appendf(&reply, "new value: %" PRId32, counter->value);
	stateroom_send_text(stateroom_broadcast(), reply.data, reply.len);
	stateroom_text_free(&reply);
}
