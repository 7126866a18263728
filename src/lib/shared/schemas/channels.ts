import * as v from 'valibot';
import { DM_MAX_MEMBERS } from '../channels.ts';

export const id = v.pipe(v.string('Expected an id.'), v.minLength(1), v.maxLength(64));
/** A seq or version cursor. Past 2^53 a number is no longer exact, and SQLite's integers end at 2^63. */
/** The largest seq or version a channel can reach: PostgreSQL's `integer`, what the columns are. */
const SEQ_MAX = 2_147_483_647;

export const seq = v.pipe(
	v.number(),
	v.safeInteger('Expected a whole number.'),
	v.minValue(0),
	v.maxValue(SEQ_MAX, `Expected at most ${SEQ_MAX}.`)
);

export const channelName = v.pipe(
	v.string('Name the channel.'),
	v.trim(),
	v.nonEmpty('Name the channel.'),
	v.maxLength(80, 'Use at most 80 characters.')
);
export const channelDescription = v.pipe(
	v.string(),
	v.trim(),
	v.maxLength(500, 'Use at most 500 characters.')
);

/** Message bodies are checked for emptiness and length by the service, with specific codes. */
export const messageBody = v.string('Write a message.');

export const createChannelSchema = v.object({
	kind: v.picklist(['public', 'private'], 'A channel is public or private.'),
	name: channelName,
	description: v.optional(channelDescription, ''),
	memberIds: v.optional(v.pipe(v.array(id), v.maxLength(500)), [])
});

/** The other people, or everyone including yourself; the service counts the distinct people. */
export const openDmSchema = v.object({
	userIds: v.pipe(
		v.array(id),
		v.minLength(1, 'Pick at least one person.'),
		v.maxLength(DM_MAX_MEMBERS, `A direct message has at most ${DM_MAX_MEMBERS} people.`)
	)
});

export const updateChannelSchema = v.object({
	channelId: id,
	name: v.optional(channelName),
	description: v.optional(channelDescription),
	archived: v.optional(v.boolean())
});

export const channelRef = v.object({ channelId: id });
export const membersChangeSchema = v.object({
	channelId: id,
	userIds: v.pipe(v.array(id), v.minLength(1), v.maxLength(500))
});
export const memberRemoveSchema = v.object({ channelId: id, userId: id });

export const historySchema = v.object({
	channelId: id,
	/** Messages with seq below this (older). */
	before: v.optional(seq),
	/** Messages with seq above this (newer). */
	after: v.optional(seq),
	limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200)), 50)
});

export const syncSchema = v.object({ channelId: id, since: seq });

export const sendMessageSchema = v.object({
	channelId: id,
	clientId: v.pipe(v.string('Expected a client id.'), v.minLength(8), v.maxLength(64)),
	body: messageBody,
	parentId: v.optional(v.nullable(id))
});
export const editMessageSchema = v.object({ messageId: id, body: messageBody });
export const messageRef = v.object({ messageId: id });
export const reactSchema = v.object({
	messageId: id,
	emoji: v.pipe(v.string('Pick an emoji.'), v.maxLength(64))
});
export const markReadSchema = v.object({ channelId: id, seq });
export const browseSchema = v.object({
	query: v.optional(v.pipe(v.string(), v.maxLength(80)), '')
});
export const presenceSchema = v.object({ state: v.picklist(['active', 'idle']) });
export const directorySchema = v.object({
	query: v.optional(v.pipe(v.string(), v.maxLength(80)), '')
});
