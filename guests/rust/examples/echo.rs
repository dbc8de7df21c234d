//! Upstream's echo-server example.
#[macro_use]
#[path = "../src/stateroom.rs"]
mod stateroom;
use stateroom::*;

#[derive(Default)]
struct EchoServer;

impl StateroomService for EchoServer {
    fn connect(&mut self, client: ClientId, ctx: &Context) {
        ctx.send_message(client, format!("User {:?} connected.", client));
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

stateroom_service!(EchoServer);
