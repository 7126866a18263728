import type { JobContext } from './job-context.ts';
import { readPage, readUser, type Json, type RemoteUser } from './remote.ts';
import { loadKnownUsers, softDeleteUsers, writeUsers } from './store-users.ts';

/** Open WebUI's fixed page size for `/api/v1/users/`. */
export const USER_PAGE_SIZE = 30;

/** Deletions beyond this share of what is known are held back unless the run is full. */
const MASS_DELETE_SHARE = 0.5;
const MASS_DELETE_MIN = 10;
/** Full listings read at most, until every user the instance counts was seen. */
const MAX_PASSES = 3;

/**
 * Lists every page of users, passing each user once (by id) to `onPage`. Ordered by email, which
 * is unique: Open WebUI sorts `created_at` (whole seconds) with no tie-breaker, so users created
 * in the same second can swap places between page requests (PostgreSQL keeps no order within a
 * tie) and one can be skipped at a page boundary. When the users seen still fall short of the
 * instance's total (someone deleted mid-scan shifts the pages), the list is read again, up to
 * MAX_PASSES times. Resolves with whether every user the instance counts was seen.
 */
export async function listUsers(
	ctx: JobContext,
	onPage: (items: Json[], total: number | null) => Promise<void>
): Promise<boolean> {
	const ids = new Set<string>();
	let total: number | null;
	for (let pass = 0; pass < MAX_PASSES; pass++) {
		for (let page = 1; ; page++) {
			const body = await ctx.client.get('/api/v1/users/', {
				page,
				order_by: 'email',
				direction: 'asc'
			});
			const read = readPage(body, 'users', 'user');
			total = read.total;
			const fresh = read.items.filter((item) => {
				const id = String(item.id);
				if (ids.has(id)) return false;
				ids.add(id);
				return true;
			});
			if (fresh.length) await onPage(fresh, total);
			// An older version's bare list is everything at once.
			if (Array.isArray(body)) return true;
			// The end, or a server that ignores `page`.
			if (read.items.length < USER_PAGE_SIZE || !fresh.length) break;
			if (total !== null && page * USER_PAGE_SIZE >= total) break;
		}
		if (total === null || ids.size >= total) return true;
	}
	return false;
}

/**
 * Imports users, then marks those the instance no longer lists as deleted (with their chats).
 * Returns the remote user ids whose chats to sync.
 */
export async function syncUsers(ctx: JobContext): Promise<string[]> {
	const { db, instance, progress } = ctx;
	progress.state('users', 'running', 'Listing users');
	const known = await loadKnownUsers(db, instance.id);
	const listed = new Set<string>();
	let newestS = 0;
	let complete: boolean;
	try {
		complete = await listUsers(ctx, async (items, total) => {
			const users: RemoteUser[] = [];
			for (const item of items) {
				try {
					users.push(readUser(item));
				} catch (error) {
					ctx.fail('users', error, typeof item.id === 'string' ? item.id : undefined);
				}
			}
			for (const u of users) {
				listed.add(u.id);
				newestS = Math.max(newestS, u.updatedS ?? 0);
			}
			const counts = await ctx.write(() => writeUsers(db, instance.id, users, known, ctx.nowS));
			progress.count('users', counts);
			progress.step('users', { done: listed.size, total: total ?? null });
		});
	} catch (error) {
		ctx.fail('users', error);
		progress.state('users', 'failed', 'The user list could not be read to its end');
		// Without a complete list, sync the chats of every user known so far and delete nothing.
		for (const [id, user] of known) if (!user.deleted) listed.add(id);
		return [...listed];
	}

	const missing = [...known].filter(([id, u]) => !u.deleted && !listed.has(id)).map(([id]) => id);
	if (!complete) {
		progress.issue({
			entity: 'users',
			message: `The user list did not add up: ${listed.size} users seen after ${MAX_PASSES} readings, fewer than the instance counts; no user was marked deleted.`,
			warning: true
		});
		// The chats of users it may have skipped are synced too.
		for (const [id, user] of known) if (!user.deleted) listed.add(id);
	} else if (missing.length) {
		await deleteUsers(ctx, missing, known.size);
	}
	await ctx.marks.advance('users', '', newestS, ctx.nowS);
	progress.state('users', 'done');
	return [...listed];
}

async function deleteUsers(ctx: JobContext, missing: string[], knownCount: number): Promise<void> {
	const { progress } = ctx;
	// A user can be skipped when pages shift mid-scan (someone deleted): list again, and only
	// users absent from both listings are gone.
	const again = new Set<string>();
	await listUsers(ctx, async (items) => {
		for (const item of items) again.add(String(item.id));
	});
	const gone = missing.filter((id) => !again.has(id));
	if (!gone.length) return;
	if (!ctx.full && gone.length > Math.max(MASS_DELETE_MIN, knownCount * MASS_DELETE_SHARE)) {
		progress.issue({
			entity: 'users',
			message: `The instance no longer lists ${gone.length} of ${knownCount} imported users; they were not marked deleted in case the key lost access. Run a full sync to confirm the deletions.`
		});
		return;
	}
	const result = await ctx.write(() =>
		softDeleteUsers(ctx.db, ctx.instance.id, gone, ctx.startedAt)
	);
	for (const day of result.days) ctx.days.add(day);
	progress.count('users', { deleted: result.users });
	progress.count('chats', { deleted: result.chats });
	progress.count('messages', { deleted: result.messages });
}
