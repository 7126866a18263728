/**
 * The fake Open WebUI instance of `npm run bench:sync`, in a process of its own so its CPU is not
 * charged to the sync: tests/fakes/open-webui.ts seeded with BENCH_USERS users and BENCH_CHATS
 * chats on 127.0.0.1, ready once seeded, answering `SyncFakeApi` over the bench's IPC protocol
 * (bench/lib/ipc.ts): request counts, changing a share of the chats, its CPU time.
 */
import { FakeOpenWebUI } from '../../tests/fakes/open-webui.ts';
import { World } from '../../tests/fakes/open-webui-data.ts';
import { cpuSample, serve } from './ipc.ts';

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

const api = {
	/** Requests received so far, by kind, and in all; `reset` starts counting afresh. */
	counts(reset: boolean) {
		const counts = fake.counts() as Record<string, number>;
		const total = fake.requests.length;
		if (reset) fake.resetRequests();
		return { counts, total };
	},
	/** Every n-th chat gets a new question and answer (its updated_at moves). */
	change(share: number) {
		const all = [...fake.data.chats.keys()];
		const every = Math.max(1, Math.round(1 / share));
		let changed = 0;
		for (let i = 0; i < all.length; i += every) {
			world.addTurn(all[i]);
			changed++;
		}
		return { chats: changed, messages: changed * 2 };
	},
	cpu: cpuSample
};
export type SyncFakeApi = typeof api;

const info = {
	url: fake.url,
	adminKey: fake.options.adminKey,
	users: fake.data.users.size,
	chats: fake.data.chats.size,
	messages: messageCount(),
	seedMs: Math.round(performance.now() - started)
};
export type SyncFakeInfo = typeof info;

serve(api, info, () => fake.close());
