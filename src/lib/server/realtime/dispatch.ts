import * as v from 'valibot';
import type { BurstyRateLimiter } from 'rate-limiter-flexible';
import type { App } from '../app.ts';
import { AppError, validationError } from '../errors.ts';
import { clientEvents, type ClientEventName } from '#lib/shared/events.ts';
import type { Ack } from '#lib/shared/errors.ts';
import type { AppSocket, EventHandler, EventHandlers } from './define.ts';
import { publicUserSelect, toPublicUser } from '../auth/user-row.ts';
import type { PublicUser } from '#lib/shared/types.ts';

async function currentUser(app: App, userId: string): Promise<PublicUser> {
	const row = await app.db.user.findUnique({ where: { id: userId }, select: publicUserSelect });
	if (!row || row.status !== 'active') {
		throw new AppError('unauthorized', 'Your account is no longer active.');
	}
	return toPublicUser(row);
}

/**
 * Registers handlers on a socket. For every event: rate limit, validate the payload against the
 * contract's schema, run the handler, and acknowledge `{ ok, data | error }`. A handler that throws
 * an unexpected error is logged and acknowledged as `internal`; the process carries on.
 */
export function registerHandlers(
	app: App,
	socket: AppSocket,
	handlers: EventHandlers,
	/** The rate budget of each event (note sync has its own, larger one). */
	limiterFor: (event: ClientEventName) => BurstyRateLimiter
): void {
	// One listener per socket, not one per event: with dozens of events and thousands of sockets,
	// per-event closures would dominate each connection's memory.
	socket.onAny((event: string, ...args: unknown[]) => {
		// The ack is the last argument whenever the client asked for one, even if the payload is
		// missing or followed by extra arguments; those are then refused, not left unanswered.
		const ack = typeof args.at(-1) === 'function' ? args.pop() : undefined;
		const reply = ack ? (ack as (r: Ack<unknown>) => void) : () => {};
		if (!Object.hasOwn(handlers, event)) {
			// An event nobody handles still gets an answer, so a client never waits on it forever.
			reply({ ok: false, error: { code: 'bad_request', message: `Unknown event "${event}".` } });
			return;
		}
		const name = event as ClientEventName;
		const handler = handlers[name] as EventHandler<ClientEventName>;
		void run(app, socket, name, handler, args, limiterFor(name)).then(reply);
	});
}

async function run(
	app: App,
	socket: AppSocket,
	name: ClientEventName,
	handler: EventHandler<ClientEventName>,
	args: unknown[],
	limiter: BurstyRateLimiter
): Promise<Ack<unknown>> {
	try {
		try {
			await limiter.consume(socket.id);
		} catch {
			throw new AppError('rate_limited', 'You are sending too fast. Slow down and try again.');
		}
		if (args.length > 1) throw new AppError('validation', 'Send one payload object.');
		const parsed = v.safeParse(clientEvents[name].input, args[0]);
		if (!parsed.success) throw validationError(parsed.issues);
		const userId = socket.data.userId;
		const user = () => currentUser(app, userId);
		const data = await handler({ app, socket, userId, user }, parsed.output);
		return { ok: true, data };
	} catch (error) {
		if (AppError.is(error)) return { ok: false, error: error.toBody() };
		app.log.error({ err: error, event: name, userId: socket.data.userId }, 'socket handler failed');
		return {
			ok: false,
			error: { code: 'internal', message: 'Something went wrong on the server.' }
		};
	}
}
