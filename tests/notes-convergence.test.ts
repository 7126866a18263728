import { expect, it } from 'vitest';
import * as Y from 'yjs';
import type { NoteProvider } from '#lib/client/notes/note-provider.ts';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import type { TestUser } from './helpers/channels.ts';
import { connected, sameSession } from './helpers/client.ts';
import {
	content,
	NOTE_TEST_LIMITS,
	openProvider,
	saved,
	serverContent,
	sharedNote,
	until
} from './helpers/notes.ts';
import { useParley } from './helpers/kit.ts';

const CLIENTS = 4;
const ROUNDS = 120;
let users: TestUser[];

const server = useParley({ env: NOTE_TEST_LIMITS }, async (kit) => {
	users = [];
	for (let i = 0; i < CLIENTS; i++) users.push(await kit.user(`Writer ${i}`));
});

/** A small deterministic PRNG, so a failing run can be replayed from its seed. */
function random(seed: number) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** One random edit of the kind an editor makes: type, delete, bold, split off a paragraph. */
function randomEdit(doc: Y.Doc, rand: () => number, tag: string): void {
	const fragment = doc.getXmlFragment(NOTE_FIELD);
	const pick = (n: number) => Math.floor(rand() * n);
	if (fragment.length === 0 || rand() < 0.1) {
		const paragraph = new Y.XmlElement('paragraph');
		const text = new Y.XmlText();
		text.insert(0, `new ${tag} `);
		paragraph.insert(0, [text]);
		fragment.insert(pick(fragment.length + 1), [paragraph]);
		return;
	}
	const paragraph = fragment.get(pick(fragment.length));
	if (!(paragraph instanceof Y.XmlElement)) return;
	let text = paragraph.get(0);
	if (!(text instanceof Y.XmlText)) {
		text = new Y.XmlText();
		paragraph.insert(0, [text]);
	}
	const node = text as Y.XmlText;
	const roll = rand();
	if (roll < 0.6 || node.length < 4) node.insert(pick(node.length + 1), `${tag} `);
	else if (roll < 0.85) node.delete(pick(node.length - 2), 1 + pick(3));
	else node.format(pick(node.length - 2), 2, { bold: {} });
}

it('clients editing concurrently with random disconnects converge with the server and the database', async () => {
	const [owner, ...others] = users;
	const noteId = await sharedNote(
		owner,
		others.map((user) => ({ user }))
	);
	const providers: NoteProvider[] = [];
	for (const user of users) providers.push(await openProvider(user.socket, noteId));
	// CONVERGENCE_SEED replays a failed run.
	const seed = Number(process.env.CONVERGENCE_SEED) || Date.now();
	const rand = random(seed);

	const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
	// Only a socket that was disconnected on purpose: connect() on one that is already connecting
	// sends a second CONNECT packet, which can leave it disconnected for good (status "offline").
	const reconnect = (socket: (typeof users)[number]['socket']) => {
		if (!socket.active) socket.connect();
	};
	let disconnects = 0;
	let offlineEdits = 0;
	await Promise.all(
		providers.map(async (provider, index) => {
			const socket = users[index].socket;
			for (let round = 0; round < ROUNDS; round++) {
				randomEdit(provider.doc, rand, `c${index}r${round}`);
				if (!socket.connected) offlineEdits += 1;
				const roll = rand();
				if (roll < 0.03 && socket.connected) {
					// Offline for a while: edits keep landing locally and merge after reconnecting.
					disconnects += 1;
					socket.disconnect();
					setTimeout(() => reconnect(socket), 50 + Math.floor(rand() * 250));
				}
				await sleep(roll < 0.5 ? 0 : Math.floor(rand() * 15));
			}
		})
	);

	expect(disconnects).toBeGreaterThan(0);
	expect(offlineEdits).toBeGreaterThan(0);
	for (const [index, user] of users.entries()) {
		reconnect(user.socket);
		await connected(user.socket);
		// Inside the test's own time budget, so a failure names its seed and the provider's state.
		const provider = providers[index];
		await saved(provider, 40_000).catch((error: unknown) => {
			const state = `status ${provider.status}, error ${provider.error?.code ?? 'none'}`;
			throw new Error(`client ${index} not saved (seed ${seed}; ${state}): ${error}`);
		});
	}
	const expected = () => content(providers[0].doc);
	await until(
		() => providers.every((p) => content(p.doc) === expected()),
		`every client to converge (seed ${seed})`
	);
	const vectors = providers.map((p) => Array.from(Y.encodeStateVector(p.doc)));
	for (const vector of vectors) expect(vector).toEqual(vectors[0]);
	expect(expected().length).toBeGreaterThan(100);

	const live = await serverContent(owner.http, noteId);
	expect(live, `server vs clients (seed ${seed})`).toBe(expected());

	for (const provider of providers) provider.destroy();
	for (const user of users) user.socket.disconnect();
	await server.stop();
	await server.restart();
	const reloaded = await serverContent(sameSession(owner.http, server.url), noteId);
	expect(reloaded, `database after a restart vs clients (seed ${seed})`).toBe(expected());
}, 60_000);
