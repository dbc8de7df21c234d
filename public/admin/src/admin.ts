/**
 * The operator page: sign in with the admin secret (kept in sessionStorage, so it leaves with
 * the tab), pick a service, watch its rooms (refreshed every two seconds), open a room to see
 * its details and stored state, and reset or delete it after a confirmation. A published service
 * also shows its versions, with the one its rooms run, to run another or delete one.
 *
 * Room ids and failure messages come from clients and services: they are only ever set as
 * text, never as HTML.
 */
import {
	AdminApi,
	ApiError,
	type Credentials,
	type PublishedVersion,
	type RoomDetails,
	type RoomEntry,
	type ServiceDescription,
} from "./api.ts";
import { bytes, coolingDown, relative, timestamp } from "./format.ts";

const STORAGE_KEY = "stateroom-admin";
const REFRESH_MS = 2000;
const PAGE_SIZE = 50;

const $ = <T extends HTMLElement>(selector: string): T => {
	const element = document.querySelector<T>(selector);
	if (!element) throw new Error(`The page has no ${selector}.`);
	return element;
};

let api: AdminApi | undefined;
let service: string | undefined;
let room: string | undefined;
/** The cursor of the page shown (`undefined`: the first page), and the next page's. */
let after: string | undefined;
let nextCursor: string | null = null;
let refreshing = false;
/** The services as last listed, by name. */
const services = new Map<string, ServiceDescription>();

function loadCredentials(): Credentials | undefined {
	try {
		const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null") as Credentials | null;
		return saved?.secret ? saved : undefined;
	} catch {
		return undefined;
	}
}

function say(message: string, kind: "info" | "error" = "info"): void {
	const status = $("#status");
	status.textContent = message;
	status.dataset.kind = kind;
}

function showLogin(message?: string): void {
	api = undefined;
	sessionStorage.removeItem(STORAGE_KEY);
	$("#console").hidden = true;
	$("#login").hidden = false;
	if (message) say(message, "error");
	$<HTMLInputElement>("#login-secret").focus();
}

/** Runs an API call; a 401 signs the operator out, other errors are shown. */
async function attempt<T>(run: (api: AdminApi) => Promise<T>): Promise<T | undefined> {
	if (!api) return undefined;
	try {
		return await run(api);
	} catch (error) {
		if (error instanceof ApiError && error.status === 401) showLogin(error.message);
		else say(error instanceof Error ? error.message : String(error), "error");
		return undefined;
	}
}

async function start(credentials: Credentials): Promise<void> {
	api = new AdminApi(credentials);
	const listing = await attempt((client) => client.services());
	if (!listing) return;
	sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
	$("#login").hidden = true;
	$("#console").hidden = false;
	$("#operator").textContent = `signed in as ${credentials.operator}`;
	say("");
	renderServices(listing.services);
	const wanted = new URLSearchParams(location.search);
	const first = listing.services.find((entry) => entry.name === wanted.get("service"))?.name ?? listing.default;
	await selectService(first);
	const wantedRoom = wanted.get("room");
	if (wantedRoom) await selectRoom(wantedRoom);
}

function renderServices(list: readonly ServiceDescription[]): void {
	services.clear();
	for (const entry of list) services.set(entry.name, entry);
	const body = $("#services tbody");
	body.replaceChildren(
		...list.map((entry) => {
			const row = document.createElement("tr");
			row.dataset.service = entry.name;
			row.append(
				cell(entry.default ? `${entry.name} (default)` : entry.name),
				cell(entry.language),
				cell(entry.version === undefined ? "bundled" : `published ${entry.version.slice(0, 12)}`),
			);
			row.addEventListener("click", () => void selectService(entry.name));
			return row;
		}),
	);
}

async function selectService(name: string): Promise<void> {
	service = name;
	room = undefined;
	after = undefined;
	$("#room-panel").hidden = true;
	$("#rooms-panel").hidden = false;
	$("#rooms-title").textContent = `Rooms of ${name}`;
	$("#service-settings").textContent = JSON.stringify(services.get(name)?.settings ?? {});
	$("#totals").textContent = "";
	for (const row of document.querySelectorAll<HTMLElement>("#services tbody tr")) {
		row.setAttribute("aria-selected", String(row.dataset.service === name));
	}
	remember();
	const published = services.get(name)?.version !== undefined;
	$("#versions-panel").hidden = !published;
	await Promise.all([refresh(), published ? refreshVersions() : undefined]);
}

async function refreshVersions(): Promise<void> {
	const name = service;
	if (!name) return;
	const found = await attempt((client) => client.published(name));
	if (!found || name !== service) return;
	$("#versions tbody").replaceChildren(
		...found.versions.map((entry) => versionRow(entry, entry.version === found.active)),
	);
}

function versionRow(entry: PublishedVersion, active: boolean): HTMLTableRowElement {
	const row = document.createElement("tr");
	row.dataset.version = entry.version;
	const actions = document.createElement("td");
	if (active) actions.textContent = "running";
	else {
		const run = document.createElement("button");
		run.type = "button";
		run.textContent = "Run this version";
		run.addEventListener("click", () => void activateVersion(entry));
		const remove = document.createElement("button");
		remove.type = "button";
		remove.className = "danger";
		remove.textContent = "Delete…";
		remove.addEventListener("click", () => void deleteVersion(entry));
		actions.append(run, remove);
	}
	row.append(
		cell(entry.version.slice(0, 12)),
		cell(entry.language),
		cell(bytes(entry.bytes)),
		cell(timestamp(Date.parse(entry.publishedAt))),
		cell(entry.publishedBy),
		actions,
	);
	row.setAttribute("aria-selected", String(active));
	return row;
}

async function activateVersion(entry: PublishedVersion): Promise<void> {
	const sure = await confirmAction(
		`Run version ${entry.version.slice(0, 12)} of ${entry.service}? Its rooms move to it when they next start or a client next connects.`,
		"Run version",
	);
	if (!sure || (await attempt((client) => client.activate(entry.service, entry.version))) === undefined) return;
	say(`${entry.service} now runs version ${entry.version.slice(0, 12)}.`);
	const listing = await attempt((client) => client.services());
	if (listing) renderServices(listing.services);
	await refreshVersions();
}

async function deleteVersion(entry: PublishedVersion): Promise<void> {
	const sure = await confirmAction(
		`Delete version ${entry.version.slice(0, 12)} of ${entry.service}? Its code is gone for good.`,
		"Delete version",
	);
	if (!sure || (await attempt((client) => client.deleteVersion(entry.service, entry.version))) === undefined) return;
	say(`Version ${entry.version.slice(0, 12)} of ${entry.service} was deleted.`);
	await refreshVersions();
}

async function selectRoom(id: string): Promise<void> {
	room = id;
	remember();
	$("#room-panel").hidden = false;
	$("#room-title").textContent = `Room ${id}`;
	markSelectedRoom();
	await Promise.all([refreshRoom(), refreshState()]);
}

/** Keeps the selection in the URL, so a reload or a shared link opens the same view. */
function remember(): void {
	const query = new URLSearchParams();
	if (service) query.set("service", service);
	if (room) query.set("room", room);
	history.replaceState(null, "", `${location.pathname}?${query}`);
}

async function refresh(): Promise<void> {
	if (refreshing || !service) return;
	refreshing = true;
	try {
		await Promise.all([refreshRooms(), refreshTotals(), room ? refreshRoom() : undefined]);
	} finally {
		refreshing = false;
	}
}

async function refreshTotals(): Promise<void> {
	const name = service;
	if (!name) return;
	const found = await attempt((client) => client.service(name));
	if (!found?.totals || name !== service) return;
	const { rooms, clients, failingRooms } = found.totals;
	$("#totals").textContent = `${plural(rooms, "room")}, ${plural(clients, "client")}, ${failingRooms} failing`;
}

async function refreshRooms(): Promise<void> {
	const name = service;
	if (!name) return;
	const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
	const filter = $<HTMLInputElement>("#filter-text").value.trim();
	if (filter) query.set("filter", filter);
	if ($<HTMLInputElement>("#filter-connected").checked) query.set("connected", "1");
	if ($<HTMLInputElement>("#filter-failing").checked) query.set("failing", "1");
	if (after !== undefined) query.set("after", after);
	const page = await attempt((client) => client.rooms(name, query));
	if (!page || name !== service) return;
	nextCursor = page.cursor;
	renderRooms(page.rooms);
	$("#next-page").hidden = nextCursor === null;
	$("#first-page").hidden = after === undefined;
	$("#rooms-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function renderRooms(rooms: readonly RoomEntry[]): void {
	const body = $("#rooms tbody");
	if (rooms.length === 0) {
		const row = document.createElement("tr");
		const empty = cell("No rooms match.");
		empty.colSpan = 6;
		row.append(empty);
		body.replaceChildren(row);
		return;
	}
	body.replaceChildren(
		...rooms.map((entry) => {
			const row = document.createElement("tr");
			row.dataset.room = entry.roomId;
			const failures = cell(
				entry.failures > 0 ? `${entry.failures} (last: ${entry.lastFailure?.message ?? "?"})` : "0",
			);
			if (entry.failures > 0) failures.className = "failing";
			const cooling = coolingDown(entry.coolingDownUntil);
			if (cooling !== undefined) failures.append(marker(cooling));
			row.append(
				cell(entry.roomId),
				cell(String(entry.clients)),
				failures,
				cell(bytes(entry.storedBytes)),
				cell(relative(entry.timerAt)),
				cell(relative(entry.lastActiveAt)),
			);
			row.addEventListener("click", () => void selectRoom(entry.roomId));
			return row;
		}),
	);
	markSelectedRoom();
}

function markSelectedRoom(): void {
	for (const row of document.querySelectorAll<HTMLElement>("#rooms tbody tr")) {
		row.setAttribute("aria-selected", String(row.dataset.room !== undefined && row.dataset.room === room));
	}
}

async function refreshRoom(): Promise<void> {
	const [name, id] = [service, room];
	if (!name || !id) return;
	const found = await attempt((client) => client.room(name, id));
	if (!found || name !== service || id !== room) return;
	renderDetails(found.room);
}

async function refreshState(): Promise<void> {
	const [name, id] = [service, room];
	if (!name || !id) return;
	const state = await attempt((client) => client.state(name, id));
	if (state === undefined || name !== service || id !== room) return;
	$("#room-state").textContent = JSON.stringify(state, null, 2);
}

function renderDetails(details: RoomDetails): void {
	const failure = details.lastFailure;
	const rows: [string, string][] = [
		["Service", details.service],
		["Language", details.language ?? "(service no longer registered)"],
		["Module build", details.module ?? "-"],
		["Clients", String(details.clients)],
		["Next client id", String(details.nextClient)],
		["Stored", bytes(details.storedBytes)],
		["Timer", details.timerAt === null ? "-" : `${timestamp(details.timerAt)} (${relative(details.timerAt)})`],
		["Created", timestamp(details.createdAt)],
		["Last active", `${timestamp(details.lastActiveAt)} (${relative(details.lastActiveAt)})`],
		["Failed events", String(details.failures)],
		["Last failure", failure ? `${timestamp(failure.at)}, ${failure.event} event: ${failure.message}` : "-"],
		["Cooling down", coolingDown(details.coolingDownUntil) === undefined ? "-" : coolingUntil(details)],
	];
	$("#room-details").replaceChildren(
		...rows.flatMap(([term, value]) => {
			const dt = document.createElement("dt");
			dt.textContent = term;
			const dd = document.createElement("dd");
			dd.textContent = value;
			dd.dataset.field = term.toLowerCase().replaceAll(" ", "-");
			return [dt, dd];
		}),
	);
}

/** Asks in a dialog; resolves `true` only on "Confirm". */
function confirmAction(text: string, action: string): Promise<boolean> {
	const dialog = $<HTMLDialogElement>("#confirm");
	$("#confirm-text").textContent = text;
	$("#confirm-yes").textContent = action;
	dialog.returnValue = "";
	dialog.showModal();
	return new Promise((resolve) => {
		dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
	});
}

async function resetRoom(): Promise<void> {
	const [name, id] = [service, room];
	if (!name || !id) return;
	const sure = await confirmAction(
		`Reset room "${id}" of ${name}? Its clients are disconnected (close code 4010) and its state is deleted; the room starts afresh.`,
		"Reset room",
	);
	if (!sure) return;
	if ((await attempt((client) => client.reset(name, id))) === undefined) return;
	say(`Room "${id}" of ${name} was reset.`);
	await Promise.all([refresh(), refreshState()]);
}

async function deleteRoom(): Promise<void> {
	const [name, id] = [service, room];
	if (!name || !id) return;
	const sure = await confirmAction(
		`Delete room "${id}" of ${name}? Its clients are disconnected (close code 4011), and the room and its state are gone.`,
		"Delete room",
	);
	if (!sure) return;
	if ((await attempt((client) => client.remove(name, id))) === undefined) return;
	say(`Room "${id}" of ${name} was deleted.`);
	room = undefined;
	remember();
	$("#room-panel").hidden = true;
	await refresh();
}

function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** When a room's cool-down ends, for its details: `until <date and time> (in 42 s)`. */
function coolingUntil(details: RoomDetails): string {
	return `until ${timestamp(details.coolingDownUntil)} (${relative(details.coolingDownUntil)})`;
}

/** A room's cool-down, shown apart from its failure count. */
function marker(text: string): HTMLElement {
	const span = document.createElement("span");
	span.className = "cooling";
	span.textContent = text;
	return span;
}

function cell(text: string): HTMLTableCellElement {
	const td = document.createElement("td");
	td.textContent = text;
	return td;
}

$("#login").addEventListener("submit", (event) => {
	event.preventDefault();
	const secret = $<HTMLInputElement>("#login-secret").value;
	const operator = $<HTMLInputElement>("#login-operator").value.trim();
	void start({ secret, operator });
});
$("#sign-out").addEventListener("click", () => {
	showLogin();
	say("Signed out.");
});
$("#room-filter").addEventListener("input", () => {
	after = undefined;
	void refresh();
});
$("#room-filter").addEventListener("submit", (event) => event.preventDefault());
$("#next-page").addEventListener("click", () => {
	if (nextCursor === null) return;
	after = nextCursor;
	void refresh();
});
$("#first-page").addEventListener("click", () => {
	after = undefined;
	void refresh();
});
$("#reset-room").addEventListener("click", () => void resetRoom());
$("#delete-room").addEventListener("click", () => void deleteRoom());
setInterval(() => {
	if (api && document.visibilityState === "visible") void refresh();
}, REFRESH_MS);

const saved = loadCredentials();
if (saved) void start(saved);
else showLogin();
