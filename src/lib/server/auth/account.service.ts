import type { SqlDb } from '../db/adapter-sql.ts';
import { type Db, Prisma } from '../db/client.ts';
import { isWriteConflict } from '../db/conflict.ts';
import { containsText } from '../db/text-filter.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import type { Role, UserStatus } from '#lib/shared/schemas/auth.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.ts';
import type { ApiTokenService } from './api-token.service.ts';
import type { AuthLimits } from './auth-limits.ts';
import type { SessionService, SessionInfo } from './session.service.ts';
import type { SettingsService } from './settings.service.ts';
import { publicUserSelect, toPublicUser } from './user-row.ts';
import { credentialUser, type CredentialUserRow } from './credential-sql.ts';

const AVATAR_COLORS = ['#6366f1', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#ec4899', '#8b5cf6'];

export interface SignedIn {
	user: PublicUser;
	token: string;
	session: SessionInfo;
}

/** Accounts: sign-up, sign-in, profile and password, and what admins do to other accounts. */
export class AccountService {
	readonly #db: Db;
	readonly #sql: SqlDb;
	readonly #bus: RealtimeBus;
	readonly #sessions: SessionService;
	readonly #settings: SettingsService;
	readonly #limits: AuthLimits;
	readonly #apiTokens: ApiTokenService;

	constructor(deps: {
		db: Db;
		sql: SqlDb;
		bus: RealtimeBus;
		sessions: SessionService;
		settings: SettingsService;
		limits: AuthLimits;
		apiTokens: ApiTokenService;
	}) {
		this.#db = deps.db;
		this.#sql = deps.sql;
		this.#bus = deps.bus;
		this.#sessions = deps.sessions;
		this.#settings = deps.settings;
		this.#limits = deps.limits;
		this.#apiTokens = deps.apiTokens;
	}

	/**
	 * Creates an account and signs it in. The first account becomes the admin. Rate limited per IP;
	 * the password is hashed before the email is looked up, so a taken email answers no faster.
	 */
	async signUp(
		input: { email: string; displayName: string; password: string },
		ip: string
	): Promise<SignedIn> {
		await this.#limits.checkSignup(ip);
		const passwordHash = await hashPassword(input.password);
		const { requireApproval } = await this.#settings.get();
		const user = await this.#createAccount({ ...input, passwordHash }, requireApproval);
		const { token, session } = await this.#sessions.create(user.id);
		return { user: toPublicUser(user), token, session };
	}

	/**
	 * The first account becomes the admin. Serializable, so two sign-ups racing on an empty
	 * database cannot both see it empty: on PostgreSQL (where transactions really overlap) one of
	 * them fails with a write conflict and runs again; SQLite serializes writers anyway. A
	 * unique-violation aborts PostgreSQL's transaction, so the taken email is answered out here.
	 */
	async #createAccount(
		input: { email: string; displayName: string; passwordHash: string },
		requireApproval: boolean
	) {
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.#db.$transaction(
					async (tx) => {
						const taken = await tx.user.findUnique({
							where: { email: input.email },
							select: { id: true }
						});
						if (taken) emailTaken();
						const first = (await tx.user.count()) === 0;
						return tx.user.create({
							data: {
								email: input.email,
								displayName: input.displayName,
								passwordHash: input.passwordHash,
								avatarColor: AVATAR_COLORS[Math.floor(Math.random() * AVATAR_COLORS.length)],
								role: first ? 'admin' : 'user',
								status: first || !requireApproval ? 'active' : 'pending'
							},
							select: publicUserSelect
						});
					},
					{ isolationLevel: Prisma.TransactionIsolationLevel.Serializable }
				);
			} catch (error) {
				if (isPrismaError(error, 'P2002')) emailTaken();
				if (isWriteConflict(error) && attempt < SIGNUP_ATTEMPTS) {
					// A moment's jitter, so the losers do not collide again in lockstep.
					await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
					continue;
				}
				throw error;
			}
		}
	}

	/** Checks a password (rate limited per IP and per account) and opens a session. */
	async logIn(input: { email: string; password: string }, ip: string): Promise<SignedIn> {
		await this.#limits.checkLogin(ip, input.email);
		const row = await this.#db.user.findUnique({ where: { email: input.email } });
		const valid = await verifyPassword(
			row?.passwordHash ?? (await dummyPasswordHash()),
			input.password
		);
		if (!row || !valid) {
			await this.#limits.loginFailed(input.email);
			throw new AppError('unauthorized', 'Incorrect email or password.');
		}
		await this.#limits.loginSucceeded(input.email);
		if (row.status === 'deactivated') {
			throw new AppError(
				'forbidden',
				'This account has been deactivated. Ask an admin to restore it.'
			);
		}
		const { token, session } = await this.#sessions.create(row.id);
		return { user: toPublicUser(row), token, session };
	}

	async updateProfile(userId: string, input: { displayName: string; avatarColor: string }) {
		const user = toPublicUser(
			await this.#db.user.update({ where: { id: userId }, data: input, select: publicUserSelect })
		);
		this.#bus.emit(rooms.user(userId), 'user:updated', user);
		return user;
	}

	/**
	 * Changes the password and ends every other session with its sockets; the caller keeps
	 * `currentSessionId`. With `revokeApiTokens` the user's API tokens end too, with their sockets.
	 * Wrong current passwords are limited per account.
	 */
	async changePassword(
		userId: string,
		input: { currentPassword: string; newPassword: string; revokeApiTokens: boolean },
		currentSessionId?: string
	): Promise<{ revokedTokens: number }> {
		await this.#limits.checkPasswordChange(userId);
		const row = await this.#db.user.findUniqueOrThrow({ where: { id: userId } });
		if (!(await verifyPassword(row.passwordHash, input.currentPassword))) {
			await this.#limits.passwordChangeFailed(userId);
			throw new AppError('validation', 'Your current password is incorrect.', {
				fields: { currentPassword: 'Your current password is incorrect.' }
			});
		}
		await this.#limits.passwordChangeSucceeded(userId);
		await this.#db.user.update({
			where: { id: userId },
			data: { passwordHash: await hashPassword(input.newPassword) }
		});
		await this.#sessions.invalidateAllForUser(userId, 'password_changed', currentSessionId);
		const revokedTokens = input.revokeApiTokens
			? await this.#apiTokens.revokeAll(userId, 'password_changed')
			: 0;
		return { revokedTokens };
	}

	/** Whether nobody has signed up yet (the first account becomes the admin). */
	async isFirstRun(): Promise<boolean> {
		return (await this.#db.user.findFirst({ select: { id: true } })) === null;
	}

	/**
	 * The account as it is now, for a socket event authenticated earlier (a socket lives for hours):
	 * refused once the account is no longer active, or the session or token the socket signed in
	 * with has ended (whichever process ended it). One indexed statement per event.
	 */
	async activeUser(credential: {
		userId: string;
		sessionId: string | null;
		tokenId: string | null;
	}): Promise<PublicUser> {
		const row = await this.#sql.get<CredentialUserRow>(credentialUser(credential, new Date()));
		if (!row || row.status !== 'active') {
			throw new AppError('unauthorized', 'Your account is no longer active.');
		}
		if (!row.stands) throw new AppError('unauthorized', 'You were signed out. Sign in again.');
		return toPublicUser(row);
	}

	/** Accounts waiting for an admin's approval. */
	pendingCount(): Promise<number> {
		return this.#db.user.count({ where: { status: 'pending' } });
	}

	async listUsers(filter: { query?: string; page?: number; pageSize?: number }) {
		const pageSize = filter.pageSize ?? 50;
		const page = Math.max(1, filter.page ?? 1);
		const q = filter.query?.trim();
		const where = q
			? {
					OR: [{ email: { contains: q.toLowerCase() } }, { displayName: containsText(this.#db, q) }]
				}
			: {};
		const [rows, total] = await Promise.all([
			this.#db.user.findMany({
				where,
				select: { ...publicUserSelect, createdAt: true },
				orderBy: [{ status: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
				skip: (page - 1) * pageSize,
				take: pageSize
			}),
			this.#db.user.count({ where })
		]);
		return {
			users: rows.map((r) => ({ ...toPublicUser(r), createdAt: r.createdAt.toISOString() })),
			total,
			page,
			pageSize
		};
	}

	/** Admin: change a user's role or status. Deactivation ends their sessions and sockets at once. */
	async updateUser(
		actor: PublicUser,
		userId: string,
		changes: { role?: Role; status?: UserStatus }
	): Promise<PublicUser> {
		if (actor.role !== 'admin') throw new AppError('forbidden', 'Only admins can change accounts.');
		const target = await this.#db.user.findUnique({ where: { id: userId } });
		if (!target) throw new AppError('not_found', 'No such user.');
		const losesAdmin =
			target.role === 'admin' &&
			((changes.role && changes.role !== 'admin') ||
				(changes.status && changes.status !== 'active'));
		if (losesAdmin) {
			const admins = await this.#db.user.count({ where: { role: 'admin', status: 'active' } });
			if (admins <= 1) {
				throw new AppError('conflict', 'Parley needs at least one active admin.');
			}
		}
		const user = toPublicUser(
			await this.#db.user.update({ where: { id: userId }, data: changes, select: publicUserSelect })
		);
		if (user.status === 'deactivated') {
			// Sessions and API tokens end for good; reactivation means signing in and issuing tokens anew.
			await this.#db.session.deleteMany({ where: { userId } });
			await this.#db.apiToken.deleteMany({ where: { userId } });
			this.#bus.endSessions(rooms.user(userId), 'deactivated');
		} else if (user.status === 'pending') {
			// Back to the waiting page: sessions stay, but no realtime access until approved.
			this.#bus.endSessions(rooms.user(userId), 'pending_approval');
		} else {
			this.#bus.setMembership(rooms.user(userId), rooms.admin, user.role === 'admin');
			this.#bus.emit(rooms.user(userId), 'user:updated', user);
		}
		return user;
	}
}

/** Tries of a sign-up that lost a write conflict to another (PostgreSQL). */
const SIGNUP_ATTEMPTS = 10;

function emailTaken(): never {
	throw new AppError('conflict', 'An account with this email already exists.', {
		fields: { email: 'An account with this email already exists.' }
	});
}

function isPrismaError(error: unknown, code: string): boolean {
	return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}
