/**
 * Models are deleted only on a listing that can be believed: `/api/models` lists nothing until
 * Open WebUI's model connections have answered (after a restart), and lacks a connection's models
 * while it is down. See src/lib/server/sync/model-guard.ts for the rule.
 */
import { expect, test } from 'vitest';
import type { SyncRunDto } from '#lib/shared/sync.ts';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import type { HttpClient } from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import { addInstance, syncNow } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let admin: HttpClient;
let fake: FakeOpenWebUI;
let world: World;
let instanceId: string;

const OLLAMA = ['qwen3:8b', 'gemma3:4b', 'phi4', 'deepseek-r1', 'mistral:7b'];

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		return { fakes: [fake] };
	},
	async (kit) => {
		admin = (await kit.account()).http;
		world = new World(fake.data, 3);
		// One catalogue: the three OpenAI models gpt-4o, llama3.1:8b and claude-sonnet.
		world.populate({ users: 2, chatsPerUser: 1, catalogEvery: 10 });
		const [owner] = fake.data.users.values();
		for (const id of OLLAMA) world.addModel(id, 'ollama');
		world.addPreset('support-bot', 'qwen3:8b', owner.id);
		world.addPreset('writer', 'gpt-4o', owner.id);
		instanceId = (await addInstance(admin, fake)).id;
		const first = await syncNow(admin, instanceId);
		expect(first.counts.models).toMatchObject({ added: 10, deleted: 0 });
	}
);

/** The imported models that are not marked deleted. */
async function liveModels(): Promise<string[]> {
	const rows = await withTestDb(server, (db) =>
		db.all<{ remoteId: string }>(
			`SELECT "remoteId" FROM "InstanceItem" WHERE "instanceId" = ? AND "kind" = 'model' AND "deletedAt" IS NULL`,
			instanceId
		)
	);
	// Sorted here: the two databases may collate text differently.
	return rows.map((r) => r.remoteId).sort();
}

async function sync(): Promise<SyncRunDto> {
	fake.resetRequests();
	const run = await syncNow(admin, instanceId);
	expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
	return run;
}

const warnings = (run: SyncRunDto) =>
	run.errors.filter((e) => e.entity === 'models' && e.warning).map((e) => e.message);

test('a 60 % shrink (one connection down) deletes nothing at once; the same list in a later run does', async () => {
	// Ollama has not answered: its five models and the preset on one of them are not listed.
	fake.connectionsDown = new Set(['ollama']);
	const first = await sync();
	expect(first.counts.models).toMatchObject({ deleted: 0 });
	expect(await liveModels()).toHaveLength(10);
	expect(fake.count('workspace-models')).toBe(1);
	expect(warnings(first)).toEqual([
		expect.stringMatching(
			/^Open WebUI listed 4 models and lacked 6 of the 10 imported .* 1 are still in the workspace list: kept\. 5 kept until a later run confirms they are gone\.$/
		)
	]);

	// A later run gets the same answer: the base models it still lacks go; the preset, which the
	// workspace list still has, stays.
	const later = await sync();
	expect(later.counts.models).toMatchObject({ deleted: 5 });
	expect(await liveModels()).toEqual([
		'claude-sonnet',
		'gpt-4o',
		'llama3.1:8b',
		'support-bot',
		'writer'
	]);

	// Ollama answers again: its models come back.
	fake.connectionsDown = new Set();
	const back = await sync();
	expect(back.counts.models).toMatchObject({ added: 0, updated: 5, deleted: 0 });
	expect(await liveModels()).toHaveLength(10);
});

test('a model really deleted is marked deleted at once', async () => {
	world.deleteModel('phi4');
	const run = await sync();
	expect(run.counts.models).toMatchObject({ deleted: 1, unchanged: 9 });
	expect(await liveModels()).not.toContain('phi4');
	expect(warnings(run)).toEqual([]);
	// A trusted list lacking no preset needs no second source.
	expect(fake.count('workspace-models')).toBe(0);
});

test('an empty list (right after a restart) deletes only what the workspace list confirms', async () => {
	fake.connectionsDown = 'all';
	// Deleted meanwhile: this preset is gone from the workspace list too.
	world.deleteModel('writer');
	const run = await sync();
	expect(run.counts.models).toMatchObject({ deleted: 1 });
	expect(await liveModels()).toEqual([
		'claude-sonnet',
		'deepseek-r1',
		'gemma3:4b',
		'gpt-4o',
		'llama3.1:8b',
		'mistral:7b',
		'qwen3:8b',
		'support-bot'
	]);
	expect(warnings(run)).toEqual([
		expect.stringMatching(
			/^Open WebUI listed no models and lacked 9 of the 9 imported .* 1 presets were also gone from the workspace list: deleted\. 1 are still in the workspace list: kept\. 7 kept: an empty list does not prove a model deleted\.$/
		)
	]);

	// Still empty on the next run: still nothing deleted.
	const again = await sync();
	expect(again.counts.models).toMatchObject({ deleted: 0 });
	expect(await liveModels()).toHaveLength(8);

	fake.connectionsDown = new Set();
	const up = await sync();
	expect(up.counts.models).toMatchObject({ added: 0, updated: 0, deleted: 0, unchanged: 8 });
	expect(warnings(up)).toEqual([]);
});

test('an empty list with no workspace list to ask (an older version): nothing is deleted', async () => {
	fake.connectionsDown = 'all';
	fake.fault({ route: 'workspace-models', html: true });
	const run = await sync();
	expect(run.counts.models).toMatchObject({ deleted: 0 });
	expect(await liveModels()).toHaveLength(8);
	expect(warnings(run)).toEqual([
		expect.stringMatching(
			/^The workspace model list \(\/api\/v1\/models\/list\) could not be read to confirm deletions: .*web page/
		),
		expect.stringMatching(/^Open WebUI listed no models .* 8 kept: an empty list does not prove/)
	]);
	fake.faults = [];
	fake.connectionsDown = new Set();
});
