import { defineHandlers } from '../define.ts';

/** Channel lists, membership and settings. Thin: each handler calls one service method. */
export const channelHandlers = defineHandlers({
	'channels:list': async ({ app, user }) => ({
		channels: await app.channels.summaries.mine(await user())
	}),
	'channels:browse': async ({ app, user }, { query }) => ({
		channels: await app.channels.summaries.browse(await user(), query)
	}),
	'channel:create': async ({ app, user }, input) => app.channels.create(await user(), input),
	'dm:open': async ({ app, user }, { userIds }) => app.channels.openDm(await user(), userIds),
	'channel:update': async ({ app, user }, input) => app.channels.update(await user(), input),
	'channel:join': async ({ app, user }, { channelId }) =>
		app.channels.join(await user(), channelId),
	'channel:leave': async ({ app, user, userId }, { channelId }) => {
		await app.channels.removeMember(await user(), channelId, userId);
		return { channelId };
	},
	'channel:members': async ({ app, user }, { channelId }) => ({
		members: await app.channels.members(await user(), channelId)
	}),
	'channel:members:add': async ({ app, user }, { channelId, userIds }) => ({
		members: await app.channels.addMembers(await user(), channelId, userIds)
	}),
	'channel:members:remove': async ({ app, user }, { channelId, userId }) => {
		await app.channels.removeMember(await user(), channelId, userId);
		return { channelId };
	},
	'users:directory': async ({ app }, { query }) => ({ users: await app.directory.search(query) })
});
