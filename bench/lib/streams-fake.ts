/**
 * The fake OpenAI-compatible provider (tests/fakes/openai.ts) in its own process for
 * bench/streams.ts, so its work is not charged to the app or the clients. Started with the
 * in-server probe (bench/lib/processes.ts `startServer`), which reports its port and CPU time; its
 * API is under `/v1`.
 */
import { startFakeOpenAI } from '../../tests/fakes/openai.ts';

const fake = await startFakeOpenAI();
process.on('SIGTERM', () => void fake.close().finally(() => process.exit(0)));
