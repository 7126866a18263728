import type { Config } from '../config.ts';
import type { SqlDb } from '../db/adapter-sql.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { Compactor } from './compaction.ts';
import { DocumentManager } from './document-manager.ts';
import { AuthenticateFromDatabase } from './hooks/authenticate.ts';
import { ValidateChange } from './hooks/change.ts';
import { LoadFromDatabase } from './hooks/load.ts';
import { RepairOnLoad } from './hooks/repair.ts';
import { StoreInDatabase } from './hooks/store.ts';
import { openNoteLogReader } from './log-reader.ts';
import { CompactOnUnload } from './hooks/unload.ts';
import { NoteService } from './note.service.ts';

/** Wires the notes domain: the collaboration server with its default extensions, and the service. */
export function createNotes(deps: {
	db: Db;
	sql: SqlDb;
	bus: RealtimeBus;
	log: Logger;
	config: Config;
}) {
	const { db, sql, bus, log, config } = deps;
	const announce: { preview?: (noteId: string, preview: string) => void } = {};
	const compactor = new Compactor({
		db,
		log,
		compactAfterUpdates: config.NOTE_COMPACT_AFTER_UPDATES,
		onPreview: (noteId, preview) => announce.preview?.(noteId, preview)
	});
	const documents = new DocumentManager(
		[
			new AuthenticateFromDatabase(db),
			new LoadFromDatabase(db, sql, openNoteLogReader(db, config.database)),
			new RepairOnLoad(log),
			new ValidateChange(
				{
					maxUpdateBytes: config.NOTE_MAX_UPDATE_BYTES,
					maxDocumentBytes: config.NOTE_MAX_DOCUMENT_BYTES
				},
				log
			),
			new StoreInDatabase(sql, compactor),
			new CompactOnUnload(compactor)
		],
		{
			log,
			unloadAfterMs: config.NOTE_UNLOAD_AFTER_MS,
			maxAwarenessBytes: config.NOTE_MAX_AWARENESS_BYTES,
			maxMalformedUpdates: config.NOTE_MAX_MALFORMED_UPDATES
		}
	);
	const notes = new NoteService({
		db,
		bus,
		documents,
		trashDays: config.NOTE_TRASH_DAYS,
		limits: {
			// A change bigger than the socket's payload limit would close the connection: stay below.
			maxUpdateBytes: Math.min(
				config.NOTE_MAX_UPDATE_BYTES,
				config.SOCKET_MAX_PAYLOAD_BYTES - 4096
			),
			maxAwarenessBytes: config.NOTE_MAX_AWARENESS_BYTES
		}
	});
	announce.preview = (noteId, preview) => {
		notes.announcePreview(noteId, preview).catch((err: unknown) => {
			log.warn({ err, noteId }, 'announcing a note preview failed');
		});
	};
	return { notes, documents };
}
