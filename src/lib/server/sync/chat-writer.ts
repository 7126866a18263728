import type { ImportedChat } from './chat-tree.ts';
import type { JobContext } from './job-context.ts';
import { writeChats, type ChatWrite } from './store-chats.ts';

/** Chats per transaction. */
const BATCH = 25;
/** Parsed chats waiting to be written, at most (fetching pauses beyond it). */
const MAX_QUEUED = BATCH * 4;
/** A partial batch is written after this long without new chats. */
const LINGER_MS = 20;

interface Waiting {
	chat: ImportedChat;
	resolve: (write: ChatWrite) => void;
	reject: (error: unknown) => void;
}

/**
 * Groups imported chats into batches, one transaction each, written one at a time through the
 * run's write queue. `add` waits while too many chats are queued, so fetching never runs far
 * ahead of the database.
 */
export class ChatWriter {
	readonly #ctx: JobContext;
	#queue: Waiting[] = [];
	#queued = 0;
	#timer: NodeJS.Timeout | undefined;
	#room: (() => void)[] = [];
	#writes = new Set<Promise<void>>();

	constructor(ctx: JobContext) {
		this.#ctx = ctx;
	}

	/** Queues a chat; resolves (once there is room) with the promise of its write, boxed. */
	async add(chat: ImportedChat): Promise<{ written: Promise<ChatWrite> }> {
		while (this.#queued >= MAX_QUEUED) {
			await new Promise<void>((resolve) => this.#room.push(resolve));
		}
		this.#queued++;
		const written = new Promise<ChatWrite>((resolve, reject) => {
			this.#queue.push({ chat, resolve, reject });
		});
		if (this.#queue.length >= BATCH) this.#flush();
		else this.#timer ??= setTimeout(() => this.#flush(), LINGER_MS);
		return { written };
	}

	/** Writes what is queued and waits for every write. */
	async close(): Promise<void> {
		this.#flush();
		while (this.#writes.size) await Promise.all(this.#writes);
	}

	#flush(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		const batch = this.#queue.splice(0);
		if (!batch.length) return;
		const { db, instance } = this.#ctx;
		const write = this.#ctx
			.write(() =>
				writeChats(
					db,
					instance,
					batch.map((w) => w.chat)
				)
			)
			.then(
				(results) => batch.forEach((w, i) => w.resolve(results[i])),
				(error: unknown) => batch.forEach((w) => w.reject(error))
			)
			.finally(() => {
				this.#queued -= batch.length;
				this.#writes.delete(write);
				for (const wake of this.#room.splice(0)) wake();
			});
		this.#writes.add(write);
	}
}
