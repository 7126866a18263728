import { createContext } from 'svelte';
import type { PublicUser } from '#lib/shared/types.ts';
import type { RealtimeClient } from './realtime.svelte.ts';
import type { ChannelList } from './channels/channel-list.svelte.ts';
import type { OutboxState } from './channels/outbox-state.svelte.ts';
import type { PresenceState } from './channels/presence.svelte.ts';
import type { ChatList } from './chats/chat-list.svelte.ts';

import type { NoteList } from './notes/note-list.svelte.ts';
import type { ThemeState } from './theme.svelte.ts';

/** The tab's realtime connection, set by the app layout. */
export const [getRealtime, setRealtime] = createContext<RealtimeClient>();

/** The signed-in user, as a getter so updates flow through. */
export const [getCurrentUser, setCurrentUser] = createContext<() => PublicUser>();

/** The tab's channel list with unread counts. */
export const [getChannelList, setChannelList] = createContext<ChannelList>();

/** Messages this tab has queued for sending. */
export const [getOutbox, setOutbox] = createContext<OutboxState>();

/** The tab's AI chats and the models to pick from (set by the chats layout). */
export const [getChatList, setChatList] = createContext<ChatList>();

/** Who is online. */
export const [getPresence, setPresence] = createContext<PresenceState>();

/** The tab's theme, set by the app layout so every theme control shows the same choice. */
export const [getTheme, setTheme] = createContext<ThemeState>();

/** The Notes section's lists, set by the notes layout. */
export const [getNoteList, setNoteList] = createContext<NoteList>();
