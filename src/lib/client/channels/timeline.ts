import type { ChannelChanges, HistoryPage, MemberDto, MessageDto } from '#lib/shared/channels.ts';

export interface ChannelMeta {
	name: string;
	description: string;
	archived: boolean;
	version: number;
}

/**
 * One channel's messages, members and settings as a client knows them, plus the cursor to catch up
 * from. Plain TypeScript (no runes) so tests can run it. Every row carries the channel version of its
 * last change and a newer version always wins, so applying a change twice, late or out of order
 * leaves the same state.
 */
export class Timeline {
	readonly channelId: string;
	/** Every change up to this version has been applied. */
	cursor = 0;
	/** Top-level messages older than this seq have not been loaded yet (0: all loaded). */
	oldestLoadedSeq = 0;
	hasMoreBefore = false;
	meta: ChannelMeta | undefined;
	readonly messages = new Map<string, MessageDto>();
	readonly members = new Map<string, MemberDto>();
	/** The highest version seen live; above the cursor means a change was missed. */
	#highestSeen = 0;

	constructor(channelId: string) {
		this.channelId = channelId;
	}

	/** Replaces what is loaded with a page of the newest messages. */
	reset(page: HistoryPage): void {
		this.messages.clear();
		this.oldestLoadedSeq = 0;
		this.hasMoreBefore = false;
		this.cursor = page.version;
		this.#highestSeen = page.version;
		this.#addPage(page);
	}

	/** Adds an older page (scrolling back). */
	addOlder(page: HistoryPage): void {
		this.#addPage(page);
	}

	/**
	 * Applies changes (live or from a catch-up). Returns true when the changes show that something
	 * was missed before them, so the caller should catch up from the cursor.
	 */
	apply(changes: ChannelChanges, source: 'live' | 'catch-up'): boolean {
		for (const message of changes.messages) this.#upsertMessage(message);
		for (const member of changes.members) {
			const known = this.members.get(member.user.id);
			if (!known || member.version > known.version) this.members.set(member.user.id, member);
		}
		if (changes.channel && (!this.meta || changes.channel.version > this.meta.version)) {
			this.meta = changes.channel;
		}
		if (source === 'catch-up') {
			this.cursor = Math.max(this.cursor, changes.version);
			this.#highestSeen = Math.max(this.#highestSeen, changes.version);
			return false;
		}
		this.#highestSeen = Math.max(this.#highestSeen, changes.version);
		if (changes.version === this.cursor + 1) {
			this.cursor = changes.version;
			return false;
		}
		return changes.version > this.cursor;
	}

	/** Stores one message's newer state (e.g. from an ack) without moving the cursor. */
	upsert(message: MessageDto): void {
		this.#upsertMessage(message);
	}

	/** Replaces the member list (from `channel:members`); newer rows win as always. */
	setMembers(members: MemberDto[]): void {
		for (const member of members) {
			const known = this.members.get(member.user.id);
			if (!known || member.version >= known.version) this.members.set(member.user.id, member);
		}
	}

	/** Whether live changes arrived beyond the cursor (a gap to fill). */
	get behind(): boolean {
		return this.#highestSeen > this.cursor;
	}

	/** Top-level messages in order. */
	topLevel(): MessageDto[] {
		return [...this.messages.values()]
			.filter((m) => m.parentId === null)
			.sort((a, b) => a.seq - b.seq);
	}

	/** A thread's replies in order. */
	replies(parentId: string): MessageDto[] {
		return [...this.messages.values()]
			.filter((m) => m.parentId === parentId)
			.sort((a, b) => a.seq - b.seq);
	}

	activeMembers(): MemberDto[] {
		return [...this.members.values()].filter((m) => !m.removed);
	}

	#addPage(page: HistoryPage): void {
		for (const message of page.messages) this.#upsertMessage(message, true);
		const oldest = page.messages[0]?.seq;
		if (oldest !== undefined && (this.oldestLoadedSeq === 0 || oldest < this.oldestLoadedSeq)) {
			this.oldestLoadedSeq = oldest;
			this.hasMoreBefore = page.hasMoreBefore;
		} else if (page.messages.length === 0) {
			this.hasMoreBefore = false;
		}
	}

	#upsertMessage(message: MessageDto, fromHistory = false): void {
		const known = this.messages.get(message.id);
		if (known && message.version <= known.version) return;
		// A change to an old top-level message we have not scrolled back to yet: it will come with
		// its page, in its current state.
		const beforeWindow =
			!fromHistory &&
			!known &&
			message.parentId === null &&
			this.hasMoreBefore &&
			message.seq < this.oldestLoadedSeq;
		if (!beforeWindow) this.messages.set(message.id, message);
	}
}
