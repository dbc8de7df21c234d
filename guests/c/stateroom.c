/*
 * The Stateroom ABI v1 (protocol 0) for a C service built as a WASI reactor: the exports a host
 * needs, the import it provides, and bincode 1.x by hand. See docs/abi.md.
 *
 * Built with `clang --target=wasm32-wasi -mexec-model=reactor`, the module exports `_initialize`
 * (wasi-libc's crt1-reactor.o), which runs the constructors below; the host must call it before
 * anything else. Memory comes from wasi-libc's malloc (dlmalloc: its state lives in linear memory).
 */
#include "stateroom.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The version and protocol, as data: `-Wl,--export=STATEROOM_API_VERSION` (and _PROTOCOL) makes
 * wasm-ld export each as an immutable i32 global holding its address, like a Rust `#[no_mangle]
 * static`. `export_name` applies to functions only.
 */
__attribute__((used)) const uint32_t STATEROOM_API_VERSION = 1;
__attribute__((used)) const uint32_t STATEROOM_API_PROTOCOL = 0;

__attribute__((import_module("env"), import_name("stateroom_send"))) extern void stateroom_send(const uint8_t *ptr,
                                                                                                  uint32_t len);

/* Set by a constructor, so only if the host ran `_initialize`; lives in linear memory. */
static bool initialized;

__attribute__((constructor)) static void stateroom_constructor(void) {
	initialized = true;
	stateroom_log("constructors ran in _initialize");
}

/* Empty defaults: a service defines the callbacks it needs. */
__attribute__((weak)) void service_init(void) {}
__attribute__((weak)) void service_connect(stateroom_client client) { (void)client; }
__attribute__((weak)) void service_disconnect(stateroom_client client) { (void)client; }
__attribute__((weak)) void service_message(stateroom_client client, stateroom_payload message) {
	(void)client;
	(void)message;
}
__attribute__((weak)) void service_timer(void) {}

__attribute__((export_name("stateroom_malloc"))) void *stateroom_malloc(size_t size) {
	if (size == 0) return NULL;
	void *ptr = malloc(size);
	if (ptr == NULL) stateroom_fail("stateroom_malloc: out of memory (%zu bytes)", size);
	return ptr;
}

__attribute__((export_name("stateroom_free"))) void stateroom_free(void *ptr, size_t size) {
	if (size == 0) return;
	free(ptr);
}

/* Reading an event: bincode, little-endian, fixed-width integers. */
typedef struct {
	const uint8_t *at;
	size_t left;
} reader;

static uint32_t read_u32(reader *in, const char *what) {
	if (in->left < 4) stateroom_fail("malformed event: %s needs 4 bytes, %zu remain", what, in->left);
	uint32_t value = (uint32_t)in->at[0] | (uint32_t)in->at[1] << 8 | (uint32_t)in->at[2] << 16 |
	                 (uint32_t)in->at[3] << 24;
	in->at += 4;
	in->left -= 4;
	return value;
}

static uint64_t read_u64(reader *in, const char *what) {
	uint64_t low = read_u32(in, what);
	uint64_t high = read_u32(in, what);
	return low | high << 32;
}

static stateroom_payload read_payload(reader *in) {
	uint32_t kind = read_u32(in, "the MessagePayload variant");
	if (kind > 1) stateroom_fail("malformed event: unknown MessagePayload variant %u", (unsigned)kind);
	uint64_t len = read_u64(in, "the payload length");
	if (len > in->left) stateroom_fail("malformed event: the payload claims %" PRIu64 " bytes, %zu remain", len, in->left);
	stateroom_payload payload = {kind == 1, (const char *)in->at, (size_t)len};
	in->at += len;
	in->left -= len;
	return payload;
}

/* Set on the first event (Init), like upstream's lazily built service state. */
static bool started;

__attribute__((export_name("stateroom_recv"))) void stateroom_recv(const uint8_t *ptr, size_t len) {
	if (!initialized) stateroom_fail("stateroom_recv before _initialize: the host must call _initialize first");
	reader in = {ptr, len};
	uint32_t variant = read_u32(&in, "the MessageToProcess variant");
	if (!started && variant != 0) stateroom_fail("the first event must be Init (0), not variant %u", (unsigned)variant);
	switch (variant) {
	case 0:
		started = true;
		service_init();
		break;
	case 1:
		service_connect(read_u32(&in, "the client id"));
		break;
	case 2:
		service_disconnect(read_u32(&in, "the client id"));
		break;
	case 3: {
		stateroom_client sender = read_u32(&in, "the sender id");
		service_message(sender, read_payload(&in));
		break;
	}
	case 4:
		service_timer();
		break;
	default:
		stateroom_fail("malformed event: unknown MessageToProcess variant %u", (unsigned)variant);
	}
}

/* Writing a command (MessageFromProcess). */
static uint8_t *put_u32(uint8_t *at, uint32_t value) {
	for (int i = 0; i < 4; i++) *at++ = (uint8_t)(value >> (8 * i));
	return at;
}

static uint8_t *put_u64(uint8_t *at, uint64_t value) {
	at = put_u32(at, (uint32_t)value);
	return put_u32(at, (uint32_t)(value >> 32));
}

static void send_message(stateroom_recipient to, uint32_t payload_kind, const void *data, size_t len) {
	/* variant, recipient (+ client), payload variant, u64 length, bytes */
	size_t size = 4 + 4 + (to.kind == 0 ? 0 : 4) + 4 + 8 + len;
	uint8_t *buffer = malloc(size);
	if (buffer == NULL) stateroom_fail("out of memory sending %zu bytes", len);
	uint8_t *at = put_u32(buffer, 0);
	at = put_u32(at, to.kind);
	if (to.kind != 0) at = put_u32(at, to.client);
	at = put_u32(at, payload_kind);
	at = put_u64(at, len);
	if (len > 0) memcpy(at, data, len);
	stateroom_send(buffer, (uint32_t)size);
	free(buffer);
}

void stateroom_send_text(stateroom_recipient to, const char *text, size_t len) { send_message(to, 1, text, len); }

void stateroom_send_bytes(stateroom_recipient to, const void *bytes, size_t len) { send_message(to, 0, bytes, len); }

void stateroom_set_timer(uint32_t ms_delay) {
	uint8_t command[8];
	put_u32(put_u32(command, 1), ms_delay);
	stateroom_send(command, sizeof command);
}

bool stateroom_text_is(stateroom_payload message, const char *text) {
	size_t len = strlen(text);
	return message.is_text && message.len == len && memcmp(message.data, text, len) == 0;
}

static void reserve(stateroom_text *text, size_t more) {
	if (text->len + more <= text->cap) return;
	size_t cap = text->cap == 0 ? 64 : text->cap;
	while (cap < text->len + more) cap *= 2;
	char *data = realloc(text->data, cap);
	if (data == NULL) stateroom_fail("out of memory building a %zu-byte message", text->len + more);
	text->data = data;
	text->cap = cap;
}

void stateroom_text_append(stateroom_text *text, const char *data, size_t len) {
	reserve(text, len);
	if (len > 0) memcpy(text->data + text->len, data, len);
	text->len += len;
}

void stateroom_text_appendf(stateroom_text *text, const char *format, ...) {
	va_list args;
	va_start(args, format);
	int needed = vsnprintf(NULL, 0, format, args);
	va_end(args);
	if (needed < 0) stateroom_fail("bad format \"%s\"", format);
	reserve(text, (size_t)needed + 1); /* vsnprintf writes a NUL after the text */
	va_start(args, format);
	vsnprintf(text->data + text->len, (size_t)needed + 1, format, args);
	va_end(args);
	text->len += (size_t)needed;
}

void stateroom_text_free(stateroom_text *text) {
	free(text->data);
	*text = (stateroom_text){0};
}

/* One line, one fputs: stderr is unbuffered, so this is one fd_write. */
static void vlog(const char *format, va_list args) {
	char line[512];
	int prefix = snprintf(line, sizeof line - 1, "%s: ", stateroom_service_name);
	if (prefix < 0 || (size_t)prefix >= sizeof line - 1) prefix = 0;
	vsnprintf(line + prefix, sizeof line - 1 - (size_t)prefix, format, args);
	size_t len = strlen(line);
	line[len] = '\n';
	line[len + 1] = '\0';
	fputs(line, stderr);
}

void stateroom_log(const char *format, ...) {
	va_list args;
	va_start(args, format);
	vlog(format, args);
	va_end(args);
}

_Noreturn void stateroom_fail(const char *format, ...) {
	va_list args;
	va_start(args, format);
	vlog(format, args);
	va_end(args);
	__builtin_trap();
}
