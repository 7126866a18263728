import { defineHandlers } from '../define.ts';

/** Reading, catching up and writing messages. */
export const messageHandlers = defineHandlers({
	'channel:history': async ({ app, user }, input) => app.reader.history(await user(), input),
	'channel:sync': async ({ app, user }, { channelId, since }) =>
		app.reader.changesSince(await user(), channelId, since),
	'thread:history': async ({ app, user }, { messageId }) =>
		app.reader.thread(await user(), messageId),
	'channel:read': async ({ app, user }, { channelId, seq }) =>
		app.reader.markRead(await user(), channelId, seq),
	'message:send': async ({ app, user }, input) => app.messages.send(await user(), input),
	'message:edit': async ({ app, user }, input) => app.messages.edit(await user(), input),
	'message:delete': async ({ app, user }, input) => app.messages.delete(await user(), input),
	'message:react': async ({ app, user }, input) => app.messages.react(await user(), input)
});
