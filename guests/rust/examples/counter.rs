//! Upstream's counter example.
#[macro_use]
#[path = "../src/stateroom.rs"]
mod stateroom;
use stateroom::*;

#[derive(Default)]
struct SharedCounterServer(i32);

impl StateroomService for SharedCounterServer {
    fn message(&mut self, _client: ClientId, message: MessagePayload, ctx: &Context) {
        match message.text() {
            Some("increment") => self.0 += 1,
            Some("decrement") => self.0 -= 1,
            Some(_) => (),
            None => return,
        }
        ctx.send_message(MessageRecipient::Broadcast, format!("new value: {}", self.0));
    }
}

stateroom_service!(SharedCounterServer);
