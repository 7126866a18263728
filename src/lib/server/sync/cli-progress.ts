import {
	ENTITY_LABELS,
	SYNC_ENTITIES,
	type EntityProgress,
	type SyncProgress
} from '#lib/shared/sync.ts';

const BAR_WIDTH = 24;
const LABEL_WIDTH = Math.max(...Object.values(ENTITY_LABELS).map((l) => l.length));
const number = new Intl.NumberFormat('en-US');

function bar(done: number, total: number | null): string {
	if (total === null || total <= 0) return ' '.repeat(BAR_WIDTH + 2);
	const filled = Math.round((Math.min(done, total) / total) * BAR_WIDTH);
	return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
}

const MARKS: Record<EntityProgress['state'], string> = {
	pending: ' ',
	running: '›',
	done: '✓',
	failed: '✗',
	skipped: '-'
};

/** One entity's line: state, bar, done/total, and what changed. */
export function entityLine(entity: (typeof SYNC_ENTITIES)[number], p: EntityProgress): string {
	const amount =
		p.total === null ? number.format(p.done) : `${number.format(p.done)}/${number.format(p.total)}`;
	const changes = `+${number.format(p.added)} ~${number.format(p.updated)} -${number.format(p.deleted)}${p.failed ? ` ✗${number.format(p.failed)}` : ''}`;
	const note = p.state === 'running' && p.note ? `  ${p.note}` : '';
	return `${MARKS[p.state]} ${ENTITY_LABELS[entity].padEnd(LABEL_WIDTH)} ${bar(p.done, p.total)} ${amount.padStart(15)}  ${changes}${note}`;
}

/**
 * Draws a run's progress in the terminal: on a TTY, one live bar per entity redrawn in place (at
 * most ~10 times a second); otherwise (a pipe, CI) a line whenever an entity changes state.
 */
export class TerminalProgress {
	readonly #out: NodeJS.WriteStream;
	readonly #tty: boolean;
	#drawn = 0;
	#last: SyncProgress | undefined;
	#lastDraw = 0;
	#states = new Map<string, string>();

	constructor(out: NodeJS.WriteStream = process.stderr) {
		this.#out = out;
		this.#tty = Boolean(out.isTTY);
	}

	update(progress: SyncProgress): void {
		this.#last = progress;
		if (!this.#tty) return this.#logStates(progress);
		const now = Date.now();
		if (now - this.#lastDraw < 100 && progress.status === 'running') return;
		this.#lastDraw = now;
		this.#draw(progress);
	}

	/** Draws the final state once more and leaves it on screen. */
	finish(): void {
		if (this.#last && this.#tty) this.#draw(this.#last);
		this.#drawn = 0;
	}

	#draw(progress: SyncProgress): void {
		const lines = SYNC_ENTITIES.map((e) => entityLine(e, progress.entities[e]));
		lines.push(
			`  ${number.format(progress.requests)} requests · ${number.format(progress.errorCount)} errors`
		);
		const width = (this.#out.columns || 120) - 1;
		const up = this.#drawn ? `\x1b[${this.#drawn}A` : '';
		this.#out.write(up + lines.map((l) => `\x1b[2K${l.slice(0, width)}\n`).join(''));
		this.#drawn = lines.length;
	}

	#logStates(progress: SyncProgress): void {
		for (const entity of SYNC_ENTITIES) {
			const p = progress.entities[entity];
			const key = `${p.state}:${p.note}`;
			if (this.#states.get(entity) === key || p.state === 'pending') continue;
			this.#states.set(entity, key);
			this.#out.write(`${entityLine(entity, p)}\n`);
		}
	}
}
