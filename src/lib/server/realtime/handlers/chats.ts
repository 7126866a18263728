import { defineHandlers } from '../define.ts';

/** AI chats: each handler calls one ChatService or ChatMessageService method for the signed-in user. */
export const chatHandlers = defineHandlers({
	'models:list': async ({ app }) => app.providers.options(),
	'chats:list': async ({ app, user }) => ({ chats: await app.chats.list(await user()) }),
	'chat:create': async ({ app, user }, input) => app.chats.create(await user(), input),
	'chat:open': async ({ app, user }, { chatId }) => app.chats.open(await user(), chatId),
	'chat:update': async ({ app, user }, input) => app.chats.update(await user(), input),
	'chat:delete': async ({ app, user }, { chatId }) => {
		await app.chats.remove(await user(), chatId);
		return { chatId };
	},
	'chat:send': async ({ app, user }, input) => app.chatMessages.send(await user(), input),
	'chat:edit': async ({ app, user }, input) => app.chatMessages.edit(await user(), input),
	'chat:regenerate': async ({ app, user }, input) =>
		app.chatMessages.regenerate(await user(), input),
	'chat:continue': async ({ app, user }, { messageId }) =>
		app.chatMessages.continue(await user(), messageId),
	'chat:stop': async ({ app, user }, { messageId }) =>
		app.chatMessages.stop(await user(), messageId),
	'chat:switch': async ({ app, user }, input) => app.chats.switchBranch(await user(), input)
});
