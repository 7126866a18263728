import type { RouteId } from '$app/types';

export interface PageTitle {
	/** The area the page belongs to, shown before the title (e.g. "Admin"). */
	section?: string;
	title: string;
}

const titles: Partial<Record<RouteId, PageTitle>> = {
	'/(app)/channels': { title: 'Channels' },
	'/(app)/chats': { title: 'Chats' },
	'/(app)/chats/[id]': { title: 'Chats' },
	'/(app)/notes': { title: 'Notes' },
	'/(app)/notes/[id]': { title: 'Notes' },
	'/(app)/settings': { section: 'Settings', title: 'Profile' },
	'/(app)/settings/tokens': { section: 'Settings', title: 'API tokens' },
	'/(app)/admin/users': { section: 'Admin', title: 'Users' },
	'/(app)/admin/providers': { section: 'Admin', title: 'Providers' },
	'/(app)/admin/instances': { section: 'Admin', title: 'Instances' },
	'/(app)/admin/instances/[id]': { section: 'Admin', title: 'Instance' }
};

/** The header title of an app page, by route id; null for pages without one (e.g. errors). */
export function pageTitle(routeId: RouteId | null): PageTitle | null {
	return (routeId && titles[routeId]) || null;
}
