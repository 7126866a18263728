import type { Db } from '../db/client.ts';
import { containsText } from '../db/text-filter.ts';
import { AppError } from '../errors.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import type { AppSocket } from '../realtime/define.ts';
import { userRefSelect } from '../channels/dto.ts';
import { rooms, type ServerToClientEvents } from '#lib/shared/events.ts';
import {
	UNTITLED,
	type NoteExportFormat,
	type NoteJoined,
	type NoteSharing,
	type NoteSummary,
	type ShareRole
} from '#lib/shared/notes.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { accessSelect, NOT_FOUND, requireRole, type NoteAccessFacts } from './access.ts';

type Audience = Pick<NoteAccessFacts, 'id' | 'ownerId' | 'workspaceRole' | 'shares'>;
import type { DocumentManager } from './document-manager.ts';
import { noteInclude, toNoteSummary, toShareDto } from './dto.ts';
import { toHtmlPage, toMarkdown } from './render.ts';
import { seedState } from './seed.ts';
import { storable } from './bytes.ts';

const LIST_LIMIT = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface NoteLimits {
	maxUpdateBytes: number;
	maxAwarenessBytes: number;
}

export interface NoteExport {
	filename: string;
	contentType: string;
	body: string;
}

/**
 * Notes as records: lists, creation (with the server's seed document), renaming, the trash,
 * sharing and exports. Every change that alters who may see a note re-checks the people in it
 * through the DocumentManager, so a revocation applies at once.
 */
export class NoteService {
	readonly #db: Db;
	readonly #bus: RealtimeBus;
	readonly #documents: DocumentManager;
	readonly #limits: NoteLimits;
	readonly #trashDays: number;

	constructor(deps: {
		db: Db;
		bus: RealtimeBus;
		documents: DocumentManager;
		limits: NoteLimits;
		trashDays: number;
	}) {
		this.#db = deps.db;
		this.#bus = deps.bus;
		this.#documents = deps.documents;
		this.#limits = deps.limits;
		this.#trashDays = deps.trashDays;
	}

	/** Your notes and those shared with you (or your trash), most recently changed first. */
	async list(
		user: PublicUser,
		input: { query?: string; trash?: boolean } = {}
	): Promise<NoteSummary[]> {
		const query = input.query?.trim();
		const rows = await this.#db.note.findMany({
			where: {
				...(input.trash
					? { ownerId: user.id, deletedAt: { not: null } }
					: {
							deletedAt: null,
							OR: [
								{ ownerId: user.id },
								{ shares: { some: { userId: user.id } } },
								{ workspaceRole: { not: null } }
							]
						}),
				...(query && { title: containsText(this.#db, query) })
			},
			include: noteInclude,
			orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
			take: LIST_LIMIT
		});
		return rows.map((row) => toNoteSummary(row, user.id, this.#trashDays));
	}

	async get(user: PublicUser, noteId: string): Promise<NoteSummary> {
		await requireRole(this.#db, noteId, user.id, 'viewer');
		return this.#summary(noteId, user.id);
	}

	/** Creates a note owned by `user`, its document seeded by the server. */
	async create(user: PublicUser, input: { title?: string }): Promise<NoteSummary> {
		const state = storable(seedState());
		const note = await this.#db.$transaction(async (tx) => {
			const created = await tx.note.create({
				data: { ownerId: user.id, title: input.title?.trim() || UNTITLED }
			});
			await tx.noteSnapshot.create({ data: { noteId: created.id, state, seq: 0 } });
			return created;
		});
		this.#bus.emit(rooms.user(user.id), 'notes:changed', { noteId: note.id });
		return this.#summary(note.id, user.id);
	}

	/** Renames a note (owner or editor). */
	async rename(user: PublicUser, input: { noteId: string; title: string }): Promise<NoteSummary> {
		const { facts } = await requireRole(this.#db, input.noteId, user.id, 'editor');
		const title = input.title.trim() || UNTITLED;
		await this.#db.note.update({
			where: { id: input.noteId },
			data: { title, updatedAt: new Date() }
		});
		this.#bus.emit(rooms.note(input.noteId), 'note:meta', { noteId: input.noteId, title });
		this.#announce(facts);
		return this.#summary(input.noteId, user.id);
	}

	/** Moves a note to the trash (owner only): everyone else loses it at once. */
	async trash(user: PublicUser, noteId: string): Promise<NoteSummary> {
		const { facts } = await requireRole(this.#db, noteId, user.id, 'owner');
		await this.#db.note.update({ where: { id: noteId }, data: { deletedAt: new Date() } });
		this.#announce(facts);
		await this.#documents.reauthorize(noteId, 'deleted');
		return this.#summary(noteId, user.id);
	}

	/** Takes a note out of the trash (owner only). */
	async restore(user: PublicUser, noteId: string): Promise<NoteSummary> {
		const found = await this.#db.note.findFirst({
			where: { id: noteId, ownerId: user.id, deletedAt: { not: null } },
			select: { id: true }
		});
		if (!found) throw new AppError('not_found', 'No such note in your trash.');
		const row = await this.#db.note.update({
			where: { id: noteId },
			data: { deletedAt: null },
			include: noteInclude
		});
		this.#announce(row);
		return toNoteSummary(row, user.id, this.#trashDays);
	}

	/** Deletes for good the notes that have been in the trash longer than NOTE_TRASH_DAYS. */
	async purgeExpired(now = new Date()): Promise<number> {
		const cutoff = new Date(now.getTime() - this.#trashDays * DAY_MS);
		const { count } = await this.#db.note.deleteMany({ where: { deletedAt: { lt: cutoff } } });
		return count;
	}

	/** Who has access to a note (anyone who can open it may ask). */
	async sharing(user: PublicUser, noteId: string): Promise<NoteSharing> {
		await requireRole(this.#db, noteId, user.id, 'viewer');
		return this.#sharing(noteId);
	}

	/** Shares a note with one person as viewer or editor, or changes their role (owner only). */
	async share(
		user: PublicUser,
		input: { noteId: string; userId: string; role: ShareRole }
	): Promise<NoteSharing> {
		const { facts } = await requireRole(this.#db, input.noteId, user.id, 'owner');
		if (input.userId === facts.ownerId) {
			throw new AppError('validation', 'The owner always has full access.');
		}
		const target = await this.#db.user.findUnique({
			where: { id: input.userId },
			select: { status: true }
		});
		if (!target || target.status !== 'active') {
			throw new AppError('validation', 'Pick someone with an active account.');
		}
		await this.#db.noteShare.upsert({
			where: { noteId_userId: { noteId: input.noteId, userId: input.userId } },
			create: { noteId: input.noteId, userId: input.userId, role: input.role },
			update: { role: input.role }
		});
		return this.#sharingChanged(input.noteId);
	}

	/** Stops sharing with one person (owner), or leaves a note shared with you (that person). */
	async unshare(user: PublicUser, input: { noteId: string; userId: string }): Promise<NoteSharing> {
		await requireRole(
			this.#db,
			input.noteId,
			user.id,
			input.userId === user.id ? 'viewer' : 'owner'
		);
		await this.#db.noteShare.deleteMany({ where: { noteId: input.noteId, userId: input.userId } });
		return this.#sharingChanged(input.noteId, input.userId);
	}

	/** Opens a note to everyone in the workspace as viewers or editors, or closes it (owner only). */
	async setWorkspaceRole(
		user: PublicUser,
		input: { noteId: string; role: ShareRole | null }
	): Promise<NoteSharing> {
		await requireRole(this.#db, input.noteId, user.id, 'owner');
		await this.#db.note.update({
			where: { id: input.noteId },
			data: { workspaceRole: input.role }
		});
		// Closed to the workspace: everyone else's lists lose it (opening it announces to all anyway).
		if (!input.role) this.#bus.broadcast('notes:changed', { noteId: input.noteId });
		return this.#sharingChanged(input.noteId);
	}

	/**
	 * After any change of who may see a note: the people in it are re-checked at once, and everyone
	 * whose list shows it (plus `removed`, who no longer sees it) lists it again.
	 */
	async #sharingChanged(noteId: string, removed?: string): Promise<NoteSharing> {
		await this.#documents.reauthorize(noteId, 'access_removed');
		const facts = await this.#db.note.findUnique({ where: { id: noteId }, select: accessSelect });
		if (facts) this.#announce(facts);
		if (removed) this.#bus.emit(rooms.user(removed), 'notes:changed', { noteId });
		return this.#sharing(noteId);
	}

	/** `note:join`: the note, your role and the first sync round. */
	async join(
		socket: AppSocket,
		user: PublicUser,
		input: { noteId: string; message: Uint8Array }
	): Promise<NoteJoined> {
		const joined = await this.#documents.join(socket, user, input.noteId, input.message);
		return { ...joined, note: await this.#summary(input.noteId, user.id), limits: this.#limits };
	}

	/** The note's current content as Markdown or a standalone HTML page. */
	async export(user: PublicUser, noteId: string, format: NoteExportFormat): Promise<NoteExport> {
		await requireRole(this.#db, noteId, user.id, 'viewer');
		const { title } = await this.#db.note.findUniqueOrThrow({
			where: { id: noteId },
			select: { title: true }
		});
		const body = await this.#documents.read(noteId, (note) =>
			format === 'md' ? toMarkdown(note.doc) : toHtmlPage(note.doc, title)
		);
		const name = slug(title) || 'note';
		return format === 'md'
			? { filename: `${name}.md`, contentType: 'text/markdown; charset=utf-8', body }
			: { filename: `${name}.html`, contentType: 'text/html; charset=utf-8', body };
	}

	/** Tells everyone who lists a note its new preview (they patch their lists, no refetch). */
	async announcePreview(noteId: string, preview: string): Promise<void> {
		const row = await this.#db.note.findUnique({
			where: { id: noteId },
			select: { ...accessSelect, updatedAt: true }
		});
		if (!row || row.deletedAt) return;
		this.#tell(row, 'note:preview', { noteId, preview, updatedAt: row.updatedAt.toISOString() });
	}

	async #summary(noteId: string, userId: string): Promise<NoteSummary> {
		const row = await this.#db.note.findUnique({ where: { id: noteId }, include: noteInclude });
		if (!row) throw new AppError('not_found', NOT_FOUND);
		return toNoteSummary(row, userId, this.#trashDays);
	}

	async #sharing(noteId: string): Promise<NoteSharing> {
		const row = await this.#db.note.findUnique({
			where: { id: noteId },
			select: {
				workspaceRole: true,
				owner: { select: userRefSelect },
				shares: {
					select: { role: true, user: { select: userRefSelect } },
					orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }]
				}
			}
		});
		if (!row) throw new AppError('not_found', NOT_FOUND);
		return {
			noteId,
			owner: row.owner,
			workspaceRole: row.workspaceRole as ShareRole | null,
			shares: row.shares.map(toShareDto)
		};
	}

	/** Tells everyone who lists the note to list it again. */
	#announce(facts: Audience): void {
		this.#tell(facts, 'notes:changed', { noteId: facts.id });
	}

	/** Emits to everyone who lists a note: its owner and shares, or everybody for workspace notes. */
	#tell<E extends 'notes:changed' | 'note:preview'>(
		facts: Audience,
		event: E,
		...args: Parameters<ServerToClientEvents[E]>
	): void {
		if (facts.workspaceRole) {
			this.#bus.broadcast(event, ...args);
			return;
		}
		for (const userId of [facts.ownerId, ...facts.shares.map((s) => s.userId)]) {
			this.#bus.emit(rooms.user(userId), event, ...args);
		}
	}
}

/** A file name from a title: letters, digits and dashes. */
function slug(title: string): string {
	return title
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 80);
}
