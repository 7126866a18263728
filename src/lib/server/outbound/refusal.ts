/** Why the outbound guard would not send a request. */
export type RefusalReason = 'blocked' | 'scheme' | 'credentials' | 'redirects' | 'bad_url';

/**
 * A request the outbound guard refused before any byte reached the target. The message is for an
 * admin and names OUTBOUND_ALLOW when the operator could allow the address.
 */
export class OutboundRefusal extends Error {
	readonly reason: RefusalReason;
	/** For `blocked`: whether listing it in OUTBOUND_ALLOW would let it through. */
	readonly allowable: boolean;

	constructor(reason: RefusalReason, message: string, extra: { allowable?: boolean } = {}) {
		super(message);
		this.name = 'OutboundRefusal';
		this.reason = reason;
		this.allowable = extra.allowable ?? false;
	}
}

/** The refusal behind a failed fetch (undici wraps connector errors as `cause`), if any. */
export function refusalOf(error: unknown): OutboundRefusal | null {
	for (let e = error, depth = 0; e && depth < 4; depth++) {
		if (e instanceof OutboundRefusal) return e;
		e = (e as { cause?: unknown }).cause;
	}
	return null;
}
