/**
 * The measurements. Each runs every target in turn within a round, in a rotated order from round
 * to round, so that a noisy moment on the machine hits all targets alike.
 */
import { closeAll, LoadClient, openMany } from "./client.ts";
import type { BenchServer } from "./server.ts";
import { median, percentile } from "./stats.ts";
import { BASELINES, type BaselineId, type Profile, TARGETS, type Target, type TargetId } from "./targets.ts";

export interface RunContext {
	readonly server: BenchServer;
	readonly profile: Profile;
	/** Unique per run, so rooms of an earlier run on the same storage never interfere. */
	readonly runId: string;
	progress(line: string): void;
}

const INCREMENT = "increment";

/** `items` starting at position `round`, wrapping around. */
export function rotate<T>(items: readonly T[], round: number): T[] {
	const start = round % Math.max(1, items.length);
	return [...items.slice(start), ...items.slice(0, start)];
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function url(ctx: RunContext, target: Target, room: string): string {
	return `${ctx.server.ws}${target.path(`${ctx.runId}-${room}`)}`;
}

async function openPerTarget(ctx: RunContext, room: string): Promise<Map<TargetId, LoadClient>> {
	const clients = new Map<TargetId, LoadClient>();
	for (const target of TARGETS) {
		const client = await LoadClient.open(url(ctx, target, room));
		clients.set(target.id, client);
		// The first event of a room pays for its start; it is not what this scenario measures.
		for (let i = 0; i < 3; i++) await client.roundTrip(INCREMENT);
	}
	return clients;
}

export interface LatencyResult {
	readonly latencyP50Ms: number;
	readonly latencyP99Ms: number;
	readonly roundTripsPerSecond: number;
}

/** One client in one room, one message at a time: the round trip of a single event. */
export async function latency(ctx: RunContext): Promise<Record<TargetId, LatencyResult>> {
	const clients = await openPerTarget(ctx, "latency");
	const samples = new Map<TargetId, number[]>(TARGETS.map((target) => [target.id, []]));
	const busy = new Map<TargetId, number>(TARGETS.map((target) => [target.id, 0]));
	try {
		for (let round = 0; round < ctx.profile.rounds; round++) {
			for (const target of rotate(TARGETS, round)) {
				const client = clients.get(target.id) as LoadClient;
				const list = samples.get(target.id) as number[];
				const started = performance.now();
				const deadline = started + ctx.profile.latencyMs;
				while (performance.now() < deadline) list.push(await client.roundTrip(INCREMENT));
				busy.set(target.id, (busy.get(target.id) ?? 0) + performance.now() - started);
			}
			ctx.progress(`latency: round ${round + 1}/${ctx.profile.rounds}`);
		}
	} finally {
		closeAll([...clients.values()]);
	}
	return byTarget((id) => {
		const list = samples.get(id) as number[];
		return {
			latencyP50Ms: percentile(list, 50),
			latencyP99Ms: percentile(list, 99),
			roundTripsPerSecond: (list.length * 1000) / (busy.get(id) ?? Number.NaN),
		};
	});
}

/** One room with many clients: each message is broadcast to all; time until all have it. */
export async function fanout(ctx: RunContext): Promise<Record<TargetId, number>> {
	const size = ctx.profile.fanoutClients;
	const rooms = new Map<TargetId, LoadClient[]>();
	try {
		for (const target of TARGETS) {
			const clients = await openMany(size, () => url(ctx, target, "fanout"));
			rooms.set(target.id, clients);
			await broadcastOnce(clients);
		}
		const delivered = new Map<TargetId, number>();
		const busy = new Map<TargetId, number>();
		for (let round = 0; round < ctx.profile.rounds; round++) {
			for (const target of rotate(TARGETS, round)) {
				const clients = rooms.get(target.id) as LoadClient[];
				const started = performance.now();
				const deadline = started + ctx.profile.fanoutMs;
				let count = 0;
				while (performance.now() < deadline) {
					await broadcastOnce(clients);
					count += clients.length;
				}
				delivered.set(target.id, (delivered.get(target.id) ?? 0) + count);
				busy.set(target.id, (busy.get(target.id) ?? 0) + performance.now() - started);
			}
			ctx.progress(`fan-out (${size} clients): round ${round + 1}/${ctx.profile.rounds}`);
		}
		return byTarget((id) => ((delivered.get(id) ?? 0) * 1000) / (busy.get(id) ?? Number.NaN));
	} finally {
		for (const clients of rooms.values()) closeAll(clients);
	}
}

/** The first client sends; resolves when every client of the room has received the broadcast. */
async function broadcastOnce(clients: readonly LoadClient[]): Promise<void> {
	const expected = clients.map((client) => client.received + 1);
	(clients[0] as LoadClient).send(INCREMENT);
	await Promise.all(clients.map((client, index) => client.until(expected[index] as number)));
}

/** Many rooms busy at once, two clients each; one of them sends, one message at a time. */
export async function manyRooms(ctx: RunContext): Promise<Record<TargetId, number>> {
	const rooms = ctx.profile.manyRooms;
	const done = new Map<TargetId, number>();
	const busy = new Map<TargetId, number>();
	for (let round = 0; round < ctx.profile.manyRoomsRounds; round++) {
		for (const target of rotate(TARGETS, round)) {
			const clients = await openMany(rooms * 2, (index) => url(ctx, target, `many-${index >> 1}`));
			try {
				const senders = clients.filter((_, index) => index % 2 === 0);
				// Every room has started and run an event before the clock starts.
				await Promise.all(senders.map((client) => client.roundTrip(INCREMENT)));
				const started = performance.now();
				const deadline = started + ctx.profile.manyRoomsMs;
				const counts = await Promise.all(
					senders.map(async (client) => {
						let count = 0;
						while (performance.now() < deadline) {
							await client.roundTrip(INCREMENT);
							count++;
						}
						return count;
					}),
				);
				done.set(target.id, (done.get(target.id) ?? 0) + counts.reduce((a, b) => a + b, 0));
				busy.set(target.id, (busy.get(target.id) ?? 0) + performance.now() - started);
			} finally {
				closeAll(clients);
			}
			ctx.progress(`many rooms (${rooms} x 2 clients): ${target.label} round ${round + 1}`);
		}
	}
	return byTarget((id) => ((done.get(id) ?? 0) * 1000) / (busy.get(id) ?? Number.NaN));
}

/** A client sends a burst of messages without waiting, then waits for all the replies. */
export async function bursts(ctx: RunContext): Promise<Record<TargetId, number>> {
	const clients = await openPerTarget(ctx, "burst");
	const rates = new Map<TargetId, number[]>(TARGETS.map((target) => [target.id, []]));
	const size = ctx.profile.burstSize;
	try {
		for (let round = 0; round < ctx.profile.rounds; round++) {
			for (const target of rotate(TARGETS, round)) {
				const client = clients.get(target.id) as LoadClient;
				for (let burst = 0; burst < ctx.profile.burstsPerRound; burst++) {
					const expected = client.received + size;
					const started = performance.now();
					for (let i = 0; i < size; i++) client.send(INCREMENT);
					await client.until(expected);
					rates.get(target.id)?.push((size * 1000) / (performance.now() - started));
				}
			}
			ctx.progress(`bursts of ${size}: round ${round + 1}/${ctx.profile.rounds}`);
		}
	} finally {
		closeAll([...clients.values()]);
	}
	return byTarget((id) => median(rates.get(id) ?? []));
}

export interface LadderStep {
	/** State size in bytes (TypeScript) or memory in 64 KiB pages (WebAssembly). */
	readonly size: number;
	readonly roundTripsPerSecond: number;
	readonly latencyP50Ms: number;
}

interface Ladder {
	readonly label: string;
	readonly service: string;
	readonly sizes: readonly number[];
	/** The messages that bring a room to `size`; each gets one reply. */
	setup(size: number): (string | Buffer)[];
	readonly touch: string | Buffer;
}

/** A WebAssembly ladder command: an op byte and a little-endian u32. */
export function wasmCommand(op: "g" | "d" | "t", arg = 0): Buffer {
	const bytes = Buffer.alloc(5);
	bytes[0] = op.charCodeAt(0);
	bytes.writeUInt32LE(arg, 1);
	return bytes;
}

export function tsLadder(profile: Profile): Ladder {
	return {
		label: "TypeScript state",
		service: "ts-ladder",
		sizes: profile.tsLadderBytes,
		setup: (bytes) => [`fill ${bytes}`],
		touch: "touch",
	};
}

export function wasmLadder(profile: Profile): Ladder {
	return {
		label: "WebAssembly memory",
		service: "wasm-ladder",
		sizes: profile.wasmLadderPages,
		setup: (pages) => [wasmCommand("g", pages)],
		touch: wasmCommand("t"),
	};
}

export interface LadderResult {
	readonly steps: LadderStep[];
	/** Round trips per second of each baseline's counter, measured in the same rounds as the steps. */
	readonly baselines: Record<BaselineId, number>;
}

interface Rung {
	readonly client: LoadClient;
	readonly message: string | Buffer;
	readonly samples: number[];
	busy: number;
}

/**
 * Rooms of growing state whose event changes one entry (or one word): the cost per event by
 * size. The baselines' counters run in the same rounds, so that each step's ratio to them is
 * taken under the same load on the machine.
 */
export async function ladder(ctx: RunContext, spec: Ladder): Promise<LadderResult> {
	const rungs: Rung[] = [];
	const rung = (client: LoadClient, message: string | Buffer): Rung => {
		const made = { client, message, samples: [], busy: 0 };
		rungs.push(made);
		return made;
	};
	try {
		const steps: Rung[] = [];
		for (const size of spec.sizes) {
			const client = await LoadClient.open(`${ctx.server.ws}/s/${spec.service}/ws/${ctx.runId}-ladder-${size}`);
			steps.push(rung(client, spec.touch));
			for (const message of spec.setup(size)) await client.roundTrip(message, 120_000);
			await client.roundTrip(spec.touch, 60_000);
		}
		const baselines = new Map<BaselineId, Rung>();
		for (const id of BASELINES) {
			const target = TARGETS.find((candidate) => candidate.id === id) as Target;
			const client = await LoadClient.open(url(ctx, target, `ladder-${spec.service}`));
			baselines.set(id, rung(client, INCREMENT));
			await client.roundTrip(INCREMENT);
		}
		for (let round = 0; round < ctx.profile.rounds; round++) {
			for (const next of rotate(rungs, round)) {
				const started = performance.now();
				const deadline = started + ctx.profile.ladderMs;
				while (performance.now() < deadline) next.samples.push(await next.client.roundTrip(next.message, 60_000));
				next.busy += performance.now() - started;
			}
			ctx.progress(`${spec.label} ladder: round ${round + 1}/${ctx.profile.rounds}`);
		}
		const rate = (of: Rung) => (of.samples.length * 1000) / of.busy;
		return {
			steps: spec.sizes.map((size, index) => {
				const step = steps[index] as Rung;
				return { size, roundTripsPerSecond: rate(step), latencyP50Ms: percentile(step.samples, 50) };
			}),
			baselines: Object.fromEntries(BASELINES.map((id) => [id, rate(baselines.get(id) as Rung)])) as Record<
				BaselineId,
				number
			>,
		};
	} finally {
		closeAll(rungs.map((each) => each.client));
	}
}

/** A room kind whose wake from eviction is measured. */
export interface WakeTarget {
	readonly id: string;
	readonly label: string;
	path(room: string): string;
	readonly setup: readonly (string | Buffer)[];
	readonly probe: string | Buffer;
}

export function wakeTargets(): WakeTarget[] {
	return [
		...TARGETS.map((target) => ({
			id: target.id,
			label: `${target.label} (counter)`,
			path: target.path,
			setup: [],
			probe: INCREMENT,
		})),
		{
			id: "ts-1mb",
			label: "Stateroom TypeScript, 1 MB of state",
			path: (room: string) => `/s/ts-ladder/ws/${room}`,
			setup: ["fill 1000000"],
			probe: "touch",
		},
		{
			id: "wasm-1mib",
			label: "Stateroom WebAssembly, 1 MiB of changed memory",
			path: (room: string) => `/s/wasm-ladder/ws/${room}`,
			setup: [wasmCommand("d", 16)],
			probe: wasmCommand("t"),
		},
	];
}

/**
 * Wake from eviction. Rooms are given state, then workerd is restarted on the same storage
 * (which evicts every room), and the time from opening a socket to the first reply is measured.
 * Each room kind first wakes one unmeasured room, so that per-isolate costs (compiling a module,
 * checking a guest) are not counted as the cost of a room.
 */
export async function wake(ctx: RunContext): Promise<Record<string, number>> {
	const targets = wakeTargets();
	const roomUrl = (target: WakeTarget, index: number) =>
		`${ctx.server.ws}${target.path(`${ctx.runId}-wake-${target.id}-${index}`)}`;
	for (const target of targets) {
		for (let index = -1; index < ctx.profile.wakeRooms; index++) {
			const client = await LoadClient.open(roomUrl(target, index));
			for (const message of target.setup) await client.roundTrip(message, 60_000);
			await client.roundTrip(target.probe);
			client.close();
		}
	}
	ctx.progress("wake: rooms prepared; restarting wrangler dev on the same storage to evict them");
	await ctx.server.restart();
	const samples = new Map<string, number[]>(targets.map((target) => [target.id, []]));
	for (let index = -1; index < ctx.profile.wakeRooms; index++) {
		for (const target of rotate(targets, index + 1)) {
			const started = performance.now();
			const client = await LoadClient.open(roomUrl(target, index));
			try {
				const expected = client.received + 1;
				client.send(target.probe);
				await client.until(expected, 60_000);
			} finally {
				client.close();
			}
			if (index >= 0) samples.get(target.id)?.push(performance.now() - started);
		}
	}
	ctx.progress("wake: done");
	return Object.fromEntries(targets.map((target) => [target.id, median(samples.get(target.id) ?? [])]));
}

/** Resident memory of workerd per idle room (one connected client, one event run), per target. */
export async function idleMemory(ctx: RunContext): Promise<Record<TargetId, number>> {
	const held: LoadClient[] = [];
	const perRoom = new Map<TargetId, number>();
	try {
		// An unmeasured batch first: the process's first growth (heap, arenas) is no room's cost.
		const warmup = TARGETS.find((target) => target.id === "raw-memory") as Target;
		held.push(...(await openMany(ctx.profile.idleRooms, (index) => url(ctx, warmup, `idle-warmup-${index}`))));
		await Promise.all(held.map((client) => client.roundTrip(INCREMENT)));
		for (const target of TARGETS) {
			await sleep(ctx.profile.idleSettleMs);
			const before = ctx.server.rssBytes();
			const clients = await openMany(ctx.profile.idleRooms, (index) => url(ctx, target, `idle-${index}`));
			held.push(...clients);
			await Promise.all(clients.map((client) => client.roundTrip(INCREMENT)));
			await sleep(ctx.profile.idleSettleMs);
			const grown = ctx.server.rssBytes() - before;
			// Below 1 KiB a room's cost is lost in the allocator's noise: report the floor.
			perRoom.set(target.id, Math.max(1, grown / 1024 / ctx.profile.idleRooms));
			ctx.progress(`idle memory: ${target.label}: ${(grown / 1024 / ctx.profile.idleRooms).toFixed(0)} KiB per room`);
		}
	} finally {
		closeAll(held);
	}
	return byTarget((id) => perRoom.get(id) ?? Number.NaN);
}

function byTarget<T>(value: (id: TargetId) => T): Record<TargetId, T> {
	return Object.fromEntries(TARGETS.map((target) => [target.id, value(target.id)])) as Record<TargetId, T>;
}

export interface NeighbourResult {
	/** `GET /status` while the flood runs, in milliseconds. */
	readonly statusP50Ms: number;
	readonly statusP99Ms: number;
	readonly statusMaxMs: number;
	/** A round trip in another room (the TypeScript counter) while the flood runs. */
	readonly roomP50Ms: number;
	readonly roomP99Ms: number;
	readonly roomMaxMs: number;
	readonly samples: number;
	/** How each round's flooding client was closed (4503: its room cooled down). */
	readonly floodCloseCodes: (number | null)[];
}

/**
 * Neighbour latency under a spinning flood: one client sends `floodMessages` at once to a room
 * whose guest spins until its fuel runs out on each; meanwhile `/status` and a round trip in
 * another room are timed, each back to back, for `neighbourMs`. Each round floods a new room
 * (the last one is cooling down).
 */
export async function neighbours(ctx: RunContext): Promise<NeighbourResult> {
	const status: number[] = [];
	const room: number[] = [];
	const codes: (number | null)[] = [];
	const counter = TARGETS.find((target) => target.id === "ts") as Target;
	const neighbour = await LoadClient.open(url(ctx, counter, "neighbour"));
	// The spinner's module is compiled once per isolate: not what this measures.
	const warm = await LoadClient.open(`${ctx.server.ws}/s/spinner/ws/${ctx.runId}-spinner-warm`);
	const held = [neighbour, warm];
	try {
		await warm.roundTrip("c");
		for (let i = 0; i < 3; i++) await neighbour.roundTrip(INCREMENT);
		for (let round = 0; round < ctx.profile.rounds; round++) {
			const flooder = await LoadClient.open(`${ctx.server.ws}/s/spinner/ws/${ctx.runId}-spinner-${round}`);
			held.push(flooder);
			const deadline = performance.now() + ctx.profile.neighbourMs;
			for (let i = 0; i < ctx.profile.floodMessages; i++) flooder.send("l");
			await Promise.all([
				timeUntil(deadline, status, async () => {
					const response = await fetch(`${ctx.server.http}/status`);
					await response.arrayBuffer();
				}),
				timeUntil(deadline, room, () => neighbour.roundTrip(INCREMENT)),
			]);
			// A slow machine may take longer than the window to end the flood: wait for it.
			codes.push(await flooder.closed(60_000));
			ctx.progress(`neighbours of a spinning flood: round ${round + 1}/${ctx.profile.rounds}`);
		}
	} finally {
		closeAll(held);
	}
	return {
		statusP50Ms: percentile(status, 50),
		statusP99Ms: percentile(status, 99),
		statusMaxMs: Math.max(...status),
		roomP50Ms: percentile(room, 50),
		roomP99Ms: percentile(room, 99),
		roomMaxMs: Math.max(...room),
		samples: status.length + room.length,
		floodCloseCodes: codes,
	};
}

/** Runs `call` back to back until `deadline`, adding each one's duration to `samples`. */
async function timeUntil(deadline: number, samples: number[], call: () => Promise<unknown>): Promise<void> {
	while (performance.now() < deadline) {
		const started = performance.now();
		await call();
		samples.push(performance.now() - started);
	}
}

/** The most sockets the scaling run keeps open at once (each is a file in this process and in workerd). */
const SCALE_HELD_SOCKETS = 16_000;

export interface ScaleStep {
	readonly rooms: number;
	/** Round trips per second over all rooms, every room's client sending one message at a time. */
	readonly roundTripsPerSecond: Record<TargetId, number>;
	/** Growth of workerd's resident memory while the rooms were opened and ran an event, per room. */
	readonly kibPerRoom: Record<TargetId, number>;
}

/**
 * Rooms as N grows: for each N and each target, N rooms with one client each are opened and
 * run an event (workerd's resident memory is read before and after: memory per room), then
 * every client does round trips for `manyRoomsMs` (round trips per second over all rooms). A
 * step's clients stay connected until the step ends (so that each target's rooms add to what is
 * resident, as in the idle-memory scenario), unless that would hold more than
 * `SCALE_HELD_SOCKETS` sockets: then each target's are closed before the next.
 */
export async function scale(
	ctx: RunContext,
	sizes: readonly number[],
	/** Told after each step, so that a run stopped part way still leaves its figures. */
	stepped: (steps: readonly ScaleStep[]) => void = () => {},
): Promise<ScaleStep[]> {
	const steps: ScaleStep[] = [];
	for (const [step, rooms] of sizes.entries()) {
		const rates = new Map<TargetId, number>();
		const memory = new Map<TargetId, number>();
		const hold = rooms * TARGETS.length <= SCALE_HELD_SOCKETS;
		const held: LoadClient[] = [];
		for (const target of rotate(TARGETS, step)) {
			await sleep(ctx.profile.idleSettleMs);
			const before = ctx.server.rssBytes();
			const clients = await openMany(rooms, (index) => url(ctx, target, `scale-${rooms}-${index}`));
			held.push(...clients);
			try {
				await Promise.all(clients.map((client) => client.roundTrip(INCREMENT, 120_000)));
				memory.set(target.id, (ctx.server.rssBytes() - before) / 1024 / rooms);
				const started = performance.now();
				const deadline = started + ctx.profile.manyRoomsMs;
				const counts = await Promise.all(
					clients.map(async (client) => {
						let count = 0;
						while (performance.now() < deadline) {
							await client.roundTrip(INCREMENT, 120_000);
							count++;
						}
						return count;
					}),
				);
				rates.set(target.id, (counts.reduce((a, b) => a + b, 0) * 1000) / (performance.now() - started));
			} finally {
				if (!hold) closeAll(held.splice(0));
			}
			ctx.progress(
				`scale: ${rooms} rooms of ${target.label}: ${(rates.get(target.id) ?? 0).toFixed(0)} round trips/s, ${(memory.get(target.id) ?? 0).toFixed(0)} KiB per room`,
			);
		}
		steps.push({
			rooms,
			roundTripsPerSecond: byTarget((id) => rates.get(id) ?? Number.NaN),
			kibPerRoom: byTarget((id) => memory.get(id) ?? Number.NaN),
		});
		closeAll(held);
		stepped(steps);
	}
	return steps;
}
