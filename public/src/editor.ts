/**
 * The shared text panel, on the Yjs service (`/s/yjs/ws/<room>`): a plain textarea bound to a
 * `Y.Text`, connected with y-websocket's own `WebsocketProvider`, and the people here (awareness:
 * a name, a colour and where each one's cursor is). Any Yjs editor binding (y-codemirror.next,
 * y-prosemirror, ...) connects the same way: the provider and the URL are all that is Stateroom's.
 */
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

export interface EditorElements {
	readonly state: HTMLElement;
	readonly reconnect: HTMLButtonElement;
	readonly url: HTMLElement;
	readonly text: HTMLTextAreaElement;
	readonly people: HTMLUListElement;
}

/** What each page says of itself in the room's awareness. */
interface Presence {
	readonly user?: { readonly name: string; readonly color: string };
	/** The cursor, as a Yjs relative position (it stays put while others type before it). */
	readonly cursor?: unknown;
}

const COLORS = ["#c2410c", "#15803d", "#1d4ed8", "#7e22ce", "#be123c", "#0f766e"];
/** Marks this page's own edits, so that the textarea is not rewritten with them. */
const LOCAL = Symbol("textarea");

export function startEditor(host: string, room: string, elements: EditorElements): WebsocketProvider {
	const doc = new Y.Doc();
	const text = doc.getText("text");
	const scheme = location.protocol === "https:" ? "wss" : "ws";
	const provider = new WebsocketProvider(`${scheme}://${host}/s/yjs/ws`, room, doc, { disableBc: true });
	elements.url.textContent = `/s/yjs/ws/${encodeURIComponent(room)}`;

	const render = (state: string) => {
		elements.state.textContent = state;
		elements.state.dataset.state = state;
		elements.reconnect.dataset.state = state;
	};
	render("connecting");
	provider.on("status", ({ status }) => render(status === "connected" ? "open" : "connecting"));
	elements.reconnect.addEventListener("click", () => {
		provider.disconnect();
		provider.connect();
	});

	bindTextarea(text, elements.text);

	const name = `guest-${doc.clientID % 10_000}`;
	provider.awareness.setLocalStateField("user", { name, color: COLORS[doc.clientID % COLORS.length] });
	const shareCursor = () => {
		const cursor = Y.createRelativePositionFromTypeIndex(text, elements.text.selectionStart);
		provider.awareness.setLocalStateField("cursor", Y.relativePositionToJSON(cursor));
	};
	for (const event of ["keyup", "mouseup", "focus"]) elements.text.addEventListener(event, shareCursor);
	const showPeople = () => showPresence(provider, doc, text, elements.people);
	provider.awareness.on("change", showPeople);
	text.observe(showPeople);
	showPeople();
	return provider;
}

/**
 * Keeps a textarea and a `Y.Text` equal: a local edit becomes the smallest replace (common prefix
 * and suffix kept), a remote one rewrites the textarea with the selection moved along with it.
 */
function bindTextarea(text: Y.Text, area: HTMLTextAreaElement): void {
	area.value = text.toString();
	area.addEventListener("input", () => {
		const before = text.toString();
		const after = area.value;
		let start = 0;
		while (start < before.length && start < after.length && before[start] === after[start]) start++;
		let endBefore = before.length;
		let endAfter = after.length;
		while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
			endBefore--;
			endAfter--;
		}
		text.doc?.transact(() => {
			if (endBefore > start) text.delete(start, endBefore - start);
			if (endAfter > start) text.insert(start, after.slice(start, endAfter));
		}, LOCAL);
	});
	text.observe((event, transaction) => {
		if (transaction.origin === LOCAL) return;
		let selectionStart = area.selectionStart;
		let selectionEnd = area.selectionEnd;
		let index = 0;
		for (const change of event.delta) {
			if (change.retain !== undefined) index += change.retain;
			else if (typeof change.insert === "string") {
				const length = change.insert.length;
				if (index < selectionStart) selectionStart += length;
				if (index < selectionEnd) selectionEnd += length;
				index += length;
			} else if (change.delete !== undefined) {
				selectionStart -= Math.max(0, Math.min(change.delete, selectionStart - index));
				selectionEnd -= Math.max(0, Math.min(change.delete, selectionEnd - index));
			}
		}
		area.value = text.toString();
		if (document.activeElement === area) area.setSelectionRange(selectionStart, selectionEnd);
	});
}

function showPresence(provider: WebsocketProvider, doc: Y.Doc, text: Y.Text, list: HTMLUListElement): void {
	const items: HTMLLIElement[] = [];
	for (const [clientId, state] of provider.awareness.getStates()) {
		const presence = state as Presence;
		if (presence.user === undefined) continue;
		const item = document.createElement("li");
		const swatch = document.createElement("span");
		swatch.className = "swatch";
		swatch.style.background = presence.user.color;
		item.append(swatch, `${presence.user.name}${clientId === doc.clientID ? " (you)" : ""}`);
		const at = cursorIndex(presence.cursor, doc, text);
		if (at !== undefined) item.append(` at ${at}`);
		items.push(item);
	}
	list.replaceChildren(...items);
}

function cursorIndex(cursor: unknown, doc: Y.Doc, text: Y.Text): number | undefined {
	if (cursor === undefined || cursor === null) return undefined;
	try {
		const position = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor), doc);
		return position?.type === text ? position.index : undefined;
	} catch {
		return undefined;
	}
}
