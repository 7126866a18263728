/** The records the fake Open WebUI serves, with Open WebUI's field names. */

export interface FakeUser {
	id: string;
	email: string;
	username: string | null;
	role: 'admin' | 'user' | 'pending';
	name: string;
	profile_image_url: string;
	last_active_at: number;
	updated_at: number;
	created_at: number;
	group_ids: string[];
}

export interface FakeMessage {
	id: string;
	parentId: string | null;
	childrenIds: string[];
	role: 'user' | 'assistant' | 'system';
	content: string;
	timestamp: number;
	models?: string[];
	model?: string;
	modelName?: string;
	modelIdx?: number;
	done?: boolean;
	usage?: Record<string, unknown>;
	info?: Record<string, unknown>;
	error?: { content: string };
}

export interface FakeChat {
	id: string;
	user_id: string;
	title: string;
	chat: {
		id: string;
		title: string;
		models: string[];
		history: { currentId: string | null; messages: Record<string, FakeMessage> };
		/** The legacy linear copy of the current branch (must not be counted twice). */
		messages: FakeMessage[];
		tags: string[];
		params: Record<string, unknown>;
		files: unknown[];
		timestamp: number;
	};
	created_at: number;
	updated_at: number;
	archived: boolean;
	/** Serve as an old chat: a linear `chat.messages` list and no history map. */
	legacy?: boolean;
}

export interface FakeModel {
	id: string;
	name: string;
	object: 'model';
	created: number;
	/** The connection that serves it ("openai", "ollama"); a preset inherits its base model's. */
	owned_by: string;
	/** Workspace presets (and edited base models): the row of Open WebUI's `model` table. */
	info?: FakeModelInfo;
	preset?: boolean;
}

/** A row of Open WebUI's `model` table, as `/api/v1/models/list` returns it. */
export interface FakeModelInfo {
	id: string;
	user_id: string;
	base_model_id: string | null;
	name: string;
	params: Record<string, unknown>;
	meta: Record<string, unknown>;
	access_grants: unknown[];
	is_active: boolean;
	updated_at: number;
	created_at: number;
}

export interface FakeKnowledge {
	id: string;
	user_id: string;
	name: string;
	description: string;
	meta: Record<string, unknown>;
	access_grants: unknown[];
	created_at: number;
	updated_at: number;
}

export interface FakeFile {
	id: string;
	user_id: string;
	hash: string;
	filename: string;
	data: { status: string };
	meta: { name: string; content_type: string; size: number };
	created_at: number;
	updated_at: number | null;
}

export interface FakeFeedback {
	id: string;
	user_id: string;
	version: number;
	type: 'rating';
	data: {
		rating: number;
		model_id: string;
		sibling_model_ids: string[];
		reason: string;
		comment: string;
		tags: string[];
	};
	meta: {
		arena: boolean;
		chat_id: string;
		message_id: string;
		message_index: number;
		model_id: string;
	};
	created_at: number;
	updated_at: number;
}
