/*
 * A Stateroom service in C: what upstream's `stateroom` and `stateroom-wasm` 0.4 crates give a
 * Rust guest, for ABI v1 (protocol 0), see docs/abi.md.
 *
 * A service is one C file that includes this header, names itself with STATEROOM_SERVICE("x"),
 * and defines the callbacks it needs (the others do nothing). stateroom.c holds the ABI exports,
 * the hand-written bincode, and the check that the host ran `_initialize` first.
 */
#ifndef STATEROOM_H
#define STATEROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A client of the room: ids start at 1 in each room and are never reused. */
typedef uint32_t stateroom_client;

/** A message from a client: text (UTF-8, not NUL-terminated) or bytes. */
typedef struct {
	bool is_text;
	const char *data;
	size_t len;
} stateroom_payload;

/** Who a message goes to: MessageRecipient. */
typedef struct {
	uint32_t kind; /* 0 Broadcast, 1 Client, 2 EveryoneExcept */
	stateroom_client client;
} stateroom_recipient;

static inline stateroom_recipient stateroom_broadcast(void) { return (stateroom_recipient){0, 0}; }
static inline stateroom_recipient stateroom_to(stateroom_client client) { return (stateroom_recipient){1, client}; }
static inline stateroom_recipient stateroom_everyone_except(stateroom_client client) {
	return (stateroom_recipient){2, client};
}

/* The service's callbacks; each is optional (stateroom.c has empty weak defaults). */
void service_init(void);
void service_connect(stateroom_client client);
void service_disconnect(stateroom_client client);
void service_message(stateroom_client client, stateroom_payload message);
void service_timer(void);

/* Commands, valid only inside a callback (they go out through env.stateroom_send). */
void stateroom_send_text(stateroom_recipient to, const char *text, size_t len);
void stateroom_send_bytes(stateroom_recipient to, const void *bytes, size_t len);
void stateroom_set_timer(uint32_t ms_delay);

/** True if the payload is text equal to the NUL-terminated `text`. */
bool stateroom_text_is(stateroom_payload message, const char *text);

/** A growable text buffer on the heap, for building messages. */
typedef struct {
	char *data;
	size_t len;
	size_t cap;
} stateroom_text;

void stateroom_text_append(stateroom_text *text, const char *data, size_t len);
void stateroom_text_appendf(stateroom_text *text, const char *format, ...) __attribute__((format(printf, 2, 3)));
void stateroom_text_free(stateroom_text *text);

/** Logs to stderr (fd_write to fd 2: the host's log for the room). */
void stateroom_log(const char *format, ...) __attribute__((format(printf, 1, 2)));

/** Logs why to stderr, then traps: the host fails the event and rolls the room back. */
_Noreturn void stateroom_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

/** The service's name in log lines: `STATEROOM_SERVICE("counter");` at file scope. */
extern const char stateroom_service_name[];
#define STATEROOM_SERVICE(name) const char stateroom_service_name[] = name

#endif
