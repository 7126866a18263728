import { defineHandlers } from '../define.ts';

/** Volatile signals: typing and presence. Nothing here is stored. */
export const presenceHandlers = defineHandlers({
	'channel:typing': async ({ app, user, socket }, { channelId }) => {
		await app.typing.typing(await user(), channelId, socket.id);
		return {};
	},
	'presence:set': async ({ app, socket, userId }, { state }) => {
		app.presence.setState(userId, socket.id, state);
		return {};
	},
	'presence:list': async ({ app }) => ({ users: app.presence.snapshot() })
});
