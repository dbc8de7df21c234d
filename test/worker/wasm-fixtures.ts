/**
 * WAT fixtures (test/fixtures/wat, built into build/fixtures by `npm run build:test`, which `npm test` runs first),
 * registered as test-only services by entry.ts so that rooms run them like any service.
 */
import type { ServiceDefinition } from "stateroom";
import chatty from "../../build/fixtures/chatty.wasm";
import contained from "../../build/fixtures/contained.wasm";
import declaresTooMuch from "../../build/fixtures/declares-too-much.wasm";
import forged from "../../build/fixtures/forged.wasm";
import greedy from "../../build/fixtures/greedy.wasm";
import greedyInitialize from "../../build/fixtures/greedy-initialize.wasm";
import greedyStart from "../../build/fixtures/greedy-start.wasm";
import hugeMalloc from "../../build/fixtures/huge-malloc.wasm";
import identity from "../../build/fixtures/identity.wasm";
import missingRecv from "../../build/fixtures/missing-recv.wasm";
import nullMalloc from "../../build/fixtures/null-malloc.wasm";
import pageWrites from "../../build/fixtures/page-writes.wasm";
import scripted from "../../build/fixtures/scripted.wasm";
import startTraps from "../../build/fixtures/start-traps.wasm";
import unbuilt from "../../build/fixtures/unbuilt.wasm";
import unmetered from "../../build/fixtures/unmetered.wasm";
import wrongSignature from "../../build/fixtures/wrong-signature.wasm";
import asWhoami from "../../build/wasm/as-whoami.wasm";
import rustCounter from "../../build/wasm/rust-counter.wasm";
import rustWhoami from "../../build/wasm/rust-whoami.wasm";

export const wasmFixtureServices: Record<string, ServiceDefinition> = {
	"wasm-scripted": scripted,
	"wasm-page-writes": pageWrites,
	"wasm-huge-malloc": hugeMalloc,
	"wasm-null-malloc": nullMalloc,
	"wasm-missing-recv": missingRecv,
	"wasm-wrong-signature": wrongSignature,
	"wasm-start-traps": startTraps,
	"wasm-unbuilt": unbuilt,
	"wasm-contained": contained,
	"wasm-contained-tight": { implementation: contained, limits: { fuelPerEvent: 100_000, maxMemoryBytes: 1024 * 1024 } },
	"wasm-contained-reset": { implementation: contained, onModuleChange: "reset" },
	// A short streak and cool-down, so that the fairness tests (fairness.test.ts) see one end.
	"wasm-contained-flood": {
		implementation: contained,
		limits: { failureStreak: 3, failureBackoffMs: 20, coolDownMs: 1000 },
	},
	// Rust's 1 MiB stack and data take 17 pages, over a 1 MiB limit before any event.
	"wasm-rust-counter-tight": { implementation: rustCounter, limits: { maxMemoryBytes: 1024 * 1024 } },
	"wasm-unmetered": unmetered,
	"wasm-forged": forged,
	// Memory bounds (test/worker/wasm-memory-bounds.test.ts) and output bounds (output-bound.test.ts).
	"wasm-greedy": greedy,
	"wasm-greedy-start": greedyStart,
	"wasm-greedy-initialize": greedyInitialize,
	"wasm-declares-too-much": declaresTooMuch,
	"wasm-chatty": chatty,
	"wasm-chatty-tight": { implementation: chatty, limits: { fuelPerEvent: 10_000_000 } },
	"wasm-identity": identity,
	"wasm-identity-private": { implementation: identity, access: { token: "required" } },
	// The SDKs' identity examples behind join tokens (test/worker/wasm-identity-sdk.test.ts).
	"wasm-rust-whoami-private": { implementation: rustWhoami, access: { token: "required" } },
	"wasm-as-whoami-private": { implementation: asWhoami, access: { token: "required" } },
};
