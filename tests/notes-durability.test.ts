import { expect, it } from 'vitest';
import { ok } from './helpers/channels.ts';
import { appendText, NOTE_TEST_LIMITS, RawNoteClient, serverContent } from './helpers/notes.ts';
import { sameSession } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

const server = useParley({ env: NOTE_TEST_LIMITS });

const IN_FLIGHT = 8;
const KILL_AFTER_ACKS = 200;

it('every acknowledged update survives a SIGKILL in the middle of a stream of edits', async () => {
	const ana = await server.user('Ana');
	const noteId = (await ok(ana.socket, 'note:create', { title: 'Crash me' })).id;
	const client = new RawNoteClient(ana.socket, noteId);
	expect((await client.join()).ok).toBe(true);

	const acked: number[] = [];
	const refused: string[] = [];
	const pending = new Set<Promise<void>>();
	let sent = 0;
	let sentAtKill = 0;
	let killed: Promise<void> | undefined;
	// Up to IN_FLIGHT edits are unacknowledged at any time; the kill lands among them, and a few
	// more are sent while the process dies.
	while (!killed || sent < sentAtKill + IN_FLIGHT) {
		const n = sent++;
		const request = client
			.edit((doc) => appendText(doc, `<${n}>`))
			.then((result) => {
				if (result.ok && !killed) acked.push(n);
				else if (!result.ok) refused.push(result.error.code);
			})
			.catch(() => {
				// No answer: the server died first. Not acknowledged, so not promised.
			});
		pending.add(request);
		void request.finally(() => pending.delete(request));
		if (pending.size >= IN_FLIGHT) {
			await Promise.race([...pending, new Promise((r) => setTimeout(r, killed ? 10 : 200))]);
		}
		if (!killed && acked.length >= KILL_AFTER_ACKS) {
			sentAtKill = sent;
			killed = server.kill();
		}
	}
	await killed;
	ana.socket.disconnect();
	expect(refused).toEqual([]);
	expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
	expect(sent).toBeGreaterThan(acked.length);

	await server.restart();
	const text = await serverContent(sameSession(ana.http, server.url), noteId);
	const missing = acked.filter((n) => !text.includes(`<${n}>`));
	expect(missing).toEqual([]);
	// The log was never compacted in this run: the restart loaded the snapshot plus a long tail.
	const loaded = server.logs.find((l) => l.msg === 'note loaded' && l.noteId === noteId);
	expect(loaded?.updates).toBeGreaterThanOrEqual(acked.length);
});
