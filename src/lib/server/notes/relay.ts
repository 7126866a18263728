import { encodeAwarenessUpdate } from 'y-protocols/awareness';
import { rooms } from '#lib/shared/events.ts';
import { encodeUpdate } from '#lib/shared/note-sync.ts';
import type { LoadedNote, NoteConnection } from './loaded-note.ts';

/** How a change entered the document: by whom, and the effective update Yjs derived from it. */
export interface ChangeOrigin {
	connection: NoteConnection;
	update: Uint8Array | null;
}

/** Relays every change of a loaded note to its room, except back to the socket it came from. */
export function relayChanges(note: LoadedNote): void {
	const room = rooms.note(note.id);
	note.doc.on('update', (update: Uint8Array, origin: unknown) => {
		const from = origin as Partial<ChangeOrigin> | null;
		if (from?.connection) from.update = update;
		const payload = { noteId: note.id, message: encodeUpdate(update) };
		const sender = from?.connection?.socket;
		if (sender) sender.to(room).emit('note:sync', payload);
		else for (const { socket } of note.connections.values()) socket.emit('note:sync', payload);
	});
	note.awareness.on(
		'update',
		(changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
			const changed = [...changes.added, ...changes.updated, ...changes.removed];
			const update = encodeAwarenessUpdate(note.awareness, changed);
			const payload = { noteId: note.id, update };
			const from = (origin as Partial<NoteConnection> | null)?.socket;
			if (from) from.to(room).emit('note:awareness', payload);
			else {
				// A departure (origin "leave" or "timeout"): tell everyone still in the room.
				for (const connection of note.connections.values()) {
					connection.socket.emit('note:awareness', payload);
				}
			}
		}
	);
}
