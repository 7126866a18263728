import * as Y from 'yjs';
import { NoteProvider, type NoteTransport } from '#lib/client/notes/note-provider.ts';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import type { Ack } from '#lib/shared/errors.ts';
import {
	decodeSyncMessage,
	encodeStep1,
	encodeUpdate,
	SYNC_STEP1,
	toBytes
} from '#lib/shared/note-sync.ts';
import type { NoteJoined } from '#lib/shared/notes.ts';
import { call, ok, type TestUser } from './channels.ts';
import { connected, type HttpClient, type TestSocket } from './client.ts';
import { socketTransport } from './transport.ts';

/** Limits high enough that bulk note traffic never trips the rate limiters. */
export const NOTE_TEST_LIMITS: Record<string, string> = {
	SOCKET_EVENTS_PER_SECOND: '10000',
	SOCKET_EVENT_BURST: '100000',
	NOTE_SYNC_EVENTS_PER_SECOND: '100000',
	NOTE_SYNC_EVENT_BURST: '1000000',
	// The bad-input tests send hundreds of malformed updates over one connection on purpose.
	NOTE_MAX_MALFORMED_UPDATES: '1000000'
};

/** The browser's NoteProvider transport over a test socket. */
export function noteTransport(socket: TestSocket): NoteTransport {
	return {
		...socketTransport(socket),
		get connected() {
			return socket.connected;
		},
		onDisconnected(handler) {
			socket.on('disconnect', handler);
			return () => void socket.off('disconnect', handler);
		}
	};
}

/** Polls until `check` holds; fails with `what` after the timeout. */
export async function until(
	check: () => boolean | Promise<boolean>,
	what: string,
	timeoutMs = 10_000
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** Opens a note with the browser's provider on a socket and waits until it has joined. */
export async function openProvider(socket: TestSocket, noteId: string): Promise<NoteProvider> {
	const provider = new NoteProvider(noteId, noteTransport(socket), { awarenessEveryMs: 0 });
	provider.start();
	await until(() => provider.joined || provider.closed !== null || provider.error !== null, 'join');
	if (!provider.joined) {
		throw new Error(`join failed: ${provider.closed ?? provider.error?.code}`);
	}
	return provider;
}

/** Resolves once a provider has nothing unacknowledged and is joined. */
export function saved(provider: NoteProvider, timeoutMs = 30_000): Promise<void> {
	return until(() => provider.joined && !provider.unsaved, 'saved', timeoutMs);
}

/** The note's content in a comparable form. */
export function content(doc: Y.Doc): string {
	return doc.getXmlFragment(NOTE_FIELD).toString();
}

/**
 * A bare y-protocols client over a socket (no provider logic): joins with an empty or given doc
 * and sends exactly the bytes a test wants.
 */
export class RawNoteClient {
	readonly doc = new Y.Doc();
	readonly socket: TestSocket;
	readonly noteId: string;
	/** Updates received from others, as sync messages. */
	readonly received: Uint8Array[] = [];
	#listener = ({ noteId, message }: { noteId: string; message: Uint8Array | ArrayBuffer }) => {
		if (noteId !== this.noteId) return;
		const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
		this.received.push(bytes);
		const decoded = decodeSyncMessage(bytes);
		if (decoded.type !== SYNC_STEP1) Y.applyUpdate(this.doc, decoded.update, 'remote');
	};

	constructor(socket: TestSocket, noteId: string) {
		this.socket = socket;
		this.noteId = noteId;
		socket.on('note:sync', this.#listener);
	}

	/** Joins and applies the server's step 2; returns the raw ack. */
	async join(): Promise<Ack<NoteJoined>> {
		const result = await call(this.socket, 'note:join', {
			noteId: this.noteId,
			message: encodeStep1(this.doc)
		});
		if (result.ok) {
			const step2 = decodeSyncMessage(result.data.sync);
			if (step2.type !== SYNC_STEP1) Y.applyUpdate(this.doc, step2.update, 'remote');
		}
		return result;
	}

	/** Makes a local change and sends exactly its update; resolves with the ack. */
	edit(change: (doc: Y.Doc) => void) {
		const updates: Uint8Array[] = [];
		const collect = (update: Uint8Array, origin: unknown) => {
			if (origin !== 'remote') updates.push(update);
		};
		this.doc.on('update', collect);
		this.doc.transact(() => change(this.doc));
		this.doc.off('update', collect);
		return this.send(Y.mergeUpdates(updates));
	}

	/** Sends a Yjs update (wrapped as a sync update message). */
	send(update: Uint8Array) {
		return this.sendRaw(encodeUpdate(update));
	}

	/** Sends any bytes as a `note:sync` message. */
	sendRaw(message: Uint8Array) {
		return call(this.socket, 'note:sync', { noteId: this.noteId, message });
	}

	close(): void {
		this.socket.off('note:sync', this.#listener);
	}
}

/** Appends text to the note's first paragraph (creating the text node if needed). */
export function appendText(doc: Y.Doc, text: string): void {
	const fragment = doc.getXmlFragment(NOTE_FIELD);
	let paragraph = fragment.get(0) as Y.XmlElement | undefined;
	if (!(paragraph instanceof Y.XmlElement)) {
		paragraph = new Y.XmlElement('paragraph');
		fragment.insert(0, [paragraph]);
	}
	let node = paragraph.get(0) as Y.XmlText | undefined;
	if (!(node instanceof Y.XmlText)) {
		node = new Y.XmlText();
		paragraph.insert(0, [node]);
	}
	node.insert(node.length, text);
}

/**
 * The server's note as a fresh socket of a signed-in client with an empty document sees it: its
 * content, and the server's state vector (hex) from the join's step 1.
 */
export async function serverState(
	http: HttpClient,
	noteId: string
): Promise<{ content: string; state: string }> {
	const socket = http.socket();
	await connected(socket);
	try {
		const client = new RawNoteClient(socket, noteId);
		const joined = await client.join();
		if (!joined.ok) throw new Error(`join failed: ${joined.error.code}`);
		return {
			content: content(client.doc),
			state: Buffer.from(toBytes(joined.data.state)).toString('hex')
		};
	} finally {
		socket.disconnect();
	}
}

/** The server's content of a note (see serverState). */
export async function serverContent(http: HttpClient, noteId: string): Promise<string> {
	return (await serverState(http, noteId)).content;
}

/** Creates a note as `owner` and shares it with `others` (editors unless told). */
export async function sharedNote(
	owner: TestUser,
	others: { user: TestUser; role?: 'editor' | 'viewer' }[] = [],
	title = 'Shared note'
): Promise<string> {
	const note = await ok(owner.socket, 'note:create', { title });
	for (const { user, role } of others) {
		await ok(owner.socket, 'note:share', {
			noteId: note.id,
			userId: user.id,
			role: role ?? 'editor'
		});
	}
	return note.id;
}
