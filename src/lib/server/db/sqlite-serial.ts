/**
 * Prisma's SQLite adapter runs everything on one connection and locks only transactions against
 * each other: a statement outside a transaction that runs while another request's interactive
 * transaction is open (between its awaits) lands inside it, reads its uncommitted rows, and is
 * rolled back with it, so an acknowledged write can vanish. This wrapper makes the connection take
 * one thing at a time: a statement, or a whole transaction from BEGIN to COMMIT or ROLLBACK.
 * (PostgreSQL gives every transaction a pooled connection of its own and needs none of this.)
 */
import type {
	SqlDriverAdapter,
	SqlQuery,
	SqlResultSet,
	Transaction
} from '@prisma/driver-adapter-utils';

/** A first-come, first-served lock. */
export class Lock {
	#tail: Promise<void> = Promise.resolve();

	/** Waits for the lock; call the returned function once to let the next one in. */
	acquire(): Promise<() => void> {
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		const before = this.#tail;
		this.#tail = before.then(() => held);
		return before.then(() => release);
	}

	async run<T>(work: () => Promise<T>): Promise<T> {
		const release = await this.acquire();
		try {
			return await work();
		} finally {
			release();
		}
	}
}

export class SerializedAdapter implements SqlDriverAdapter {
	readonly provider: SqlDriverAdapter['provider'];
	readonly adapterName: string;
	readonly inner: SqlDriverAdapter;
	readonly lock = new Lock();

	constructor(inner: SqlDriverAdapter) {
		this.inner = inner;
		this.provider = inner.provider;
		this.adapterName = inner.adapterName;
	}

	queryRaw(query: SqlQuery): Promise<SqlResultSet> {
		return this.lock.run(() => this.inner.queryRaw(query));
	}

	executeRaw(query: SqlQuery): Promise<number> {
		return this.lock.run(() => this.inner.executeRaw(query));
	}

	executeScript(script: string): Promise<void> {
		return this.lock.run(() => this.inner.executeScript(script));
	}

	/** The lock is held from BEGIN until the transaction's commit() or rollback(). */
	async startTransaction(...args: Parameters<SqlDriverAdapter['startTransaction']>) {
		const release = await this.lock.acquire();
		try {
			return releasing(await this.inner.startTransaction(...args), release);
		} catch (error) {
			release();
			throw error;
		}
	}

	getConnectionInfo() {
		return this.inner.getConnectionInfo?.() ?? { supportsRelationJoins: false };
	}

	dispose(): Promise<void> {
		return this.inner.dispose();
	}
}

function releasing(transaction: Transaction, release: () => void): Transaction {
	const end = async (finish: () => Promise<void>) => {
		try {
			await finish();
		} finally {
			release();
		}
	};
	return {
		provider: transaction.provider,
		adapterName: transaction.adapterName,
		options: transaction.options,
		queryRaw: (query) => transaction.queryRaw(query),
		executeRaw: (query) => transaction.executeRaw(query),
		createSavepoint: transaction.createSavepoint?.bind(transaction),
		rollbackToSavepoint: transaction.rollbackToSavepoint?.bind(transaction),
		releaseSavepoint: transaction.releaseSavepoint?.bind(transaction),
		commit: () => end(() => transaction.commit()),
		rollback: () => end(() => transaction.rollback())
	};
}
