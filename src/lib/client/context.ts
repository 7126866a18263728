import { createContext } from 'svelte';
import type { PublicUser } from '#lib/shared/types.ts';
import type { RealtimeClient } from './realtime.svelte.ts';

/** The tab's realtime connection, set by the app layout. */
export const [getRealtime, setRealtime] = createContext<RealtimeClient>();

/** The signed-in user, as a getter so updates flow through. */
export const [getCurrentUser, setCurrentUser] = createContext<() => PublicUser>();
