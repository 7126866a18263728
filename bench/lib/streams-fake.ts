/**
 * The fake OpenAI-compatible provider (tests/fakes/openai.ts) in its own process for
 * bench/streams.ts, so its work is not charged to the app or the clients. Prints
 * `{"msg":"listening","url":…}` and answers stats requests (its CPU time) over IPC.
 */
import { startFakeOpenAI } from '../../tests/fakes/openai.ts';
import type { StatsReply, StatsRequest } from './streams-ipc.ts';

if (!process.send) throw new Error('this script must be spawned with an IPC channel');
const fake = await startFakeOpenAI();
process.on('message', (message: StatsRequest) => {
	if (message.type !== 'stats') return;
	const reply: StatsReply = {
		type: 'stats',
		id: message.id,
		stats: { cpu: process.cpuUsage(), at: performance.timeOrigin + performance.now() }
	};
	process.send?.(reply);
});
process.on('disconnect', () => void fake.close().finally(() => process.exit(0)));
process.on('SIGTERM', () => void fake.close().finally(() => process.exit(0)));
console.log(JSON.stringify({ msg: 'listening', url: fake.url }));
