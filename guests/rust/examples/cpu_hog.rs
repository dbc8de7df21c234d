//! Upstream's cpu-hog example: a runaway guest that busy-waits 10 s on the wall clock.
#[macro_use]
#[path = "../src/stateroom.rs"]
mod stateroom;
use std::time::{Duration, SystemTime};
use stateroom::*;

#[derive(Default)]
struct CpuHog;

impl StateroomService for CpuHog {
    fn connect(&mut self, _client: ClientId, ctx: &Context) {
        ctx.send_message(MessageRecipient::Broadcast, "Connected.");
        let start = SystemTime::now();
        while SystemTime::now().duration_since(start).unwrap_or_default() < Duration::from_secs(10) {}
        ctx.send_message(MessageRecipient::Broadcast, "Finished.");
    }
}

stateroom_service!(CpuHog);
