import type * as v from 'valibot';
import type { App } from '../app.ts';
import type { Socket } from 'socket.io';
import type { PublicUser } from '#lib/shared/types.ts';
import {
	clientEvents,
	type ClientEventName,
	type ClientEventOutput,
	type ClientToServerEvents,
	type ServerToClientEvents,
	type SocketData
} from '#lib/shared/events.ts';

export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

/** What every socket event handler receives besides its validated payload. */
export interface EventContext {
	app: App;
	socket: AppSocket;
	userId: string;
	/** The signed-in user, loaded fresh for this event so role and status changes apply at once. */
	user(): Promise<PublicUser>;
}

export type EventHandler<E extends ClientEventName> = (
	ctx: EventContext,
	input: v.InferOutput<(typeof clientEvents)[E]['input']>
) => Promise<ClientEventOutput<E>>;

export type EventHandlers = { [E in ClientEventName]?: EventHandler<E> };

/** Groups the handlers of one domain; the transport registers them with validation and acks. */
export function defineHandlers<H extends EventHandlers>(handlers: H): H {
	return handlers;
}
