//! Upstream's clock example.
#[macro_use]
#[path = "../src/stateroom.rs"]
mod stateroom;
use stateroom::*;

#[derive(Default)]
struct ClockServer(u32);

impl StateroomService for ClockServer {
    fn init(&mut self, ctx: &Context) {
        ctx.set_timer(4000);
    }

    fn timer(&mut self, ctx: &Context) {
        ctx.send_message(MessageRecipient::Broadcast, format!("Timer @ {}", self.0));
        self.0 += 1;
        ctx.set_timer(4000);
    }
}

stateroom_service!(ClockServer);
