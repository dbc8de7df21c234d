//! Uses the identity extension (not an upstream example): tells each client who it joined as,
//! the JSON of its identity, or "anonymous" when it has none; a text message asks again.
#[macro_use]
#[path = "../src/stateroom.rs"]
mod stateroom;
use stateroom::*;

#[derive(Default)]
struct WhoAmI;

impl WhoAmI {
    fn tell(client: ClientId, ctx: &Context) {
        let answer = ctx.identity(client).unwrap_or_else(|| "anonymous".to_string());
        ctx.send_message(client, answer);
    }
}

impl StateroomService for WhoAmI {
    fn connect(&mut self, client: ClientId, ctx: &Context) {
        WhoAmI::tell(client, ctx);
    }

    fn message(&mut self, client: ClientId, message: MessagePayload, ctx: &Context) {
        if message.text().is_some() {
            WhoAmI::tell(client, ctx);
        }
    }
}

stateroom_service!(WhoAmI);
