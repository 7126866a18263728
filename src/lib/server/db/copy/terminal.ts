import type { CopyEvent, CopyResult } from './copy.ts';

const BAR_WIDTH = 24;
const number = new Intl.NumberFormat('en-US');
/** Non-TTY output: a line per table, and one every so often for a long table. */
const PLAIN_EVERY_MS = 10_000;

function bar(done: number, total: number): string {
	const filled = total > 0 ? Math.round((Math.min(done, total) / total) * BAR_WIDTH) : BAR_WIDTH;
	return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
}

function rate(rows: number, ms: number): string {
	return ms > 0 ? `${number.format(Math.round((rows / ms) * 1000))} rows/s` : '';
}

/**
 * Shows a copy's progress on stderr: on a TTY, a bar for the table in flight redrawn in place (at
 * most ~10 times a second); otherwise plain lines.
 */
export class CopyProgress {
	readonly #out: NodeJS.WriteStream;
	readonly #tty: boolean;
	#lastDraw = 0;
	#lastLine = 0;
	#verifying = false;
	#started = new Map<string, { at: number; from: number }>();

	constructor(out: NodeJS.WriteStream = process.stderr) {
		this.#out = out;
		this.#tty = Boolean(out.isTTY);
	}

	update(event: CopyEvent): void {
		if (event.phase === 'copied') {
			const speed = event.rows ? `  ${rate(event.rows, event.ms)}` : '';
			const resumed = event.resumed ? ' (resumed)' : '';
			this.#line(
				`✓ ${event.table.padEnd(18)} ${number.format(event.rows).padStart(12)} rows${speed}${resumed}`
			);
			return;
		}
		const now = Date.now();
		const id = `${event.phase}:${event.table}`;
		let start = this.#started.get(id);
		if (!start) {
			this.#started.set(id, (start = { at: now, from: event.done }));
			if (!this.#tty && event.phase === 'verify' && !this.#verifying) {
				this.#verifying = true;
				this.#out.write('Verifying: counting and checksumming every table on both sides…\n');
			}
			this.#lastLine = now;
		}
		if (this.#tty) {
			if (now - this.#lastDraw < 100 && event.done < event.total) return;
			this.#lastDraw = now;
			const what = event.phase === 'copy' ? '›' : '…';
			const line = `${what} ${event.table.padEnd(18)} ${bar(event.done, event.total)} ${number.format(event.done)}/${number.format(event.total)}  ${rate(event.done - start.from, now - start.at)}`;
			this.#out.write(`\r\x1b[2K${line.slice(0, (this.#out.columns || 120) - 1)}`);
		} else if (now - this.#lastLine >= PLAIN_EVERY_MS) {
			this.#lastLine = now;
			const what = event.phase === 'copy' ? 'copying' : 'verifying';
			this.#out.write(
				`  ${what} ${event.table}: ${number.format(event.done)} of ${number.format(event.total)}\n`
			);
		}
	}

	/** Clears the bar in flight (a TTY) before other output. */
	clear(): void {
		if (this.#tty) this.#out.write('\r\x1b[2K');
	}

	#line(text: string): void {
		this.clear();
		this.#out.write(`${text}\n`);
	}
}

/** The verification table: rows and checksum per table on both sides. */
export function verificationTable(result: CopyResult): string {
	const header = ['Table', 'Source rows', 'Target rows', 'Source checksum', 'Target checksum', ''];
	const rows = result.checks.map((c) => [
		c.table,
		number.format(c.source.rows),
		number.format(c.target.rows),
		c.source.checksum,
		c.target.checksum,
		c.matches ? '✓' : '✗ differs'
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const right = new Set([1, 2]);
	const format = (cells: string[]) =>
		cells
			.map((cell, i) => (right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
			.join('  ')
			.trimEnd();
	return [format(header), ...rows.map(format)].join('\n');
}
