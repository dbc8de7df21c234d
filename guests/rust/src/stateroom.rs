//! A dependency-free copy of what the `stateroom` and `stateroom-wasm` 0.4 crates give a guest:
//! the service trait, client ids, payloads, recipients, hand-written bincode, and the exports of
//! the Stateroom ABI v1. Each example includes this file and calls `stateroom_service!`.
//! Beyond upstream, `Context::identity` wraps this host's optional identity extension.
//!
//! It mimics stateroom-wasm on purpose: the service state is built lazily (`Default`) on the
//! first event (`Init`), memory comes from Rust's allocator, and the version and protocol are
//! `#[no_mangle]` statics, which rustc exports as i32 globals holding their addresses.

#![allow(dead_code)]

use std::alloc::{alloc, dealloc, Layout};
use std::fmt;

/// A client's id within a room; prints as `ClientId(N)`, like upstream's.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientId(pub u32);

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({})", self.0)
    }
}

pub enum MessagePayload {
    Bytes(Vec<u8>),
    Text(String),
}

impl MessagePayload {
    pub fn text(&self) -> Option<&str> {
        match self {
            MessagePayload::Text(text) => Some(text),
            MessagePayload::Bytes(_) => None,
        }
    }
}

impl From<&str> for MessagePayload {
    fn from(text: &str) -> Self {
        MessagePayload::Text(text.to_string())
    }
}

impl From<String> for MessagePayload {
    fn from(text: String) -> Self {
        MessagePayload::Text(text)
    }
}

impl From<&String> for MessagePayload {
    fn from(text: &String) -> Self {
        MessagePayload::Text(text.clone())
    }
}

pub enum MessageRecipient {
    Broadcast,
    Client(ClientId),
    EveryoneExcept(ClientId),
}

impl From<ClientId> for MessageRecipient {
    fn from(client: ClientId) -> Self {
        MessageRecipient::Client(client)
    }
}

/// What a service can do while it handles an event.
pub struct Context;

impl Context {
    pub fn send_message(&self, recipient: impl Into<MessageRecipient>, message: impl Into<MessagePayload>) {
        let mut out = Vec::new();
        put_u32(&mut out, 0);
        match recipient.into() {
            MessageRecipient::Broadcast => put_u32(&mut out, 0),
            MessageRecipient::Client(client) => {
                put_u32(&mut out, 1);
                put_u32(&mut out, client.0);
            }
            MessageRecipient::EveryoneExcept(client) => {
                put_u32(&mut out, 2);
                put_u32(&mut out, client.0);
            }
        }
        match message.into() {
            MessagePayload::Bytes(bytes) => put_bytes(&mut out, 0, &bytes),
            MessagePayload::Text(text) => put_bytes(&mut out, 1, text.as_bytes()),
        }
        send(&out);
    }

    pub fn set_timer(&self, ms_delay: u32) {
        let mut out = Vec::new();
        put_u32(&mut out, 1);
        put_u32(&mut out, ms_delay);
        send(&out);
    }

    /// Who `client` is: the UTF-8 JSON `{"user":"ann","claims":{...}}` of its join token and of
    /// the deployment's `authorize` hook (`user` left out when there is none), or `None` for a
    /// client without an identity or one that is not connected.
    ///
    /// This is the optional `env.stateroom_identity` extension of the ABI (docs/abi.md,
    /// "Extensions"). rustc and wasm-ld import it only into a module that calls this method, so
    /// a guest that does not stays a plain v1 guest.
    pub fn identity(&self, client: ClientId) -> Option<String> {
        // Most identities fit; a longer one costs a second call with the size the host asked for.
        let mut buffer: Vec<u8> = Vec::with_capacity(256);
        for _ in 0..2 {
            let room = buffer.capacity();
            let written = unsafe { stateroom_identity(client.0, buffer.as_mut_ptr(), room as u32) };
            if written < 0 {
                return None;
            }
            let needed = written as usize;
            if needed <= room {
                // The host wrote exactly `needed` bytes at the start of the buffer.
                unsafe { buffer.set_len(needed) };
                return Some(String::from_utf8(buffer).expect("stateroom_identity wrote UTF-8 JSON"));
            }
            buffer.reserve_exact(needed);
        }
        panic!("stateroom_identity asked for a larger buffer twice for client {:?}", client);
    }
}

pub trait StateroomService {
    fn init(&mut self, _ctx: &Context) {}
    fn connect(&mut self, _client: ClientId, _ctx: &Context) {}
    fn disconnect(&mut self, _client: ClientId, _ctx: &Context) {}
    fn message(&mut self, _client: ClientId, _message: MessagePayload, _ctx: &Context) {}
    fn timer(&mut self, _ctx: &Context) {}
}

enum MessageToProcess {
    Init,
    Connect(ClientId),
    Disconnect(ClientId),
    Message(ClientId, MessagePayload),
    Timer,
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, variant: u32, bytes: &[u8]) {
    put_u32(out, variant);
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn get_u32(bytes: &[u8], at: &mut usize) -> u32 {
    let value = u32::from_le_bytes(bytes[*at..*at + 4].try_into().expect("4 bytes"));
    *at += 4;
    value
}

/// Decodes an event; like upstream's glue it panics (the module traps) on bytes it cannot decode.
fn decode(bytes: &[u8]) -> MessageToProcess {
    let mut at = 0;
    match get_u32(bytes, &mut at) {
        0 => MessageToProcess::Init,
        1 => MessageToProcess::Connect(ClientId(get_u32(bytes, &mut at))),
        2 => MessageToProcess::Disconnect(ClientId(get_u32(bytes, &mut at))),
        3 => {
            let sender = ClientId(get_u32(bytes, &mut at));
            let variant = get_u32(bytes, &mut at);
            let len = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes")) as usize;
            at += 8;
            let body = bytes[at..at + len].to_vec();
            let payload = match variant {
                0 => MessagePayload::Bytes(body),
                1 => MessagePayload::Text(String::from_utf8(body).expect("Text payload is valid UTF-8")),
                other => panic!("unknown MessagePayload variant {}", other),
            };
            MessageToProcess::Message(sender, payload)
        }
        4 => MessageToProcess::Timer,
        other => panic!("unknown MessageToProcess variant {}", other),
    }
}

/// Runs one event against the service, building it on the first event as upstream does.
pub fn dispatch<S: StateroomService + Default>(state: &mut Option<S>, bytes: &[u8]) {
    let service = state.get_or_insert_with(S::default);
    let ctx = Context;
    match decode(bytes) {
        MessageToProcess::Init => service.init(&ctx),
        MessageToProcess::Connect(client) => service.connect(client, &ctx),
        MessageToProcess::Disconnect(client) => service.disconnect(client, &ctx),
        MessageToProcess::Message(client, message) => service.message(client, message, &ctx),
        MessageToProcess::Timer => service.timer(&ctx),
    }
}

#[link(wasm_import_module = "env")]
extern "C" {
    fn stateroom_send(ptr: *const u8, len: u32);
    /// The optional identity extension; only modules that call `Context::identity` import it.
    fn stateroom_identity(client: u32, ptr: *mut u8, len: u32) -> i32;
}

fn send(bytes: &[u8]) {
    unsafe { stateroom_send(bytes.as_ptr(), bytes.len() as u32) }
}

#[no_mangle]
pub static STATEROOM_API_VERSION: i32 = 1;

#[no_mangle]
pub static STATEROOM_API_PROTOCOL: i32 = 0;

#[no_mangle]
pub unsafe extern "C" fn stateroom_malloc(size: u32) -> *mut u8 {
    if size == 0 {
        return std::ptr::null_mut();
    }
    alloc(Layout::from_size_align_unchecked(size as usize, 1))
}

#[no_mangle]
pub unsafe extern "C" fn stateroom_free(ptr: *mut u8, size: u32) {
    if size == 0 {
        return;
    }
    dealloc(ptr, Layout::from_size_align_unchecked(size as usize, 1))
}

/// Declares the service type of a module: its state and `stateroom_recv`.
#[macro_export]
macro_rules! stateroom_service {
    ($service:ty) => {
        static mut SERVICE: Option<$service> = None;

        #[no_mangle]
        pub unsafe extern "C" fn stateroom_recv(ptr: *const u8, len: u32) {
            let bytes = std::slice::from_raw_parts(ptr, len as usize);
            $crate::stateroom::dispatch(&mut SERVICE, bytes);
        }
    };
}
