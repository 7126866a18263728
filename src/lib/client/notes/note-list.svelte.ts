import type { ErrorBody } from '#lib/shared/errors.ts';
import type { NoteSummary } from '#lib/shared/notes.ts';
import type { Transport } from '../channels/transport.ts';

const REFRESH_DELAY_MS = 250;

type Result = { ok: true; note: NoteSummary } | { ok: false; error: ErrorBody };

/**
 * The Notes section's lists: your notes and those shared with you, and your trash. Listed again
 * (at most every 250 ms) whenever the server says a note changed, and on every reconnect.
 */
export class NoteList {
	readonly #transport: Transport;
	#notes = $state.raw<NoteSummary[]>([]);
	#trash = $state.raw<NoteSummary[]>([]);
	#loaded = $state(false);
	#error = $state<string | null>(null);
	#timer: ReturnType<typeof setTimeout> | undefined;
	readonly #off: (() => void)[] = [];

	constructor(transport: Transport) {
		this.#transport = transport;
	}

	get notes(): NoteSummary[] {
		return this.#notes;
	}
	get trash(): NoteSummary[] {
		return this.#trash;
	}
	get loaded(): boolean {
		return this.#loaded;
	}
	get error(): string | null {
		return this.#error;
	}

	find(id: string): NoteSummary | undefined {
		return this.#notes.find((n) => n.id === id) ?? this.#trash.find((n) => n.id === id);
	}

	/** Notes whose title contains `query` (case-insensitive). */
	search(query: string): NoteSummary[] {
		const q = query.trim().toLocaleLowerCase();
		return q ? this.#notes.filter((n) => n.title.toLocaleLowerCase().includes(q)) : this.#notes;
	}

	start(): void {
		this.#off.push(
			this.#transport.on('notes:changed', () => this.#refreshSoon()),
			this.#transport.on('note:preview', ({ noteId, preview, updatedAt }) => {
				const index = this.#notes.findIndex((n) => n.id === noteId);
				if (index === -1) return;
				const note = { ...this.#notes[index], preview, updatedAt };
				this.#notes = [note, ...this.#notes.filter((n) => n.id !== noteId)];
			}),
			this.#transport.onConnected(() => void this.refresh())
		);
		if (this.#transport.connected) void this.refresh();
	}

	async refresh(): Promise<void> {
		const [notes, trash] = await Promise.all([
			this.#transport.emit('notes:list', {}),
			this.#transport.emit('notes:list', { trash: true })
		]);
		if (notes.ok) this.#notes = notes.data.notes;
		if (trash.ok) this.#trash = trash.data.notes;
		this.#error = notes.ok ? null : notes.error.message;
		this.#loaded = true;
	}

	async create(title = ''): Promise<Result> {
		return this.#apply(await this.#transport.emit('note:create', { title }));
	}

	async rename(noteId: string, title: string): Promise<Result> {
		return this.#apply(await this.#transport.emit('note:rename', { noteId, title }));
	}

	/** Moves a note to the trash. */
	async remove(noteId: string): Promise<Result> {
		return this.#apply(await this.#transport.emit('note:delete', { noteId }));
	}

	async restore(noteId: string): Promise<Result> {
		return this.#apply(await this.#transport.emit('note:restore', { noteId }));
	}

	/** Keeps a note's summary up to date in place (e.g. from the open note). */
	upsert(note: NoteSummary): void {
		const without = (list: NoteSummary[]) => list.filter((n) => n.id !== note.id);
		if (note.deletedAt) {
			this.#notes = without(this.#notes);
			this.#trash = [note, ...without(this.#trash)];
		} else {
			this.#trash = without(this.#trash);
			const index = this.#notes.findIndex((n) => n.id === note.id);
			this.#notes = index === -1 ? [note, ...this.#notes] : this.#notes.with(index, note);
		}
	}

	destroy(): void {
		clearTimeout(this.#timer);
		for (const off of this.#off.splice(0)) off();
	}

	#apply(result: { ok: true; data: NoteSummary } | { ok: false; error: ErrorBody }): Result {
		if (!result.ok) return result;
		this.upsert(result.data);
		return { ok: true, note: result.data };
	}

	#refreshSoon(): void {
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => void this.refresh(), REFRESH_DELAY_MS);
	}
}
