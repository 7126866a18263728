import type { World } from './world.ts';

/** Who tries: no cookie; an account waiting for approval; Mallory, a member acting on Olive's things; the admin. */
export const WHO = ['anonymous', 'pending', 'member', 'admin'] as const;
export type Who = (typeof WHO)[number];
export type Cell = 'allow' | 'deny';
export type Access = Record<Who, Cell>;

export const PUBLIC: Access = {
	anonymous: 'allow',
	pending: 'allow',
	member: 'allow',
	admin: 'allow'
};
export const MEMBERS: Access = {
	anonymous: 'deny',
	pending: 'deny',
	member: 'allow',
	admin: 'allow'
};
export const ADMINS: Access = {
	anonymous: 'deny',
	pending: 'deny',
	member: 'deny',
	admin: 'allow'
};
/** Olive's own things: neither Mallory nor the admin may touch them. */
export const OWNER: Access = { anonymous: 'deny', pending: 'deny', member: 'deny', admin: 'deny' };
/** Olive's channel things an admin may moderate (rename, archive, remove people, delete posts). */
export const MODERATED: Access = {
	anonymous: 'deny',
	pending: 'deny',
	member: 'deny',
	admin: 'allow'
};

type Fields = (w: World) => Record<string, string>;

export interface PageRule {
	path: (w: World) => string;
	load: Access;
	/** A canary the admin must see here when allowed, proving the leak check can see leaks. */
	shows?: (w: World) => string;
	/**
	 * Form actions. Refused callers send `fields` (valid: a missing check would show as a write);
	 * allowed callers send `invalid`, which only proves they got past authorization.
	 */
	actions?: Record<
		string,
		{
			access: Access;
			fields: Fields;
			invalid?: Fields;
			/** What allowed callers get for `invalid`, when not 400 (the sign-in pages send people who are signed in home). */
			invalidStatus?: Partial<Record<Who, number>>;
		}
	>;
}

export interface MethodRule {
	access: Access;
	/** A valid body (refused callers). */
	body?: (w: World) => unknown;
	/** Sent by allowed callers of writes instead: must get past authorization and change nothing. */
	invalid?: unknown;
}

export interface EndpointRule {
	path: (w: World) => string;
	methods: Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', MethodRule>>;
}

const none: Fields = () => ({});
const SENT_HOME = { pending: 303, member: 303, admin: 303 };

/** Every page of the app, by SvelteKit route id. */
export const pages: Record<string, PageRule> = {
	'/(app)': { path: () => '/', load: MEMBERS },
	'/(app)/channels': { path: () => '/channels', load: MEMBERS },
	'/(app)/channels/[id]': { path: (w) => `/channels/${w.ids.privateChannel}`, load: MEMBERS },
	'/(app)/chats': { path: () => '/chats', load: MEMBERS },
	'/(app)/chats/[id]': { path: (w) => `/chats/${w.ids.chat}`, load: MEMBERS },
	'/(app)/notes': { path: () => '/notes', load: MEMBERS },
	'/(app)/notes/[id]': { path: (w) => `/notes/${w.ids.privateNote}`, load: MEMBERS },
	'/(app)/settings': {
		path: () => '/settings',
		load: MEMBERS,
		actions: {
			profile: {
				access: MEMBERS,
				fields: () => ({ displayName: 'Changed by someone else', avatarColor: '#000000' }),
				invalid: () => ({ displayName: '', avatarColor: 'red' })
			},
			password: {
				access: MEMBERS,
				fields: () => ({ currentPassword: 'correct horse battery', newPassword: 'taken over!' }),
				invalid: () => ({ currentPassword: '', newPassword: 'x' })
			}
		}
	},
	'/(app)/settings/tokens': {
		path: () => '/settings/tokens',
		load: MEMBERS,
		actions: {
			create: {
				access: MEMBERS,
				fields: () => ({ name: 'sneaky' }),
				invalid: () => ({ name: '' })
			},
			revoke: { access: OWNER, fields: (w) => ({ id: w.ids.oliveToken }) }
		}
	},
	'/(app)/admin': { path: () => '/admin', load: ADMINS },
	'/(app)/admin/users': {
		path: () => '/admin/users',
		load: ADMINS,
		shows: (w) => w.canaries.admin[0],
		actions: {
			role: {
				access: ADMINS,
				fields: (w) => ({ id: w.mallory.id, role: 'admin' }),
				invalid: () => ({ id: '', role: 'king' })
			},
			status: {
				access: ADMINS,
				fields: (w) => ({ id: w.ids.penny, status: 'active' }),
				invalid: () => ({ id: '', status: 'gone' })
			},
			settings: {
				access: ADMINS,
				fields: () => ({ requireApproval: 'true' }),
				invalid: () => ({ requireApproval: 'maybe' })
			}
		}
	},
	'/(app)/admin/providers': {
		path: () => '/admin/providers',
		load: ADMINS,
		actions: Object.fromEntries(
			['update', 'enabled', 'delete', 'test', 'refresh', 'model', 'modelEnabled', 'makeDefault']
				.map((name): [string, NonNullable<PageRule['actions']>[string]] => [
					name,
					{
						access: ADMINS,
						fields: (w) => ({
							id: ['model', 'modelEnabled', 'makeDefault'].includes(name)
								? w.ids.model
								: w.ids.provider,
							name: 'renamed',
							baseUrl: 'https://elsewhere.example/v1',
							enabled: 'false',
							displayName: 'renamed',
							inputPricePerMTok: '99',
							outputPricePerMTok: '99'
						}),
						invalid: none
					}
				])
				.concat([
					[
						'create',
						{
							access: ADMINS,
							fields: () => ({ name: 'sneaky', baseUrl: 'https://sneaky.example/v1', apiKey: '' }),
							invalid: none
						}
					]
				])
		)
	},
	'/(app)/admin/usage': { path: () => '/admin/usage', load: ADMINS },
	'/(app)/admin/instances': {
		path: () => '/admin/instances',
		load: ADMINS,
		shows: (w) => w.canaries.admin[2],
		actions: instanceActions()
	},
	'/(app)/admin/instances/[id]': {
		path: (w) => `/admin/instances/${w.ids.instance}`,
		load: ADMINS,
		shows: (w) => w.canaries.admin[2],
		actions: { ...instanceActions(), update: instanceAction(), delete: instanceAction() }
	},
	'/(auth)/login': {
		path: () => '/login',
		load: PUBLIC,
		actions: { default: { access: PUBLIC, fields: none, invalid: none, invalidStatus: SENT_HOME } }
	},
	'/(auth)/signup': {
		path: () => '/signup',
		load: PUBLIC,
		actions: { default: { access: PUBLIC, fields: none, invalid: none, invalidStatus: SENT_HOME } }
	},
	'/pending': { path: () => '/pending', load: PUBLIC },
	// Allowed callers are not sent here: it would end the session the other cells use.
	'/logout': {
		path: () => '/logout',
		load: PUBLIC,
		actions: { default: { access: PUBLIC, fields: none } }
	}
};

function instanceAction() {
	return {
		access: ADMINS,
		fields: (w: World) => ({
			id: w.ids.instance,
			name: 'renamed',
			baseUrl: 'https://elsewhere.example',
			full: 'on'
		}),
		invalid: none
	};
}

function instanceActions(): NonNullable<PageRule['actions']> {
	return {
		create: {
			access: ADMINS,
			fields: () => ({ name: 'sneaky', baseUrl: 'https://sneaky.example', apiKey: 'k' }),
			invalid: none
		},
		test: instanceAction(),
		sync: instanceAction(),
		cancel: instanceAction()
	};
}

/** Every JSON endpoint, by SvelteKit route id. */
export const endpoints: Record<string, EndpointRule> = {
	'/api/[...path]': { path: () => '/api/v1/no-such-endpoint', methods: {} },
	'/healthz': { path: () => '/healthz', methods: { GET: { access: PUBLIC } } },
	'/api/v1/me': {
		path: () => '/api/v1/me',
		methods: {
			GET: { access: MEMBERS },
			PATCH: {
				access: MEMBERS,
				body: () => ({ displayName: 'Changed', avatarColor: '#000000' }),
				invalid: { displayName: 5 }
			}
		}
	},
	'/api/v1/me/password': {
		path: () => '/api/v1/me/password',
		methods: {
			POST: {
				access: MEMBERS,
				body: () => ({ currentPassword: 'correct horse battery', newPassword: 'taken over!' }),
				invalid: { currentPassword: 1 }
			}
		}
	},
	'/api/v1/tokens': {
		path: () => '/api/v1/tokens',
		methods: {
			GET: { access: MEMBERS },
			POST: { access: MEMBERS, body: () => ({ name: 'sneaky' }), invalid: { name: '' } }
		}
	},
	'/api/v1/tokens/[id]': {
		path: (w) => `/api/v1/tokens/${w.ids.oliveToken}`,
		methods: { DELETE: { access: OWNER } }
	},
	'/api/v1/channels': {
		path: () => '/api/v1/channels',
		methods: {
			GET: { access: MEMBERS },
			POST: {
				access: MEMBERS,
				body: () => ({ kind: 'public', name: 'sneaky' }),
				invalid: { kind: 'secret' }
			}
		}
	},
	'/api/v1/channels/[id]/changes': {
		path: (w) => `/api/v1/channels/${w.ids.privateChannel}/changes?since=0`,
		methods: { GET: { access: OWNER } }
	},
	'/api/v1/channels/[id]/messages': {
		path: (w) => `/api/v1/channels/${w.ids.privateChannel}/messages`,
		methods: {
			GET: { access: OWNER },
			POST: { access: OWNER, body: () => ({ clientId: 'sneaky-client-1', body: 'sneaky' }) }
		}
	},
	'/api/v1/channels/[id]/read': {
		path: (w) => `/api/v1/channels/${w.ids.privateChannel}/read`,
		methods: { POST: { access: OWNER, body: () => ({ seq: 1 }) } }
	},
	'/api/v1/messages/[id]': {
		path: (w) => `/api/v1/messages/${w.ids.publicMessage}`,
		methods: {
			PATCH: { access: OWNER, body: () => ({ body: 'edited by someone else' }) },
			DELETE: { access: MODERATED }
		}
	},
	'/api/v1/messages/[id]/reactions': {
		path: (w) => `/api/v1/messages/${w.ids.privateMessage}/reactions`,
		methods: { POST: { access: OWNER, body: () => ({ emoji: '👍' }) } }
	},
	'/api/v1/messages/[id]/thread': {
		path: (w) => `/api/v1/messages/${w.ids.privateMessage}/thread`,
		methods: { GET: { access: OWNER } }
	},
	'/api/v1/notes': {
		path: () => '/api/v1/notes',
		methods: {
			GET: { access: MEMBERS },
			POST: { access: MEMBERS, body: () => ({ title: 'sneaky' }), invalid: { title: 5 } }
		}
	},
	'/api/v1/notes/[id]': {
		path: (w) => `/api/v1/notes/${w.ids.privateNote}`,
		methods: {
			GET: { access: OWNER },
			PATCH: { access: OWNER, body: () => ({ title: 'renamed by someone else' }) },
			DELETE: { access: OWNER }
		}
	},
	'/api/v1/notes/[id]/export': {
		path: (w) => `/api/v1/notes/${w.ids.privateNote}/export?format=md`,
		methods: { GET: { access: OWNER } }
	},
	'/api/v1/notes/[id]/restore': {
		path: (w) => `/api/v1/notes/${w.ids.privateNote}/restore`,
		methods: { POST: { access: OWNER } }
	},
	'/api/v1/notes/[id]/sharing': {
		path: (w) => `/api/v1/notes/${w.ids.privateNote}/sharing`,
		methods: {
			GET: { access: OWNER },
			PATCH: { access: OWNER, body: () => ({ workspaceRole: 'editor' }) }
		}
	},
	'/api/v1/notes/[id]/shares/[userId]': {
		path: (w) => `/api/v1/notes/${w.ids.privateNote}/shares/${w.mallory.id}`,
		methods: { PUT: { access: OWNER, body: () => ({ role: 'editor' }) }, DELETE: { access: OWNER } }
	},
	'/api/v1/admin/users': {
		path: () => '/api/v1/admin/users',
		methods: { GET: { access: ADMINS } }
	},
	'/api/v1/admin/users/[id]': {
		path: (w) => `/api/v1/admin/users/${w.mallory.id}`,
		methods: {
			PATCH: { access: ADMINS, body: () => ({ role: 'admin' }), invalid: { role: 'king' } }
		}
	},
	'/api/v1/admin/settings': {
		path: () => '/api/v1/admin/settings',
		methods: {
			GET: { access: ADMINS },
			PATCH: {
				access: ADMINS,
				body: () => ({ requireApproval: true }),
				invalid: { requireApproval: 'maybe' }
			}
		}
	},
	'/api/v1/admin/providers': {
		path: () => '/api/v1/admin/providers',
		methods: {
			GET: { access: ADMINS },
			POST: {
				access: ADMINS,
				body: () => ({ name: 'sneaky', baseUrl: 'https://sneaky.example/v1', apiKey: '' }),
				invalid: { name: 5 }
			}
		}
	},
	'/api/v1/admin/providers/[id]': {
		path: (w) => `/api/v1/admin/providers/${w.ids.provider}`,
		methods: {
			PATCH: { access: ADMINS, body: () => ({ enabled: false }), invalid: { enabled: 'no' } },
			DELETE: { access: ADMINS }
		}
	},
	'/api/v1/admin/providers/[id]/models': {
		path: (w) => `/api/v1/admin/providers/${w.ids.provider}/models`,
		methods: { POST: { access: ADMINS } }
	},
	'/api/v1/admin/providers/[id]/test': {
		path: (w) => `/api/v1/admin/providers/${w.ids.provider}/test`,
		methods: { POST: { access: ADMINS } }
	},
	'/api/v1/admin/models/[id]': {
		path: (w) => `/api/v1/admin/models/${w.ids.model}`,
		methods: {
			PATCH: { access: ADMINS, body: () => ({ enabled: false }), invalid: { enabled: 'no' } }
		}
	},
	'/api/v1/admin/instances': {
		path: () => '/api/v1/admin/instances',
		methods: {
			GET: { access: ADMINS },
			POST: {
				access: ADMINS,
				body: () => ({ name: 'sneaky', baseUrl: 'https://sneaky.example', apiKey: 'k' }),
				invalid: { name: 5 }
			}
		}
	},
	'/api/v1/admin/instances/[id]': {
		path: (w) => `/api/v1/admin/instances/${w.ids.instance}`,
		methods: {
			GET: { access: ADMINS },
			PATCH: { access: ADMINS, body: () => ({ name: 'renamed' }), invalid: { name: 5 } },
			DELETE: { access: ADMINS }
		}
	},
	'/api/v1/admin/instances/[id]/runs': {
		path: (w) => `/api/v1/admin/instances/${w.ids.instance}/runs`,
		methods: { GET: { access: ADMINS } }
	},
	'/api/v1/admin/instances/[id]/sync': {
		path: (w) => `/api/v1/admin/instances/${w.ids.instance}/sync`,
		methods: {
			POST: { access: ADMINS, body: () => ({}), invalid: { full: 'yes' } },
			DELETE: { access: ADMINS }
		}
	},
	'/api/v1/admin/instances/[id]/test': {
		path: (w) => `/api/v1/admin/instances/${w.ids.instance}/test`,
		methods: { POST: { access: ADMINS } }
	},
	'/api/v1/admin/usage': {
		path: () => '/api/v1/admin/usage',
		methods: { GET: { access: ADMINS } }
	},
	'/api/v1/admin/usage/[report]': {
		path: () => '/api/v1/admin/usage/users?format=csv',
		methods: { GET: { access: ADMINS } }
	}
};
