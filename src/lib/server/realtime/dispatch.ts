import * as v from 'valibot';
import type { BurstyRateLimiter } from 'rate-limiter-flexible';
import type { App } from '../app.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { AppError, expectedFailure, validationError } from '../errors.ts';
import { isPlainObject } from '../plain-object.ts';
import { clientEvents, type ClientEventName } from '#lib/shared/events.ts';
import type { Ack } from '#lib/shared/errors.ts';
import type { AppSocket, EventHandler, EventHandlers } from './define.ts';
import { withoutNul } from '../nul.ts';

/**
 * Registers handlers on a socket. For every event: rate limit (per user, over all their sockets),
 * validate the payload against the contract's schema, run the handler, and acknowledge
 * `{ ok, data | error }`. A handler that throws an unexpected error is logged and acknowledged as
 * `internal`; the process carries on.
 */
export function registerHandlers(
	app: App,
	socket: AppSocket,
	handlers: EventHandlers,
	/** The rate budget of each event, unknown ones included (note sync has its own, larger one). */
	limiterFor: (event: string) => BurstyRateLimiter
): void {
	// One listener per socket, not one per event: with dozens of events and thousands of sockets,
	// per-event closures would dominate each connection's memory.
	socket.onAny((event: string, ...args: unknown[]) => {
		// The ack is the last argument whenever the client asked for one, even if the payload is
		// missing or followed by extra arguments; those are then refused, not left unanswered.
		const ack = typeof args.at(-1) === 'function' ? args.pop() : undefined;
		const reply = ack ? (ack as (r: Ack<unknown>) => void) : () => {};
		void run(app, socket, String(event), handlers, args, limiterFor(String(event))).then(reply);
	});
}

async function run(
	app: App,
	socket: AppSocket,
	event: string,
	handlers: EventHandlers,
	args: unknown[],
	limiter: BurstyRateLimiter
): Promise<Ack<unknown>> {
	const userId = socket.data.userId;
	try {
		try {
			await limiter.consume(userId);
		} catch {
			throw new AppError('rate_limited', 'You are sending too fast. Slow down and try again.');
		}
		// An event nobody handles still gets an answer (after the budget, like any other), so a
		// client never waits on it forever.
		if (!Object.hasOwn(handlers, event)) {
			throw new AppError('bad_request', `Unknown event "${event}".`);
		}
		const name = event as ClientEventName;
		const handler = handlers[name] as EventHandler<ClientEventName>;
		if (args.length > 1) throw new AppError('validation', 'Send one payload object.');
		if (!isPlainObject(args[0])) {
			throw new AppError(
				'validation',
				'Send the payload as an object, not an array or a single value.'
			);
		}
		const parsed = v.safeParse(clientEvents[name].input, withoutNul(args[0]));
		if (!parsed.success) throw validationError(parsed.issues);
		const user = () => app.accounts.activeUser(socket.data);
		const data = await handler({ app, socket, userId, user }, parsed.output);
		return { ok: true, data };
	} catch (error) {
		const expected = expectedFailure(error);
		if (expected) return { ok: false, error: expected.toBody() };
		if (isDatabaseUnavailable(error)) {
			app.log.warn({ err: error, event, userId }, 'database unavailable');
			return {
				ok: false,
				error: {
					code: 'unavailable',
					message: 'The database is unavailable for a moment. Try again in a few seconds.'
				}
			};
		}
		app.log.error({ err: error, event, userId }, 'socket handler failed');
		return {
			ok: false,
			error: { code: 'internal', message: 'Something went wrong on the server.' }
		};
	}
}
