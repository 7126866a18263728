/**
 * One fixture kit for the integration suites, in the spirit of Hocuspocus's `newHocuspocus()`: a
 * real server on a free port and a fresh database of the suite's kind, plus the users, sockets,
 * fakes and database connections a suite makes on it, all owned by the kit so that one `dispose()`
 * ends every one of them. `useParley()` registers that pair of hooks itself:
 *
 * ```ts
 * let ana: TestUser;
 * const server = useParley({ env: RELAXED_LIMITS }, async (kit) => {
 * 	ana = await kit.user('Ana');
 * });
 * ```
 *
 * The kit is a `TestServer` too (it forwards to the process it runs now, a new one after
 * `restart()`), so `server.url`, `server.logs` and `withTestDb(server, …)` read as before.
 */
import { afterAll, beforeAll } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.ts';
import type { TestUser } from './channels.ts';
import { setUpProvider } from './chats.ts';
import { HttpClient, openSocket, sameSession, type Account, type TestSocket } from './client.ts';
import { openTestDb, type TestDb, type TestDialect } from './database.ts';
import { allowOutbound, disposeServer, startServer, type TestServer } from './server.ts';

/** Something the kit ends on `dispose()`: a fake server, a database connection… */
export interface Closeable {
	close(): unknown;
}

export interface ParleyOptions {
	/** The server's environment on top of startServer's defaults. */
	env?: Record<string, string>;
	/** Which database the server runs on: the suite's (PARLEY_TEST_DB) unless given. */
	db?: TestDialect;
	/** Starts a fake OpenAI-compatible provider (`kit.provider`) the server may reach. */
	fakeProvider?: true | Parameters<typeof startFakeOpenAI>[0];
	/** Fakes started for this server: allowed in OUTBOUND_ALLOW, and closed after the server. */
	fakes?: ({ url: string } & Closeable)[];
	/** More hosts the server may reach (URLs, or ports on 127.0.0.1), e.g. a port nothing serves. */
	allow?: (string | number)[];
}

/** Options, or a function that starts the suite's fakes first and returns them. */
export type ParleyOptionsInput = ParleyOptions | (() => ParleyOptions | Promise<ParleyOptions>);

export class Parley implements TestServer {
	#options: ParleyOptions = {};
	#env: Record<string, string> = {};
	#server: TestServer | undefined;
	#provider: FakeOpenAI | undefined;
	#db: Promise<TestDb> | undefined;
	/** Fakes, browsers, database connections: closed once the server has stopped, last first. */
	readonly #owned: Closeable[] = [];
	/** Sockets and other connections, closed before the server stops. */
	readonly #connections = new Set<Closeable>();
	/** Every account signed up through the kit, first (the admin) first. */
	readonly #accounts: Account[] = [];

	/** Starts the fakes asked for and the server. Once per kit; `newParley()` and `useParley()` call it. */
	async start(input: ParleyOptionsInput = {}): Promise<this> {
		if (this.#server) throw new Error('this kit has already started');
		this.#options = typeof input === 'function' ? await input() : input;
		const { fakes = [], allow = [], fakeProvider } = this.#options;
		this.#owned.push(...fakes);
		if (fakeProvider) {
			this.#provider = await startFakeOpenAI(fakeProvider === true ? {} : fakeProvider);
			this.#owned.push(this.#provider);
		}
		const hosts = [...fakes.map((fake) => fake.url), ...allow];
		if (this.#provider) hosts.push(this.#provider.url);
		this.#env = { ...this.#options.env };
		if (hosts.length) {
			const listed = this.#env.OUTBOUND_ALLOW ? [this.#env.OUTBOUND_ALLOW] : [];
			const { OUTBOUND_ALLOW } = allowOutbound(...hosts);
			this.#env.OUTBOUND_ALLOW = [...listed, OUTBOUND_ALLOW].join(',');
		}
		this.#server = await startServer({ env: this.#env, db: this.#options.db });
		return this;
	}

	/** The server process running now. */
	get server(): TestServer {
		if (!this.#server) throw new Error('the kit has not started: use it inside a test or a hook');
		return this.#server;
	}

	/** The fake OpenAI provider (`fakeProvider: true`). */
	get provider(): FakeOpenAI {
		if (!this.#provider) throw new Error('this kit has no fake provider: pass fakeProvider: true');
		return this.#provider;
	}

	/**
	 * Signs an account up (the first of the server is its admin; `name` is its display name) and
	 * connects a socket for it, which the kit disconnects on `dispose()`.
	 */
	async user(name = 'Test User', fields: { email?: string; password?: string } = {}) {
		const account = await this.account(name, fields);
		const user: TestUser = Object.assign(account, { socket: await this.socket(account.http) });
		return user;
	}

	/**
	 * Users by name: the first alone when the server has no account yet (so it is the admin), the
	 * rest at once.
	 */
	async users(...names: string[]): Promise<TestUser[]> {
		const first = this.#accounts.length ? [] : [await this.user(names[0])];
		const rest = await Promise.all(names.slice(first.length).map((name) => this.user(name)));
		return [...first, ...rest];
	}

	/** Signs an account up without a socket: for suites about HTTP, sessions and sign-in. */
	async account(name = 'Test User', fields: { email?: string; password?: string } = {}) {
		const http = new HttpClient(this.url);
		const { response, email, password } = await http.signUp({ ...fields, displayName: name });
		if (response.status !== 303) throw new Error(`sign-up failed with ${response.status}`);
		const me = await http.json<{ user: { id: string } }>('/api/v1/me');
		const account: Account = { http, id: me.body.user.id, name, email, password };
		this.#accounts.push(account);
		return account;
	}

	/** The server's first account, its admin (signed up as "Admin" if there is none yet). */
	async admin(): Promise<Account> {
		return this.#accounts[0] ?? (await this.account('Admin'));
	}

	/** An HTTP client with no session: a visitor, a script. */
	client(options: { origin?: string } = {}): HttpClient {
		return new HttpClient(this.url, options);
	}

	/** Opens a socket for a client (cookie or token) and waits until it is accepted; kept for dispose. */
	async socket(
		http: HttpClient,
		options: { token?: string; origin?: string | null } = {}
	): Promise<TestSocket> {
		return this.track(await openSocket(http, options));
	}

	/** Another socket (tab or device) for a signed-in account. */
	tab(account: Account): Promise<TestSocket> {
		return this.socket(account.http);
	}

	/**
	 * Adds the fake provider with `admin`'s session and enables its models; resolves with the default
	 * model's id.
	 */
	setUpProvider(admin: Account, apiKey = ''): Promise<string> {
		return setUpProvider(admin.http, this.provider.url, apiKey);
	}

	/** A connection to the server's database (one per kit, closed on `dispose()`). */
	db(): Promise<TestDb> {
		this.#db ??= openTestDb(this.databaseUrl).then((db) => this.own(db));
		return this.#db;
	}

	/** A connection opened elsewhere (a socket, a raw socket), closed before the server stops. */
	track<T extends Closeable>(connection: T): T {
		this.#connections.add(connection);
		return connection;
	}

	/** Hands something to the kit, which closes it on `dispose()` after the server stops. */
	own<T extends Closeable>(thing: T): T {
		this.#owned.push(thing);
		return thing;
	}

	/**
	 * Stops the server (SIGTERM, unless a test already stopped or killed it) and starts it again on
	 * the same data, with `env` on top of the first start's. Every account keeps its session on the
	 * new port, and every user gets a connected socket again; other connections are closed.
	 */
	async restart(env: Record<string, string> = {}): Promise<TestServer> {
		const { dataDir } = this.server;
		await this.server.stop();
		this.#closeConnections();
		this.#server = await startServer({
			env: { ...this.#env, ...env },
			dataDir,
			db: this.#options.db
		});
		for (const account of this.#accounts) {
			account.http = sameSession(account.http, this.url);
			if ('socket' in account) (account as TestUser).socket = await this.socket(account.http);
		}
		return this.#server;
	}

	/** Closes every connection, stops the server, deletes its data and closes what the kit owns. */
	async dispose(): Promise<void> {
		this.#closeConnections();
		const server = this.#server;
		this.#server = undefined;
		const errors: unknown[] = [];
		await disposeServer(server).catch((error: unknown) => errors.push(error));
		for (const thing of this.#owned.splice(0).reverse()) {
			await Promise.resolve(thing.close()).catch((error: unknown) => errors.push(error));
		}
		if (errors.length) throw new AggregateError(errors, 'the kit did not end cleanly');
	}

	#closeConnections(): void {
		for (const connection of this.#connections) connection.close();
		this.#connections.clear();
	}

	// TestServer, forwarded to the process running now.
	get url() {
		return this.server.url;
	}
	get databaseUrl() {
		return this.server.databaseUrl;
	}
	get port() {
		return this.server.port;
	}
	get dataDir() {
		return this.server.dataDir;
	}
	get process() {
		return this.server.process;
	}
	get logs() {
		return this.server.logs;
	}
	get exited() {
		return this.server.exited;
	}
	output(): string {
		return this.server.output();
	}
	stop(): Promise<number | null> {
		return this.server.stop();
	}
	kill(): Promise<void> {
		return this.server.kill();
	}
}

/** A started kit; end it with `dispose()`. */
export function newParley(options: ParleyOptionsInput = {}): Promise<Parley> {
	return new Parley().start(options);
}

/**
 * A kit for the whole file: started in `beforeAll` (then `setup` runs with it, to sign users up
 * and seed data) and disposed in `afterAll`, also when the start or the setup failed.
 */
export function useParley(
	options: ParleyOptionsInput = {},
	setup?: (kit: Parley) => Promise<void>,
	timeoutMs?: number
): Parley {
	const kit = new Parley();
	beforeAll(async () => {
		await kit.start(options);
		await setup?.(kit);
	}, timeoutMs);
	afterAll(() => kit.dispose());
	return kit;
}
