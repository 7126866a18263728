/**
 * The authorization matrix of every page load, `__data.json`, form action and endpoint, generated
 * from the route tree: each × anonymous, pending, a member acting on another's things, and the
 * admin, checked by the effect (no row changed, no canary in the answer). A route the matrix does
 * not list fails the first test.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { isHttpError, isRedirect } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import type { HttpClient } from './helpers/client.ts';
import { endpoints, pages, WHO, type Access, type Who } from './authz/routes.ts';
import { databaseDigest, leaked, secretsOf, useWorld, type World } from './authz/world.ts';

const ROUTES = path.resolve(import.meta.dirname, '../src/routes');

let world: World;
useWorld((built) => (world = built));

const client = (who: Who): HttpClient =>
	({
		anonymous: world.anonymous,
		pending: world.penny,
		member: world.mallory.http,
		admin: world.admin.http
	})[who];

const secretsFrom = (who: Who) => secretsOf(world, who);

/** The route id of each page and endpoint file under src/routes, with its exports. */
async function routeTree() {
	const found = { pages: new Map<string, string[]>(), endpoints: new Map<string, string[]>() };
	const walk = async (dir: string) => {
		const entries = readdirSync(dir, { withFileTypes: true });
		const id = '/' + path.relative(ROUTES, dir).split(path.sep).join('/');
		const routeId = id === '/' ? '/' : id;
		const names = entries.map((e) => e.name);
		if (names.some((n) => /^\+page\.(svelte|server\.ts)$/.test(n))) {
			const actions = names.includes('+page.server.ts')
				? Object.keys(
						((await import(path.join(dir, '+page.server.ts'))) as { actions?: object }).actions ??
							{}
					)
				: [];
			found.pages.set(routeId, actions.sort());
		}
		if (names.includes('+server.ts')) {
			const module = (await import(path.join(dir, '+server.ts'))) as object;
			found.endpoints.set(
				routeId,
				Object.keys(module)
					.filter((k) => /^[A-Z]+$/.test(k))
					.sort()
			);
		}
		for (const entry of entries) if (entry.isDirectory()) await walk(path.join(dir, entry.name));
	};
	await walk(ROUTES);
	return found;
}

it('lists every page, form action and endpoint method of the route tree', async () => {
	const tree = await routeTree();
	expect([...tree.pages.keys()].sort()).toEqual(Object.keys(pages).sort());
	for (const [id, actions] of tree.pages) {
		expect(actions, `actions of ${id}`).toEqual(Object.keys(pages[id]?.actions ?? {}).sort());
	}
	expect([...tree.endpoints.keys()].sort()).toEqual(Object.keys(endpoints).sort());
	for (const [id, methods] of tree.endpoints) {
		expect(methods, `methods of ${id}`).toEqual(Object.keys(endpoints[id]?.methods ?? {}).sort());
	}
});

it('has every load of a protected tree check access itself, before it reads anything', async () => {
	const trap = new Proxy(
		{},
		{
			get: (_target, key) => {
				throw new Error(`the load read app.${String(key)} before checking access`);
			}
		}
	);
	const loads: string[] = [];
	const walk = async (dir: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const file = path.join(dir, entry.name);
			if (entry.isDirectory()) await walk(file);
			else if (/^\+(page|layout)\.server\.ts$/.test(entry.name)) {
				const { load } = (await import(file)) as { load?: (event: unknown) => unknown };
				const id = '/' + path.relative(ROUTES, dir).split(path.sep).join('/');
				if (!load || !id.startsWith('/(app)')) continue;
				loads.push(id);
				const admin = id.startsWith('/(app)/admin');
				const user = {
					...(await world.mallory.http.json<{ user: object }>('/api/v1/me')).body.user,
					...(admin ? {} : { status: 'pending' })
				};
				const event = {
					locals: { user, app: trap, session: null },
					url: new URL(`http://parley.test${id.replace('/(app)', '') || '/'}`),
					params: { id: 'x' },
					cookies: { get: () => undefined },
					parent: () => Promise.resolve({})
				};
				let thrown: unknown;
				try {
					await load(event);
				} catch (failure) {
					thrown = failure;
				}
				const label = `${entry.name} of ${id}`;
				if (admin) expect(isHttpError(thrown, 403), label).toBe(true);
				else expect(isRedirect(thrown) ? thrown.location : thrown, label).toBe('/pending');
			}
		}
	};
	await walk(ROUTES);
	expect(loads.length).toBeGreaterThan(8);
});

/** A refused page or data request: sign in, wait for approval, or 403; never the data. */
function expectPageRefused(who: Who, response: Response, text: string, label: string) {
	if (who === 'anonymous' || who === 'pending') {
		const target = who === 'anonymous' ? /^\/login\?next=/ : /^\/pending$/;
		if (response.status === 303) {
			expect(response.headers.get('location'), label).toMatch(target);
		} else {
			expect(response.status, label).toBe(200);
			const body = JSON.parse(text) as { type: string; location?: string };
			expect(body.type, label).toBe('redirect');
			expect(body.location, label).toMatch(target);
		}
	} else {
		expect(response.status, label).toBe(403);
	}
}

/** The ways to ask for a page: the page, its data, its data for each subset of nodes, encoded. */
function pageVariants(pathname: string): { url: string; data: boolean }[] {
	const data = pathname === '/' ? '/__data.json' : `${pathname}/__data.json`;
	const variants = [
		{ url: pathname, data: false },
		{ url: data, data: true },
		...['1', '01', '001', '0001', '00001', '1111'].map((nodes) => ({
			url: `${data}?x-sveltekit-invalidated=${nodes}`,
			data: true
		}))
	];
	if (pathname.startsWith('/admin')) {
		// Percent-encoded letters reach the same route; the guard must see through them.
		variants.push({ url: pathname.replace('/admin', '/%61dmin'), data: false });
		variants.push({ url: data.replace('/admin', '/%61dmin'), data: true });
	}
	return variants;
}

describe('page loads and __data.json', () => {
	for (const [id, rule] of Object.entries(pages)) {
		it(id, async () => {
			const pathname = rule.path(world);
			for (const who of WHO) {
				for (const { url, data } of pageVariants(pathname)) {
					const label = `${who} ${url}`;
					const response = await client(who).request(url, {
						headers: { accept: data ? 'application/json' : 'text/html' }
					});
					const text = await response.text();
					expect(leaked(text, secretsFrom(who)), label).toEqual([]);
					if (rule.load[who] === 'deny') {
						expectPageRefused(who, response, text, label);
					} else {
						expect(response.status, label).toBeLessThan(400);
						if (rule.shows && who === 'admin' && url.endsWith('/__data.json')) {
							expect(text, `${label} shows its data`).toContain(rule.shows(world));
						}
					}
				}
			}
		});
	}
});

/** A refused form action or endpoint call: 401/403/404 or a redirect to sign in. */
function expectRefused(who: Who, response: Response, label: string) {
	if (response.status === 303) {
		expect(who, label).toMatch(/anonymous|pending/);
		expect(response.headers.get('location'), label).toMatch(/^\/login|^\/pending$/);
		return;
	}
	expect([401, 403, 404], `${label}: status ${response.status}`).toContain(response.status);
}

async function unchanged(label: string, act: () => Promise<void>) {
	const before = await databaseDigest(world);
	await act();
	expect(await databaseDigest(world), `${label} changed the database`).toBe(before);
}

describe('form actions', () => {
	for (const [id, rule] of Object.entries(pages)) {
		for (const [name, action] of Object.entries(rule.actions ?? {})) {
			it(`${id} ?/${name}`, async () => {
				const target = rule.path(world) + (name === 'default' ? '' : `?/${name}`);
				for (const who of WHO) {
					const label = `${who} POST ${target}`;
					if (action.access[who] === 'deny') {
						await unchanged(label, async () => {
							const response = await client(who).submit(target, action.fields(world));
							const text = await response.text();
							expectRefused(who, response, label);
							expect(leaked(text, secretsFrom(who)), label).toEqual([]);
						});
					} else if (action.invalid) {
						const invalid = action.invalid(world);
						await unchanged(label, async () => {
							const response = await client(who).submit(target, invalid);
							const expected = action.invalidStatus?.[who] ?? 400;
							expect(response.status, `${label} gets past authorization`).toBe(expected);
						});
					}
				}
			});
		}
	}
});

function allowedButNotSent(access: Access, who: Who, method: string, hasInvalid: boolean) {
	return access[who] === 'allow' && method !== 'GET' && !hasInvalid;
}

describe('endpoints', () => {
	for (const [id, rule] of Object.entries(endpoints)) {
		for (const [method, spec] of Object.entries(rule.methods)) {
			it(`${method} ${id}`, async () => {
				const url = rule.path(world);
				for (const who of WHO) {
					if (allowedButNotSent(spec.access, who, method, spec.invalid !== undefined)) continue;
					const label = `${who} ${method} ${url}`;
					const allowed = spec.access[who] === 'allow';
					const body = allowed ? spec.invalid : spec.body?.(world);
					await unchanged(label, async () => {
						const response = await client(who).request(url, {
							method,
							headers: {
								accept: 'application/json',
								origin: world.server.url,
								...(body !== undefined && { 'content-type': 'application/json' })
							},
							body: body === undefined ? undefined : JSON.stringify(body)
						});
						const text = await response.text();
						expect(leaked(text, secretsFrom(who)), label).toEqual([]);
						if (!allowed) expectRefused(who, response, label);
						else if (method === 'GET') expect(response.status, label).toBe(200);
						else expect(response.status, `${label} gets past authorization`).toBe(400);
					});
				}
			});
		}
	}
});
