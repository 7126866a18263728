import * as v from 'valibot';
import { id } from './channels.ts';

const title = v.pipe(v.string(), v.trim(), v.nonEmpty('Give the chat a title.'), v.maxLength(120));
const systemPrompt = v.pipe(
	v.string(),
	v.maxLength(8000, 'Keep the system prompt under 8,000 characters.')
);
/** Length and emptiness are checked by the service against the configured limit. */
const prompt = v.string('Write a message.');
const clientId = v.pipe(v.string(), v.minLength(8), v.maxLength(64));

export const chatRef = v.object({ chatId: id });
export const chatMessageRef = v.object({ messageId: id });
export const createChatSchema = v.object({
	modelId: v.optional(v.nullable(id)),
	systemPrompt: v.optional(systemPrompt, ''),
	title: v.optional(title)
});
export const sendChatSchema = v.object({
	chatId: id,
	content: prompt,
	/** The message to answer after: the current leaf, or null for the first message. */
	parentId: v.nullable(id),
	clientId,
	modelId: v.optional(id)
});
export const editChatMessageSchema = v.object({ messageId: id, content: prompt, clientId });
export const regenerateSchema = v.object({ messageId: id, modelId: v.optional(id) });
export const switchBranchSchema = v.object({ chatId: id, messageId: id });
export const updateChatSchema = v.object({
	chatId: id,
	title: v.optional(title),
	pinned: v.optional(v.boolean()),
	systemPrompt: v.optional(systemPrompt),
	modelId: v.optional(v.nullable(id))
});
