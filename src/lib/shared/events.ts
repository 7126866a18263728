/**
 * The one event contract between browser and server, used as Socket.IO generics on both sides.
 * Client→server events are declared with their payload schema (the server validates against it)
 * and their acknowledgement type; server→client events are plain signatures.
 * Documented for bots in docs/protocol.md.
 */
import * as v from 'valibot';
import type { Ack } from './errors.ts';
import type { PublicUser } from './types.ts';
import type {
	ChannelChanges,
	ChannelSummary,
	HistoryPage,
	MemberDto,
	MessageDto,
	PresenceStatus,
	UserRef
} from './channels.ts';
import * as ch from './schemas/channels.ts';
import type { ChatDelta, ChatMessageDto, ChatSnapshot, ChatSummary, ModelOption } from './chats.ts';
import * as ai from './schemas/chats.ts';
import type {
	Binary,
	NoteCloseReason,
	NoteJoined,
	NoteRole,
	NoteSharing,
	NoteSummary
} from './notes.ts';
import * as nt from './schemas/notes.ts';
import type { LiveSample } from './usage.ts';
import type { SyncProgress, SyncRunDto } from './sync.ts';

/**
 * Declares a client→server event: `accepts(schema).returns<Ack data>()`. The server validates every
 * payload against the schema; the ack type flows to the client's `emit()`.
 */
function accepts<S extends v.GenericSchema>(input: S) {
	return { returns: <Out>() => ({ input, output: undefined as unknown as Out }) };
}

export const clientEvents = {
	/** Round-trip check; the client uses it to measure latency. */
	ping: accepts(v.object({ nonce: v.pipe(v.string(), v.maxLength(64)) })).returns<{
		nonce: string;
		serverTime: number;
	}>(),

	// Channels: lists and membership
	'channels:list': accepts(v.object({})).returns<{ channels: ChannelSummary[] }>(),
	'channels:browse': accepts(ch.browseSchema).returns<{ channels: ChannelSummary[] }>(),
	'channel:create': accepts(ch.createChannelSchema).returns<ChannelSummary>(),
	'dm:open': accepts(ch.openDmSchema).returns<ChannelSummary>(),
	'channel:update': accepts(ch.updateChannelSchema).returns<ChannelSummary>(),
	'channel:join': accepts(ch.channelRef).returns<ChannelSummary>(),
	'channel:leave': accepts(ch.channelRef).returns<{ channelId: string }>(),
	'channel:members': accepts(ch.channelRef).returns<{ members: MemberDto[] }>(),
	'channel:members:add': accepts(ch.membersChangeSchema).returns<{ members: MemberDto[] }>(),
	'channel:members:remove': accepts(ch.memberRemoveSchema).returns<{ channelId: string }>(),
	'users:directory': accepts(ch.directorySchema).returns<{ users: UserRef[] }>(),

	// Channels: reading and catching up
	'channel:history': accepts(ch.historySchema).returns<HistoryPage>(),
	'channel:sync': accepts(ch.syncSchema).returns<ChannelChanges>(),
	'thread:history': accepts(ch.messageRef).returns<{ parent: MessageDto; replies: MessageDto[] }>(),
	'channel:read': accepts(ch.markReadSchema).returns<{ lastReadSeq: number }>(),

	// Channels: writing
	'message:send': accepts(ch.sendMessageSchema).returns<MessageDto>(),
	'message:edit': accepts(ch.editMessageSchema).returns<MessageDto>(),
	'message:delete': accepts(ch.messageRef).returns<MessageDto>(),
	'message:react': accepts(ch.reactSchema).returns<MessageDto>(),

	// AI chats
	'models:list': accepts(v.object({})).returns<{
		models: ModelOption[];
		defaultModelId: string | null;
	}>(),
	'chats:list': accepts(v.object({})).returns<{ chats: ChatSummary[] }>(),
	'chat:create': accepts(ai.createChatSchema).returns<ChatSummary>(),
	'chat:open': accepts(ai.chatRef).returns<ChatSnapshot>(),
	'chat:update': accepts(ai.updateChatSchema).returns<ChatSummary>(),
	'chat:delete': accepts(ai.chatRef).returns<{ chatId: string }>(),
	'chat:send': accepts(ai.sendChatSchema).returns<{
		user: ChatMessageDto;
		assistant: ChatMessageDto;
	}>(),
	'chat:edit': accepts(ai.editChatMessageSchema).returns<{
		user: ChatMessageDto;
		assistant: ChatMessageDto;
	}>(),
	'chat:regenerate': accepts(ai.regenerateSchema).returns<ChatMessageDto>(),
	'chat:continue': accepts(ai.chatMessageRef).returns<ChatMessageDto>(),
	'chat:stop': accepts(ai.chatMessageRef).returns<ChatMessageDto>(),
	'chat:switch': accepts(ai.switchBranchSchema).returns<ChatSummary>(),

	// Notes: lists, trash and sharing
	'notes:list': accepts(nt.listNotesSchema).returns<{ notes: NoteSummary[] }>(),
	'note:create': accepts(nt.createNoteSchema).returns<NoteSummary>(),
	'note:rename': accepts(nt.renameNoteSchema).returns<NoteSummary>(),
	'note:delete': accepts(nt.noteRef).returns<NoteSummary>(),
	'note:restore': accepts(nt.noteRef).returns<NoteSummary>(),
	'note:sharing': accepts(nt.noteRef).returns<NoteSharing>(),
	'note:share': accepts(nt.shareNoteSchema).returns<NoteSharing>(),
	'note:unshare': accepts(nt.unshareNoteSchema).returns<NoteSharing>(),
	'note:workspace': accepts(nt.workspaceAccessSchema).returns<NoteSharing>(),

	// Notes: collaborative editing with y-protocols messages as binary payloads
	/** Opens a note: `message` is your sync step 1; the ack carries step 2, the server's step 1 and awareness. */
	'note:join': accepts(nt.noteJoinSchema).returns<NoteJoined>(),
	'note:leave': accepts(nt.noteRef).returns<Record<string, never>>(),
	/**
	 * One sync message. An update or step 2 is acknowledged once it is stored; a step 1 is answered
	 * with the step 2 in `sync`.
	 */
	'note:sync': accepts(nt.noteSyncSchema).returns<{ sync?: Binary }>(),
	/** A y-protocols awareness update for your own client id(s): cursor, selection, presence. */
	'note:awareness': accepts(nt.noteAwarenessSchema).returns<Record<string, never>>(),

	// Volatile signals
	'channel:typing': accepts(ch.channelRef).returns<Record<string, never>>(),
	'presence:set': accepts(ch.presenceSchema).returns<Record<string, never>>(),
	'presence:list': accepts(v.object({})).returns<{
		users: { userId: string; status: PresenceStatus }[];
	}>(),

	// Admins: the live operations panel
	/** Start (`watch: true`) or stop receiving `usage:live`; starting returns the recent samples. */
	'usage:live:watch': accepts(v.object({ watch: v.boolean() })).returns<{
		samples: LiveSample[];
	}>()
};

export type ClientEventName = keyof typeof clientEvents;
export type ClientEventInput<E extends ClientEventName> = v.InferInput<
	(typeof clientEvents)[E]['input']
>;
export type ClientEventOutput<E extends ClientEventName> = (typeof clientEvents)[E]['output'];

export type ClientToServerEvents = {
	[E in ClientEventName]: (
		payload: ClientEventInput<E>,
		ack: (result: Ack<ClientEventOutput<E>>) => void
	) => void;
};

/** Why the server ended a socket's session. */
export type SessionEndReason =
	'logged_out' | 'password_changed' | 'deactivated' | 'pending_approval' | 'revoked';

export interface ServerToClientEvents {
	/** The signed-in user's own profile or role changed (any tab, any device). */
	'user:updated': (user: PublicUser) => void;
	/** Sent just before the server disconnects a socket whose session ended. */
	'session:ended': (event: { reason: SessionEndReason }) => void;

	/** One version's changes in a channel you belong to (same shape as a catch-up). */
	'channel:change': (changes: ChannelChanges) => void;
	/** You were added to a channel (any tab or device): refresh the list and catch up. */
	'channel:joined': (event: { channelId: string }) => void;
	/** You left or were removed from a channel. */
	'channel:removed': (event: { channelId: string }) => void;
	/** Your read cursor moved on another tab or device. */
	'channel:read': (event: { channelId: string; lastReadSeq: number }) => void;
	/** Someone is typing; hide it after `expiresInMs` unless repeated. Volatile. */
	'channel:typing': (event: { channelId: string; user: UserRef; expiresInMs: number }) => void;
	/** A chat message was created or changed state (every tab of its owner). */
	'chat:message': (message: ChatMessageDto) => void;
	/** A piece of a streaming answer; apply at `offset`, so repeats are harmless. */
	'chat:delta': (delta: ChatDelta) => void;
	/** A chat's title, pin, model or current branch changed. */
	'chat:updated': (chat: ChatSummary) => void;
	'chat:deleted': (event: { chatId: string }) => void;
	/** A y-protocols sync message (an update from someone else) for a note you joined. */
	'note:sync': (event: { noteId: string; message: Binary }) => void;
	/** A y-protocols awareness update for a note you joined. */
	'note:awareness': (event: { noteId: string; update: Binary }) => void;
	/** Your role in a note you joined changed (e.g. editor to viewer): applies at once. */
	'note:role': (event: { noteId: string; role: NoteRole }) => void;
	/** The server took you out of a note (access removed, moved to the trash, or join again). */
	'note:closed': (event: { noteId: string; reason: NoteCloseReason }) => void;
	/** A note you joined was renamed. */
	'note:meta': (event: { noteId: string; title: string }) => void;
	/** A note's list preview (its opening text) changed; patch the list in place. */
	'note:preview': (event: { noteId: string; preview: string; updatedAt: string }) => void;
	/** A note in your lists changed (created, renamed, shared, trashed, restored): list it again. */
	'notes:changed': (event: { noteId: string }) => void;
	/** Presence changes, batched. Volatile. */
	'presence:changed': (event: { users: { userId: string; status: PresenceStatus }[] }) => void;
	/** Admins with the live panel open: a reading every 2 s (sent to the `admin` room). */
	'usage:live': (sample: LiveSample) => void;
	/** Admins: an Open WebUI sync run's live progress (at most 4 a second, and when it ends). */
	'sync:progress': (progress: SyncProgress) => void;
	/** Admins: a sync run started or ended (its record as the run history shows it). */
	'sync:run': (run: SyncRunDto) => void;
}

/** Per-socket data the server keeps after the handshake. */
export interface SocketData {
	userId: string;
	/** The browser session the socket signed in with, or null for an API token. */
	sessionId: string | null;
	/** The API token the socket signed in with, or null for a browser session. */
	tokenId: string | null;
}

/** Room names, in one place so server code never spells them by hand. */
export const rooms = {
	user: (id: string) => `user:${id}`,
	session: (id: string) => `session:${id}`,
	channel: (id: string) => `channel:${id}`,
	note: (id: string) => `note:${id}`,
	admin: 'admin'
} as const;
