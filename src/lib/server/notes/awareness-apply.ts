import { AppError } from '../errors.ts';
import type { AppSocket } from '../realtime/define.ts';
import { decodeAwareness, type AwarenessEntry } from './awareness-codec.ts';
import type { LoadedNote, NoteConnection } from './loaded-note.ts';

const MAX_AWARENESS_STATES = 8;

type Presence = Readonly<{ id: string; name: string; color: string }>;

/** Each socket's name and colour as awareness shows them, shared by all its notes. */
const presences = new WeakMap<AppSocket, Presence>();

function presenceOf(connection: NoteConnection): Presence {
	let presence = presences.get(connection.socket);
	if (!presence) {
		const { id, displayName: name, avatarColor: color } = connection.user;
		presence = Object.freeze({ id, name, color });
		presences.set(connection.socket, presence);
	}
	return presence;
}

/**
 * y-protocols' applyAwarenessUpdate, minus its JSON round trip, with the server's `user` in each
 * state: one shared object per socket (its name and colour), not a parsed copy per note.
 */
function applyAwareness(
	note: LoadedNote,
	connection: NoteConnection,
	entries: AwarenessEntry[]
): void {
	const { awareness } = note;
	const user = presenceOf(connection);
	const changes = { added: [] as number[], updated: [] as number[], removed: [] as number[] };
	for (const { clientId, clock, state } of entries) {
		const meta = awareness.meta.get(clientId);
		const current = meta?.clock ?? 0;
		const newer =
			current < clock || (current === clock && !state && awareness.states.has(clientId));
		if (!newer) continue;
		if (state) awareness.states.set(clientId, { ...state, user });
		else awareness.states.delete(clientId);
		awareness.meta.set(clientId, { clock, lastUpdated: Date.now() });
		if (!meta && state) changes.added.push(clientId);
		else if (meta && !state) changes.removed.push(clientId);
		else if (state) changes.updated.push(clientId);
	}
	if (changes.added.length || changes.updated.length || changes.removed.length) {
		awareness.emit('update', [changes, connection]);
	}
}

/**
 * Takes an awareness update from a joined connection (viewers too) into the note, from where it is
 * relayed. A connection speaks only for its own client ids, and the server writes the user's real
 * name and colour into each state, so nobody can show up under someone else's name.
 */
export function receiveAwareness(
	note: LoadedNote,
	connection: NoteConnection,
	update: Uint8Array,
	maxBytes: number
): void {
	if (update.length > maxBytes) {
		throw new AppError('payload_too_large', 'This awareness update is too large.');
	}
	let entries;
	try {
		entries = decodeAwareness(update, MAX_AWARENESS_STATES);
	} catch {
		throw new AppError('malformed_update', 'This is not an awareness update.');
	}
	const socketId = connection.socket.id;
	for (const { clientId } of entries) {
		const owner = note.clientOwners.get(clientId);
		if ((owner && owner !== socketId) || clientId === note.doc.clientID) {
			throw new AppError('forbidden', 'You can only update your own cursor.');
		}
	}
	applyAwareness(note, connection, entries);
	for (const { clientId, state } of entries) {
		if (state) {
			note.clientOwners.set(clientId, socketId);
			connection.clientIds.add(clientId);
		} else if (connection.clientIds.delete(clientId)) {
			note.clientOwners.delete(clientId);
		}
	}
}
