//! Upstream's binary-echo example: text messages come back to everyone as text; binary is ignored.
#[macro_use]
#[path = "../src/stateroom.rs"]
mod stateroom;
use stateroom::*;

#[derive(Default)]
struct BinaryEcho;

impl StateroomService for BinaryEcho {
    fn message(&mut self, _client: ClientId, message: MessagePayload, ctx: &Context) {
        if let Some(text) = message.text() {
            ctx.send_message(MessageRecipient::Broadcast, MessagePayload::Text(text.to_string()));
        }
    }
}

stateroom_service!(BinaryEcho);
