/**
 * The fake Open WebUI instance of `npm run bench:sync`, in a process of its own so its CPU is not
 * charged to the sync: tests/fakes/open-webui.ts seeded with BENCH_USERS users and BENCH_CHATS
 * chats on 127.0.0.1, answering the orchestrator over IPC (request counts, changing a share of the
 * chats).
 */
import { FakeOpenWebUI } from '../../tests/fakes/open-webui.ts';
import { World } from '../../tests/fakes/open-webui-data.ts';
import type { FakeReply, FakeRequest } from './sync-ipc.ts';

if (!process.send) throw new Error('spawn this script with an IPC channel');
const send = (reply: FakeReply) => process.send?.(reply);

const users = Number(process.env.BENCH_USERS ?? 1000);
const chats = Number(process.env.BENCH_CHATS ?? 20_000);
const started = performance.now();
const fake = await FakeOpenWebUI.start();
const world = new World(fake.data, 2026);
world.populate({ users, chatsPerUser: Math.round(chats / users), turns: 5, catalogEvery: 10 });
const messageCount = () =>
	[...fake.data.chats.values()].reduce(
		(sum, chat) => sum + Object.keys(chat.chat.history.messages).length,
		0
	);
send({
	type: 'ready',
	url: fake.url,
	adminKey: fake.options.adminKey,
	users: fake.data.users.size,
	chats: fake.data.chats.size,
	messages: messageCount(),
	seedMs: Math.round(performance.now() - started)
});

process.on('message', (request: FakeRequest) => {
	if (request.type === 'counts') {
		const counts = fake.counts() as Record<string, number>;
		const total = fake.requests.length;
		if (request.reset) fake.resetRequests();
		send({ type: 'counts', id: request.id, counts, total });
	} else {
		// Every n-th chat gets a new question and answer (its updated_at moves).
		const all = [...fake.data.chats.keys()];
		const every = Math.max(1, Math.round(1 / request.share));
		let changed = 0;
		for (let i = 0; i < all.length; i += every) {
			world.addTurn(all[i]);
			changed++;
		}
		send({ type: 'changed', id: request.id, chats: changed, messages: changed * 2 });
	}
});
process.on('disconnect', () => {
	void fake.close().then(() => process.exit(0));
});
