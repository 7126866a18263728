import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '#lib/shared/events.ts';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;

/**
 * How services reach connected clients. Services emit to rooms; they never touch sockets directly.
 * Before the Socket.IO server is attached (CLI, tests of a service alone) emits are dropped.
 */
export class RealtimeBus {
	#io: RealtimeServer | undefined;

	attach(io: RealtimeServer): void {
		this.#io = io;
	}

	get io(): RealtimeServer | undefined {
		return this.#io;
	}

	emit<E extends keyof ServerToClientEvents>(
		room: string,
		event: E,
		...args: Parameters<ServerToClientEvents[E]>
	): void {
		this.#io?.to(room).emit(event, ...args);
	}

	/** Emits to every connected socket. */
	broadcast<E extends keyof ServerToClientEvents>(
		event: E,
		...args: Parameters<ServerToClientEvents[E]>
	): void {
		this.#io?.emit(event, ...args);
	}

	/** Emits without buffering for disconnected clients (typing and other throwaway signals). */
	emitVolatile<E extends keyof ServerToClientEvents>(
		room: string,
		event: E,
		payload: Parameters<ServerToClientEvents[E]>[0],
		exceptSocketId?: string
	): void {
		if (!this.#io) return;
		const target = exceptSocketId ? this.#io.to(room).except(exceptSocketId) : this.#io.to(room);
		(target.volatile.emit as (event: E, payload: unknown) => void)(event, payload);
	}

	/** Makes every socket in `from` join (or leave) `room`, e.g. when a user gains or loses a role. */
	setMembership(from: string, room: string, member: boolean): void {
		if (!this.#io) return;
		if (member) this.#io.in(from).socketsJoin(room);
		else this.#io.in(from).socketsLeave(room);
	}

	/** Tells every socket in a room why, then disconnects them. */
	endSessions(
		room: string,
		reason: Parameters<ServerToClientEvents['session:ended']>[0]['reason']
	) {
		if (!this.#io) return;
		this.#io.to(room).emit('session:ended', { reason });
		this.#io.in(room).disconnectSockets(true);
	}
}
