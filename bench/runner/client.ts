/**
 * A lean WebSocket client (`ws`) for load: it counts what it receives and lets the caller wait
 * for the count to reach a number, so a round trip costs no more than the socket itself.
 */
import WebSocket from "ws";

interface Waiter {
	readonly count: number;
	readonly resolve: () => void;
	readonly reject: (error: Error) => void;
	readonly timer: NodeJS.Timeout;
}

export class LoadClient {
	received = 0;
	readonly #socket: WebSocket;
	readonly #url: string;
	#waiters: Waiter[] = [];
	#closed: Error | undefined;
	/** The close code, once the socket has closed. */
	closeCode: number | undefined;
	readonly #onClose: (() => void)[] = [];

	private constructor(socket: WebSocket, url: string) {
		this.#socket = socket;
		this.#url = url;
		socket.on("message", () => {
			this.received += 1;
			if (this.#waiters.length > 0) this.settle();
		});
		socket.on("close", (code, reason) => {
			this.closeCode = code;
			for (const resolve of this.#onClose.splice(0)) resolve();
			this.#closed = new Error(`${url} closed (${code} ${reason.toString()}) while replies were awaited`);
			for (const waiter of this.#waiters.splice(0)) {
				clearTimeout(waiter.timer);
				waiter.reject(this.#closed);
			}
		});
	}

	/** The generous default allows for a machine shared with other work, where a handshake can queue. */
	static open(url: string, ms = 60_000): Promise<LoadClient> {
		const socket = new WebSocket(url, { perMessageDeflate: false });
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				socket.terminate();
				reject(new Error(`could not connect to ${url} within ${ms} ms`));
			}, ms);
			socket.once("open", () => {
				clearTimeout(timer);
				resolve(new LoadClient(socket, url));
			});
			socket.once("error", (error) => {
				clearTimeout(timer);
				reject(new Error(`could not connect to ${url}: ${error.message}`));
			});
		});
	}

	/** The close code once the socket closes, or `null` if it is still open after `ms`. */
	async closed(ms: number): Promise<number | null> {
		if (this.closeCode === undefined) {
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, ms);
				this.#onClose.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
		return this.closeCode ?? null;
	}

	send(data: string | Buffer): void {
		this.#socket.send(data);
	}

	/** Resolves once `count` messages have arrived in all (not `count` more). */
	until(count: number, ms = 30_000): Promise<void> {
		if (this.received >= count) return Promise.resolve();
		if (this.#closed) return Promise.reject(this.#closed);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.#waiters = this.#waiters.filter((waiter) => waiter.timer !== timer);
				reject(new Error(`${this.#url}: ${this.received} of ${count} replies after ${ms} ms`));
			}, ms);
			this.#waiters.push({ count, resolve, reject, timer });
		});
	}

	/** Sends one message and waits for the reply; returns the round trip in milliseconds. */
	async roundTrip(data: string | Buffer, ms?: number): Promise<number> {
		const started = performance.now();
		const expected = this.received + 1;
		this.send(data);
		await this.until(expected, ms);
		return performance.now() - started;
	}

	close(): void {
		this.#socket.terminate();
	}

	private settle(): void {
		const ready = this.#waiters.filter((waiter) => this.received >= waiter.count);
		if (ready.length === 0) return;
		this.#waiters = this.#waiters.filter((waiter) => this.received < waiter.count);
		for (const waiter of ready) {
			clearTimeout(waiter.timer);
			waiter.resolve();
		}
	}
}

/** Handshakes that failed and were tried again (see `openMany`); the run records it. */
export const connectRetries = { count: 0 };

/**
 * Opens one client, trying twice more after a failed handshake: on a machine shared with other
 * work, opening thousands of sockets at once can meet a reset, and the handshake is not what the
 * many-rooms figure measures. Retries are counted, so a run that needed them says so.
 */
async function openWithRetry(url: string): Promise<LoadClient> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await LoadClient.open(url);
		} catch (error) {
			if (attempt >= 3) throw error;
			connectRetries.count += 1;
			await new Promise((done) => setTimeout(done, 500 * attempt));
		}
	}
}

/** Opens `count` clients to the URLs `url(i)`, at most `parallel` handshakes at a time. */
export async function openMany(count: number, url: (index: number) => string, parallel = 32): Promise<LoadClient[]> {
	const clients: LoadClient[] = new Array(count);
	let nextIndex = 0;
	const worker = async () => {
		while (nextIndex < count) {
			const index = nextIndex++;
			clients[index] = await openWithRetry(url(index));
		}
	};
	try {
		await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
	} catch (error) {
		for (const client of clients) client?.close();
		throw error;
	}
	return clients;
}

export function closeAll(clients: readonly LoadClient[]): void {
	for (const client of clients) client.close();
}
