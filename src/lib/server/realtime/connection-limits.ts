import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AppSocket } from './define.ts';

/** An Engine.IO connection: what a Socket.IO socket rides on, before and after signing in. */
type EngineConnection = AppSocket['conn'];

/**
 * Connections over the per-address cap that are still let in, only to be told why in a
 * `connect_error` (a browser cannot read the HTTP answer to a refused WebSocket upgrade) and then
 * closed. Beyond these, the upgrade itself is refused, so a flood holds nothing.
 */
export const REFUSAL_SLOTS = 10;

export interface ConnectionCaps {
	perAddress: number;
	perUser: number;
}

type Warn = (details: Record<string, unknown>, message: string) => void;

/** The key a connection is counted under, from its request headers and its TCP peer. */
export type AddressOf = (headers: IncomingHttpHeaders, peer: string | undefined) => string;

/**
 * Caps the sockets of one client address (Engine.IO connections, signed in or not, counted from
 * the moment they exist) and of one user (signed-in sockets over all their sessions and tokens).
 * Counts live in this process's memory.
 */
export class ConnectionLimits {
	readonly caps: ConnectionCaps;
	readonly #addressOf: AddressOf;
	readonly #warn: Warn;
	readonly #perAddress = new Map<string, number>();
	readonly #perUser = new Map<string, Set<string>>();
	readonly #overCap = new WeakSet<EngineConnection>();
	/** Addresses and users already reported as at their cap, so a flood logs one line. */
	readonly #reported = new Set<string>();
	/**
	 * One 'close' listener shared by every connection (EventEmitter calls it with the connection
	 * as `this`): a closure per connection would cost memory at 10k connections.
	 */
	readonly #onClose: (this: EngineConnection) => void;

	constructor(caps: ConnectionCaps, addressOf: AddressOf, warn: Warn) {
		this.caps = caps;
		this.#addressOf = addressOf;
		this.#warn = warn;
		const untrack = (conn: EngineConnection) => this.#untrack(conn);
		this.#onClose = function (this: EngineConnection) {
			untrack(this);
		};
	}

	/** Engine.IO's `allowRequest`: runs on the upgrade request, before any connection is held. */
	allowRequest(req: IncomingMessage, callback: (error: string | null, success: boolean) => void) {
		const address = this.#addressOf(req.headers, req.socket.remoteAddress);
		if ((this.#perAddress.get(address) ?? 0) >= this.caps.perAddress + REFUSAL_SLOTS) {
			return callback('Too many connections from this address.', false);
		}
		callback(null, true);
	}

	/** Counts a new Engine.IO connection against its address until it closes. */
	track(conn: EngineConnection): void {
		const address = this.#addressOf(conn.request.headers, conn.remoteAddress);
		const count = (this.#perAddress.get(address) ?? 0) + 1;
		this.#perAddress.set(address, count);
		if (count > this.caps.perAddress) {
			this.#overCap.add(conn);
			this.#report(`address ${address}`, { address, cap: this.caps.perAddress });
		}
		conn.on('close', this.#onClose);
	}

	#untrack(conn: EngineConnection): void {
		// The same headers and the peer address Engine.IO kept: the same key as when it opened.
		const address = this.#addressOf(conn.request.headers, conn.remoteAddress);
		const left = (this.#perAddress.get(address) ?? 1) - 1;
		if (left > 0) this.#perAddress.set(address, left);
		else this.#perAddress.delete(address);
		if (left < this.caps.perAddress) this.#reported.delete(`address ${address}`);
	}

	/** Whether the connection came in over its address's cap: refuse it, saying why. */
	overAddressCap(conn: EngineConnection): boolean {
		return this.#overCap.has(conn);
	}

	/**
	 * Takes one of the user's slots for a socket; false when they are all taken. Synchronous, so
	 * handshakes that run side by side cannot all pass the check before any of them counts. Call it
	 * right before the handshake's `next()`, and `release` on the socket's disconnect.
	 */
	acquire(userId: string, socketId: string): boolean {
		let sockets = this.#perUser.get(userId);
		if (!sockets) {
			sockets = new Set();
			this.#perUser.set(userId, sockets);
		}
		if (sockets.size >= this.caps.perUser) {
			this.#report(`user ${userId}`, { userId, cap: this.caps.perUser });
			return false;
		}
		sockets.add(socketId);
		return true;
	}

	/** Gives a socket's slot back; safe to call more than once, and for a socket that took none. */
	release(userId: string, socketId: string): void {
		const sockets = this.#perUser.get(userId);
		if (!sockets?.delete(socketId)) return;
		if (sockets.size === 0) this.#perUser.delete(userId);
		if (sockets.size < this.caps.perUser) this.#reported.delete(`user ${userId}`);
	}

	#report(key: string, details: Record<string, unknown>): void {
		if (this.#reported.has(key)) return;
		this.#reported.add(key);
		this.#warn(details, 'socket connections refused: cap reached');
	}
}
