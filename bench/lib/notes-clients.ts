/**
 * A notes load-generator process: opens editors on notes of one server and, on request, types into
 * them and measures how long each keystroke takes to reach the other editors. Parley editors are
 * the browser's own NoteProvider over socket.io-client (API token auth); Hocuspocus editors are
 * @hocuspocus/provider over WebSockets. Both edit the same way: TipTap's `default` XmlFragment, one
 * paragraph per editor, one character-sized insert per keystroke.
 *
 * Usage (spawned by bench/notes.ts): node bench/lib/notes-clients.ts <parley|hocuspocus> <url>
 * with BENCH_TOKEN for Parley; answers `NotesClientsApi` over the bench's IPC protocol.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { io, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { NoteProvider } from '#lib/client/notes/note-provider.ts';
import type { TestSocket } from '../../tests/helpers/client.ts';
import { noteTransport } from '../../tests/helpers/notes.ts';
import { sleep } from './harness.ts';
import { serve } from './ipc.ts';
import { now } from './latency.ts';

export type ServerKind = 'parley' | 'hocuspocus';

const [kind, url] = process.argv.slice(2) as [ServerKind, string];
if ((kind !== 'parley' && kind !== 'hocuspocus') || !url) {
	throw new Error('usage: node bench/lib/notes-clients.ts <parley|hocuspocus> <url>');
}
const token = process.env.BENCH_TOKEN ?? '';
const LOCAL = 'bench';
const STAMP = /t(\d+\.\d+);/g;

interface Editor {
	doc: Y.Doc;
	/** Resolves once the server has acknowledged (Parley) or synced (Hocuspocus) every local change. */
	saved(): Promise<void>;
	destroy(): void;
}

const connections: { close(): void }[] = [];
let editors: Editor[] = [];

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(5);
	}
}

// ---- Parley ---------------------------------------------------------------------------------------

function parleySocket(): Socket {
	const socket = io(url, {
		transports: ['websocket'],
		forceNew: true,
		reconnection: false,
		auth: { token }
	});
	connections.push({ close: () => socket.disconnect() });
	return socket;
}

async function openParley(noteId: string, socket: Socket): Promise<Editor> {
	const provider = new NoteProvider(noteId, noteTransport(socket as unknown as TestSocket), {
		awarenessEveryMs: 100
	});
	provider.start();
	await until(() => provider.joined || provider.error !== null || provider.closed !== null, 'join');
	if (!provider.joined) throw new Error(`join failed: ${provider.error?.code ?? provider.closed}`);
	return {
		doc: provider.doc,
		saved: () => until(() => !provider.unsaved, 'acks'),
		destroy: () => provider.destroy()
	};
}

// ---- Hocuspocus -----------------------------------------------------------------------------------

function hocuspocusSocket(): HocuspocusProviderWebsocket {
	const socket = new HocuspocusProviderWebsocket({ url });
	connections.push({ close: () => socket.destroy() });
	return socket;
}

async function openHocuspocus(name: string, socket: HocuspocusProviderWebsocket): Promise<Editor> {
	const doc = new Y.Doc();
	const provider = new HocuspocusProvider({ websocketProvider: socket, name, document: doc });
	provider.attach();
	await until(() => provider.isSynced, 'sync');
	return {
		doc,
		saved: () => until(() => provider.unsyncedChanges === 0, 'sync'),
		destroy: () => provider.destroy()
	};
}

// ---- editing --------------------------------------------------------------------------------------

/** The paragraph this editor types into: its own, created on first use. */
function ownText(doc: Y.Doc): Y.XmlText {
	const existing = (doc as Y.Doc & { benchText?: Y.XmlText }).benchText;
	if (existing) return existing;
	const paragraph = new Y.XmlElement('paragraph');
	const text = new Y.XmlText();
	paragraph.insert(0, [text]);
	doc.transact(() => doc.getXmlFragment('default').push([paragraph]), LOCAL);
	(doc as Y.Doc & { benchText?: Y.XmlText }).benchText = text;
	return text;
}

function write(doc: Y.Doc, bytes: number): void {
	const text = ownText(doc);
	const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. ';
	doc.transact(
		() => text.insert(text.length, line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes)),
		LOCAL
	);
}

interface OpenRequest {
	/** Note ids (Parley) or document names (Hocuspocus). */
	docs: string[];
	/** Editors per document. */
	perDoc: number;
	/** One connection for all editors (many notes per connection) or one each. */
	shareConnection: boolean;
	/** Bytes of text each editor writes once it is in (0: none). */
	writeBytes: number;
}

interface FanoutRequest {
	/** Each editor types one character this often. */
	intervalMs: number;
	/** Epoch ms: keep latency samples of edits made in [measureFrom, measureUntil). */
	measureFrom: number;
	measureUntil: number;
}

/** Opens the editors; resolves with the time until the server had every one's text. */
async function open(request: OpenRequest): Promise<number> {
	const started = now();
	const shared = request.shareConnection
		? kind === 'parley'
			? parleySocket()
			: hocuspocusSocket()
		: null;
	for (const doc of request.docs) {
		for (let i = 0; i < request.perDoc; i++) {
			const editor =
				kind === 'parley'
					? await openParley(doc, (shared as Socket | null) ?? parleySocket())
					: await openHocuspocus(
							doc,
							(shared as HocuspocusProviderWebsocket | null) ?? hocuspocusSocket()
						);
			ownText(editor.doc);
			if (request.writeBytes) write(editor.doc, request.writeBytes);
			editors.push(editor);
		}
	}
	await Promise.all(editors.map((e) => e.saved()));
	return now() - started;
}

/**
 * Every editor types a timestamp-tagged character every `intervalMs` (staggered), and records, for
 * each tag that arrives from someone else, how long it took.
 */
async function fanout(request: FanoutRequest) {
	const latencies: number[] = [];
	let sent = 0;
	const listeners = editors.map((editor) => {
		const listener = (update: Uint8Array, origin: unknown) => {
			if (origin === LOCAL) return;
			const received = now();
			for (const struct of Y.decodeUpdate(update).structs) {
				if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) continue;
				for (const match of struct.content.str.matchAll(STAMP)) {
					const stamp = Number(match[1]);
					if (stamp >= request.measureFrom && stamp < request.measureUntil) {
						latencies.push(received - stamp);
					}
				}
			}
		};
		editor.doc.on('update', listener);
		return () => editor.doc.off('update', listener);
	});
	await Promise.all(
		editors.map(async (editor, index) => {
			await sleep((request.intervalMs * index) / editors.length);
			const text = ownText(editor.doc);
			while (now() < request.measureUntil) {
				const stamp = now();
				editor.doc.transact(() => text.insert(text.length, `t${stamp.toFixed(3)};`), LOCAL);
				if (stamp >= request.measureFrom) sent += 1;
				await sleep(request.intervalMs);
			}
		})
	);
	// Let the last keystrokes arrive.
	await sleep(1500);
	for (const off of listeners) off();
	return { latencies, sent };
}

async function join(doc: string): Promise<{ ms: number; chars: number }> {
	const started = now();
	const editor =
		kind === 'parley'
			? await openParley(doc, parleySocket())
			: await openHocuspocus(doc, hocuspocusSocket());
	const ms = now() - started;
	const chars = editor.doc.getXmlFragment('default').toString().length;
	editor.destroy();
	return { ms, chars };
}

function closeAll(): void {
	for (const editor of editors) editor.destroy();
	editors = [];
	for (const connection of connections.splice(0)) connection.close();
}

const api = { open, fanout, join };
export type NotesClientsApi = typeof api;

serve(api, null, async () => {
	closeAll();
	// Let the close frames go out before the process ends.
	await sleep(300);
});
