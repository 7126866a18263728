import { ChannelSync } from '#lib/client/channels/channel-sync.ts';
import type { MemberDto, MessageDto } from '#lib/shared/channels.ts';
import { connected, type TestSocket } from './client.ts';
import { ok, type TestUser } from './channels.ts';
import { socketTransport } from './transport.ts';

/** A channel's full state in a comparable form: every message, every thread, members, settings. */
export interface ChannelState {
	top: MessageDto[];
	/** Every top-level message's replies, keyed by its id. */
	replies: Record<string, MessageDto[]>;
	members: MemberDto[];
	meta: { name: string; description: string; archived: boolean };
}

const byUserId = (a: MemberDto, b: MemberDto) => a.user.id.localeCompare(b.user.id);

/**
 * Opens the browser's ChannelSync for a channel over a test socket, seeded the way the UI is: the
 * newest page of history, then the member list and the channel's settings (read after the page, so
 * catching up from the page's cursor can only repeat rows, never miss one).
 */
export async function openSync(
	socket: TestSocket,
	channelId: string,
	limit = 200
): Promise<ChannelSync> {
	const sync = new ChannelSync(channelId, socketTransport(socket));
	await sync.open(limit);
	if (sync.error) throw new Error(`open failed: ${sync.error.code}`);
	const { members } = await ok(socket, 'channel:members', { channelId });
	const summary = (await ok(socket, 'channels:list', {})).channels.find((c) => c.id === channelId);
	if (!summary) throw new Error('channel missing from the list');
	const { name, description, archived, version } = summary;
	sync.timeline.apply(
		{
			channelId,
			version: 0,
			messages: [],
			members,
			channel: { name, description, archived, version }
		},
		'catch-up'
	);
	return sync;
}

/** Loads everything older than the loaded window, then returns what the client holds. */
export async function clientState(sync: ChannelSync): Promise<ChannelState> {
	while (sync.timeline.hasMoreBefore) await sync.loadOlder(200);
	const { timeline } = sync;
	const top = timeline.topLevel();
	const replies: Record<string, MessageDto[]> = {};
	for (const m of top) replies[m.id] = timeline.replies(m.id);
	const orphans = [...timeline.messages.values()].filter(
		(m) => m.parentId !== null && !(m.parentId in replies)
	);
	if (orphans.length) throw new Error(`${orphans.length} replies without a known thread root`);
	const meta = timeline.meta;
	if (!meta) throw new Error('the client has no channel settings');
	return {
		top,
		replies,
		members: timeline.activeMembers().sort(byUserId),
		meta: { name: meta.name, description: meta.description, archived: meta.archived }
	};
}

/** The server's state of a channel, read by `user` over a fresh socket. */
export async function serverState(user: TestUser, channelId: string): Promise<ChannelState> {
	const socket = user.http.socket();
	await connected(socket);
	try {
		const top: MessageDto[] = [];
		let before: number | undefined;
		for (;;) {
			const page = await ok(socket, 'channel:history', { channelId, before, limit: 200 });
			top.unshift(...page.messages);
			if (!page.hasMoreBefore) break;
			before = page.messages[0].seq;
		}
		const replies: Record<string, MessageDto[]> = {};
		for (const m of top) {
			replies[m.id] = (await ok(socket, 'thread:history', { messageId: m.id })).replies;
		}
		const { members } = await ok(socket, 'channel:members', { channelId });
		const summary = (await ok(socket, 'channels:list', {})).channels.find(
			(c) => c.id === channelId
		);
		if (!summary) throw new Error('channel missing from the list');
		return {
			top,
			replies,
			members: members.sort(byUserId),
			meta: { name: summary.name, description: summary.description, archived: summary.archived }
		};
	} finally {
		socket.disconnect();
	}
}
