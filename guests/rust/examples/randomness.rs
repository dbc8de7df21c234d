//! Upstream's randomness example. Upstream draws the number with the `rand` crate, which reads
//! WASI's `random_get`; this copy has no dependencies and asks `random_get` directly.
#[macro_use]
#[path = "../src/stateroom.rs"]
mod stateroom;
use stateroom::*;

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn random_get(buf: *mut u8, len: usize) -> u16;
}

fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    let errno = unsafe { random_get(bytes.as_mut_ptr(), bytes.len()) };
    assert_eq!(errno, 0, "random_get failed");
    u32::from_le_bytes(bytes)
}

#[derive(Default)]
struct RandomServer;

impl StateroomService for RandomServer {
    fn connect(&mut self, client: ClientId, ctx: &Context) {
        let number = random_u32();
        ctx.send_message(client, format!("User {:?} connected. Random number: {}", client, number));
    }

    fn message(&mut self, client: ClientId, message: MessagePayload, ctx: &Context) {
        if let Some(text) = message.text() {
            ctx.send_message(MessageRecipient::Broadcast, format!("User {:?} sent '{}'", client, text));
        }
    }

    fn disconnect(&mut self, client: ClientId, ctx: &Context) {
        ctx.send_message(MessageRecipient::Broadcast, format!("User {:?} left.", client));
    }
}

stateroom_service!(RandomServer);
