/** Machine-readable error codes shared by REST responses and socket acknowledgements. */
export type ErrorCode =
	| 'bad_request'
	| 'validation'
	| 'unauthorized'
	| 'forbidden'
	| 'not_found'
	| 'conflict'
	| 'rate_limited'
	| 'payload_too_large'
	| 'method_not_allowed'
	| 'internal'
	/** The database cannot be reached right now (restarting, failing over): retry shortly. */
	| 'unavailable'
	// channels
	| 'empty_message'
	| 'message_too_long'
	| 'unknown_emoji'
	| 'message_deleted'
	| 'wrong_channel'
	| 'nested_thread'
	| 'channel_archived'
	// AI chats
	| 'empty_prompt'
	| 'prompt_too_long'
	| 'model_unavailable'
	| 'too_many_streams'
	| 'not_streaming'
	// notes
	| 'read_only'
	| 'not_joined'
	| 'malformed_update'
	| 'out_of_sync'
	| 'document_too_large';

/**
 * Why the server refused a Socket.IO handshake: `data.code` of the client's `connect_error`
 * (docs/protocol.md, "Socket.IO").
 */
export type HandshakeErrorCode =
	'bad_origin' | 'unauthorized' | 'forbidden' | 'too_many_connections' | 'unavailable' | 'internal';

export interface ErrorBody {
	code: ErrorCode;
	message: string;
	/** Per-field messages for validation errors, keyed by field name. */
	fields?: Record<string, string>;
}

/** Every socket acknowledgement has this shape. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
