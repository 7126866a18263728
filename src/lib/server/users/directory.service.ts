import type { Db } from '../db/client.ts';
import { containsText } from '../db/text-filter.ts';
import type { UserRef } from '#lib/shared/channels.ts';

/** The people in the workspace, for pickers (direct messages, invitations, sharing). */
export class DirectoryService {
	readonly #db: Db;

	constructor(db: Db) {
		this.#db = db;
	}

	async search(query: string, limit = 50): Promise<UserRef[]> {
		const q = query.trim();
		return this.#db.user.findMany({
			where: {
				status: 'active',
				...(q && {
					OR: [{ displayName: containsText(this.#db, q) }, { email: { contains: q.toLowerCase() } }]
				})
			},
			select: { id: true, displayName: true, avatarColor: true },
			orderBy: [{ displayName: 'asc' }, { id: 'asc' }],
			take: limit
		});
	}
}
