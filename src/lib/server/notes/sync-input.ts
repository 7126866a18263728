import * as Y from 'yjs';
import { decodeSyncMessage, SYNC_STEP1, type SyncMessage } from '#lib/shared/note-sync.ts';
import { AppError } from '../errors.ts';

/** A y-protocols sync message from a client; anything else is a malformed_update. */
export function readSyncMessage(data: Uint8Array): SyncMessage {
	try {
		return decodeSyncMessage(data);
	} catch {
		throw new AppError('malformed_update', 'This is not a sync message.');
	}
}

/** The state vector of the sync step 1 a client joins with. */
export function readStep1(message: Uint8Array): Uint8Array {
	try {
		const decoded = decodeSyncMessage(message);
		if (decoded.type === SYNC_STEP1) return checkStateVector(decoded.stateVector);
	} catch {
		// reported below
	}
	throw new AppError('malformed_update', 'Join with a sync step 1 message.');
}

/** A state vector that decodes, so answering it with step 2 cannot throw halfway. */
export function checkStateVector(stateVector: Uint8Array): Uint8Array {
	try {
		Y.decodeStateVector(stateVector);
		return stateVector;
	} catch {
		throw new AppError('malformed_update', 'The state vector could not be decoded.');
	}
}
