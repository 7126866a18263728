import type { ClientEventName } from '#lib/shared/events.ts';
import * as Y from 'yjs';
import { encodeStep1 } from '#lib/shared/note-sync.ts';
import type { World } from './world.ts';
import type { Cell } from './routes.ts';

/**
 * What Mallory (a member) and the admin may do with each socket event when it names Olive's things.
 * Anonymous and pending callers never get a socket (checked once, for every event, by the handshake).
 * Refused cells are sent and must change nothing; allowed reads are sent and must leak nothing;
 * allowed writes (`write`) are not sent: they would change the world the other cells rely on.
 */
export interface EventRule {
	member: Cell;
	admin: Cell;
	write?: boolean;
	payload: (w: World, who: 'member' | 'admin') => unknown;
}

const read = (member: Cell, admin: Cell, payload: EventRule['payload']): EventRule => ({
	member,
	admin,
	payload
});
const write = (member: Cell, admin: Cell, payload: EventRule['payload']): EventRule => ({
	member,
	admin,
	write: true,
	payload
});
const both = (cell: Cell) => [cell, cell] as const;

const privateChannel = (w: World) => ({ channelId: w.ids.privateChannel });
const privateNote = (w: World) => ({ noteId: w.ids.privateNote });
const chat = (w: World) => ({ chatId: w.ids.chat });
const answer = (w: World) => ({ messageId: w.ids.chatAnswer });

export const events: Record<ClientEventName, EventRule> = {
	ping: read(...both('allow'), () => ({ nonce: 'authz' })),

	'channels:list': read(...both('allow'), () => ({})),
	'channels:browse': read(...both('allow'), () => ({})),
	'channel:create': write(...both('allow'), () => ({ kind: 'public', name: 'mine' })),
	'dm:open': write(...both('allow'), (w) => ({ userIds: [w.olive.id] })),
	'channel:update': write('deny', 'allow', (w) => ({ ...privateChannel(w), name: 'renamed' })),
	'channel:join': read(...both('deny'), privateChannel),
	'channel:leave': read(...both('deny'), privateChannel),
	'channel:members': read('deny', 'allow', privateChannel),
	'channel:members:add': write('deny', 'allow', (w) => ({
		...privateChannel(w),
		userIds: [w.mallory.id]
	})),
	'channel:members:remove': write('deny', 'allow', (w) => ({
		...privateChannel(w),
		userId: w.olive.id
	})),
	'users:directory': read(...both('allow'), () => ({ query: '' })),

	'channel:history': read(...both('deny'), privateChannel),
	'channel:sync': read(...both('deny'), (w) => ({ ...privateChannel(w), since: 0 })),
	'thread:history': read(...both('deny'), (w) => ({ messageId: w.ids.privateMessage })),
	'channel:read': read(...both('deny'), (w) => ({ ...privateChannel(w), seq: 1 })),

	'message:send': read(...both('deny'), (w) => ({
		...privateChannel(w),
		clientId: 'authz-matrix-client',
		body: 'sneaky'
	})),
	'message:edit': read(...both('deny'), (w) => ({
		messageId: w.ids.publicMessage,
		body: 'edited by someone else'
	})),
	'message:delete': write('deny', 'allow', (w) => ({ messageId: w.ids.publicMessage })),
	'message:react': read(...both('deny'), (w) => ({ messageId: w.ids.privateMessage, emoji: '👍' })),

	'models:list': read(...both('allow'), () => ({})),
	'chats:list': read(...both('allow'), () => ({})),
	'chat:create': write(...both('allow'), () => ({})),
	'chat:open': read(...both('deny'), chat),
	'chat:update': read(...both('deny'), (w) => ({ ...chat(w), title: 'renamed' })),
	'chat:delete': read(...both('deny'), chat),
	'chat:send': read(...both('deny'), (w) => ({
		...chat(w),
		content: 'sneaky',
		parentId: w.ids.chatAnswer,
		clientId: 'authz-matrix-client'
	})),
	'chat:edit': read(...both('deny'), (w) => ({
		messageId: w.ids.chatUserMessage,
		content: 'sneaky',
		clientId: 'authz-matrix-client'
	})),
	'chat:regenerate': read(...both('deny'), answer),
	'chat:continue': read(...both('deny'), answer),
	'chat:stop': read(...both('deny'), answer),
	'chat:switch': read(...both('deny'), (w) => ({ ...chat(w), messageId: w.ids.chatAnswer })),

	'notes:list': read(...both('allow'), () => ({})),
	'note:create': write(...both('allow'), () => ({ title: 'mine' })),
	'note:rename': read(...both('deny'), (w) => ({ ...privateNote(w), title: 'renamed' })),
	'note:delete': read(...both('deny'), privateNote),
	'note:restore': read(...both('deny'), privateNote),
	'note:sharing': read(...both('deny'), privateNote),
	'note:share': read(...both('deny'), (w) => ({
		...privateNote(w),
		userId: w.mallory.id,
		role: 'editor'
	})),
	// Both are viewers of this note: each may leave it, but not remove the other.
	'note:unshare': read(...both('deny'), (w, who) => ({
		noteId: w.ids.viewerNote,
		userId: who === 'member' ? w.admin.id : w.mallory.id
	})),
	'note:workspace': read(...both('deny'), (w) => ({ ...privateNote(w), role: 'editor' })),
	'note:join': read(...both('deny'), (w) => ({
		...privateNote(w),
		message: encodeStep1(new Y.Doc())
	})),
	// Closing a note you never opened is a no-op that says nothing about the note.
	'note:leave': read(...both('allow'), privateNote),
	'note:sync': read(...both('deny'), (w) => ({
		...privateNote(w),
		message: encodeStep1(new Y.Doc())
	})),
	'note:awareness': read(...both('deny'), (w) => ({
		...privateNote(w),
		update: Uint8Array.from([1, 0])
	})),

	'channel:typing': read(...both('deny'), privateChannel),
	'presence:set': write(...both('allow'), () => ({ state: 'active' })),
	'presence:list': read(...both('allow'), () => ({})),

	'usage:live:watch': read('deny', 'allow', () => ({ watch: false }))
};
