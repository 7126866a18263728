/**
 * Data for the fake Open WebUI (tests/fakes/open-webui.ts): the record shapes its API returns, a
 * deterministic generator, the mutations tests make (add, update, hard-delete), and the totals an
 * exact import must reproduce.
 */
import type { FakeData } from './open-webui.ts';
import type { FakeChat, FakeMessage, FakeModel, FakeUser } from './open-webui-types.ts';

export type * from './open-webui-types.ts';

export const MODELS = ['gpt-4o', 'llama3.1:8b', 'claude-sonnet'];
/** How each answer reports usage, in turn: every shape Open WebUI versions wrote, and none. */
export const USAGE_SHAPES = ['normalized', 'openai', 'ollama-info', 'info-usage', 'none'] as const;

/** A small deterministic PRNG (mulberry32). */
function random(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export interface ChatOptions {
	/** User→assistant turns (default 2–6). */
	turns?: number;
	/** Also add a regenerated answer (a sibling with another model) to the first turn. */
	branch?: boolean;
	/** Days before now the chat starts (default 0–29). */
	daysAgo?: number;
	/** Write message timestamps in milliseconds, as legacy data does. */
	millis?: boolean;
	/** Characters per message (default 40–400). */
	size?: number;
	legacy?: boolean;
}

/** Builds and changes a fake instance's data the way Open WebUI users would. */
export class World {
	readonly data: FakeData;
	readonly #rand: () => number;
	#ids = 0;
	#usage = 0;
	#last = 0;

	constructor(data: FakeData, seed = 1) {
		this.data = data;
		this.#rand = random(seed);
	}

	/** Now in epoch seconds; strictly increasing, so every change gets a new `updated_at`. */
	tick(): number {
		this.#last = Math.max(Math.floor(Date.now() / 1000), this.#last + 1);
		return this.#last;
	}

	id(prefix: string): string {
		this.#ids++;
		const r = Math.floor(this.#rand() * 0xffffff)
			.toString(16)
			.padStart(6, '0');
		return `${prefix}-${this.#ids.toString(36).padStart(5, '0')}-${r}`;
	}

	#pick<T>(list: readonly T[]): T {
		return list[Math.floor(this.#rand() * list.length)];
	}

	#int(min: number, max: number): number {
		return min + Math.floor(this.#rand() * (max - min + 1));
	}

	#text(size: number): string {
		const words = ['sync', 'chat', 'model', 'token', 'report', 'usage', 'branch', 'answer'];
		let out = '';
		while (out.length < size) out += `${this.#pick(words)} `;
		return out.slice(0, size);
	}

	addUser(fields: Partial<FakeUser> = {}): FakeUser {
		const now = this.tick();
		const n = this.data.users.size + 1;
		const user: FakeUser = {
			id: this.id('u'),
			email: `user${n}.${this.#ids}@owui.test`,
			username: null,
			role: 'user',
			name: `User ${n}`,
			profile_image_url: '/user.png',
			last_active_at: now,
			updated_at: now,
			created_at: now - this.#int(0, 90) * 86_400,
			group_ids: [],
			...fields
		};
		this.data.users.set(user.id, user);
		return user;
	}

	updateUser(id: string, fields: Partial<FakeUser>): void {
		const user = this.data.users.get(id);
		if (!user) throw new Error(`no user ${id}`);
		Object.assign(user, fields, { updated_at: this.tick() });
	}

	/** Deletes a user the way Open WebUI does: their chats go with them. */
	deleteUser(id: string): void {
		this.data.users.delete(id);
		for (const chat of [...this.data.chats.values()]) {
			if (chat.user_id === id) this.data.chats.delete(chat.id);
		}
	}

	#message(fields: Omit<FakeMessage, 'id' | 'childrenIds'>): FakeMessage {
		return { id: crypto.randomUUID(), childrenIds: [], ...fields };
	}

	#answer(parent: FakeMessage, model: string, at: number, size: number): FakeMessage {
		const content = this.#text(size);
		const shape = USAGE_SHAPES[this.#usage++ % USAGE_SHAPES.length];
		const prompt = this.#int(10, 2000);
		const completion = this.#int(5, 800);
		const message = this.#message({
			parentId: parent.id,
			role: 'assistant',
			content,
			timestamp: at,
			model,
			modelName: model,
			modelIdx: 0,
			done: true
		});
		if (shape === 'normalized') {
			message.usage = {
				input_tokens: prompt,
				output_tokens: completion,
				total_tokens: prompt + completion
			};
		} else if (shape === 'openai') {
			message.usage = {
				prompt_tokens: prompt,
				completion_tokens: completion,
				total_tokens: prompt + completion,
				prompt_tokens_details: { cached_tokens: 0 }
			};
		} else if (shape === 'ollama-info') {
			message.info = {
				prompt_eval_count: prompt,
				eval_count: completion,
				total_duration: 1_500_000_000,
				eval_duration: 1_000_000_000
			};
		} else if (shape === 'info-usage') {
			message.info = { usage: { prompt_tokens: prompt, completion_tokens: completion } };
		}
		return message;
	}

	#link(chat: FakeChat, message: FakeMessage): void {
		chat.chat.history.messages[message.id] = message;
		if (message.parentId) chat.chat.history.messages[message.parentId].childrenIds.push(message.id);
	}

	/** The current branch, root → leaf, as the legacy `chat.messages` copy holds it. */
	#refreshLinear(chat: FakeChat): void {
		const path: FakeMessage[] = [];
		let id = chat.chat.history.currentId;
		while (id) {
			const m = chat.chat.history.messages[id];
			path.unshift(m);
			id = m.parentId;
		}
		chat.chat.messages = path;
	}

	addChat(userId: string, options: ChatOptions = {}): FakeChat {
		const now = this.tick();
		const start = now - (options.daysAgo ?? this.#int(0, 29)) * 86_400 - this.#int(3600, 80_000);
		const id = crypto.randomUUID();
		const model = this.#pick(MODELS);
		const chat: FakeChat = {
			id,
			user_id: userId,
			title: `Chat about ${this.#text(12).trim()}`,
			chat: {
				id,
				title: '',
				models: [model],
				history: { currentId: null, messages: {} },
				messages: [],
				tags: [],
				params: {},
				files: [],
				timestamp: start * 1000
			},
			created_at: start,
			updated_at: now,
			archived: false,
			legacy: options.legacy
		};
		chat.chat.title = chat.title;
		let at = start;
		let parent: FakeMessage | null = null;
		const stamp = (s: number) => (options.millis ? s * 1000 + 123 : s);
		const size = () => options.size ?? this.#int(40, 400);
		const turns = options.turns ?? this.#int(2, 6);
		for (let turn = 0; turn < turns; turn++) {
			const question = this.#message({
				parentId: parent?.id ?? null,
				role: 'user',
				content: this.#text(size()),
				timestamp: stamp((at += this.#int(20, 300))),
				models: [model]
			});
			this.#link(chat, question);
			const answer = this.#answer(question, model, stamp((at += this.#int(2, 60))), size());
			this.#link(chat, answer);
			if (turn === 0 && options.branch) {
				const other = MODELS.find((m) => m !== model) ?? model;
				this.#link(chat, this.#answer(question, other, stamp((at += 30)), size()));
			}
			parent = answer;
		}
		chat.chat.history.currentId = parent?.id ?? null;
		this.#refreshLinear(chat);
		// Last saved when its last message was written.
		chat.updated_at = Math.floor(at);
		this.data.chats.set(id, chat);
		return chat;
	}

	/** A new question and answer at the end of the current branch (bumps `updated_at`). */
	addTurn(chatId: string): void {
		const chat = this.#chat(chatId);
		const now = this.tick();
		const parent = chat.chat.history.currentId
			? chat.chat.history.messages[chat.chat.history.currentId]
			: null;
		const question = this.#message({
			parentId: parent?.id ?? null,
			role: 'user',
			content: this.#text(80),
			timestamp: now
		});
		this.#link(chat, question);
		const answer = this.#answer(question, chat.chat.models[0], now, 120);
		this.#link(chat, answer);
		chat.chat.history.currentId = answer.id;
		this.#refreshLinear(chat);
		chat.updated_at = now;
	}

	/** Deletes the last answer of the current branch (a branch deletion inside the chat). */
	dropLastAnswer(chatId: string): string {
		const chat = this.#chat(chatId);
		const leafId = chat.chat.history.currentId;
		if (!leafId) throw new Error('empty chat');
		const leaf = chat.chat.history.messages[leafId];
		Reflect.deleteProperty(chat.chat.history.messages, leafId);
		const parent = leaf.parentId ? chat.chat.history.messages[leaf.parentId] : null;
		if (parent) parent.childrenIds = parent.childrenIds.filter((c) => c !== leafId);
		chat.chat.history.currentId = parent?.id ?? null;
		this.#refreshLinear(chat);
		chat.updated_at = this.tick();
		return leafId;
	}

	renameChat(chatId: string, title: string): void {
		const chat = this.#chat(chatId);
		chat.title = chat.chat.title = title;
		chat.updated_at = this.tick();
	}

	deleteChat(chatId: string): void {
		this.data.chats.delete(chatId);
	}

	#chat(id: string): FakeChat {
		const chat = this.data.chats.get(id);
		if (!chat) throw new Error(`no chat ${id}`);
		return chat;
	}

	/** A model a connection serves (`owned_by`: "openai", "ollama"…). */
	addModel(id: string, ownedBy = 'openai'): FakeModel {
		const model: FakeModel = {
			id,
			name: id.toUpperCase(),
			object: 'model',
			created: this.tick(),
			owned_by: ownedBy
		};
		this.data.models.push(model);
		return model;
	}

	/** A workspace preset on `baseId`, made by `userId`: listed with its base model's connection. */
	addPreset(id: string, baseId: string, userId: string): FakeModel {
		const base = this.data.models.find((m) => m.id === baseId);
		if (!base) throw new Error(`no model ${baseId}`);
		const now = this.tick();
		const model: FakeModel = {
			id,
			name: `Preset ${id}`,
			object: 'model',
			created: now,
			owned_by: base.owned_by,
			preset: true,
			info: {
				id,
				user_id: userId,
				base_model_id: baseId,
				name: `Preset ${id}`,
				params: {},
				meta: { description: 'A workspace preset' },
				access_grants: [],
				is_active: true,
				updated_at: now,
				created_at: now
			}
		};
		this.data.models.push(model);
		return model;
	}

	/** Deletes a model or preset from the instance (from both lists). */
	deleteModel(id: string): void {
		this.data.models = this.data.models.filter((m) => m.id !== id);
	}

	addCatalog(userId: string): void {
		const now = this.tick();
		for (const id of MODELS) {
			if (!this.data.models.some((m) => m.id === id)) {
				this.data.models.push({
					id,
					name: id.toUpperCase(),
					object: 'model',
					created: now,
					owned_by: 'openai'
				});
			}
		}
		const kb = this.id('kb');
		this.data.knowledge.set(kb, {
			id: kb,
			user_id: userId,
			name: `Docs ${kb}`,
			description: 'Team docs',
			meta: {},
			access_grants: [],
			created_at: now,
			updated_at: now
		});
		const file = this.id('file');
		this.data.files.set(file, {
			id: file,
			user_id: userId,
			hash: file,
			filename: `${file}.pdf`,
			data: { status: 'completed' },
			meta: { name: `${file}.pdf`, content_type: 'application/pdf', size: 1234 },
			created_at: now,
			updated_at: this.data.files.size % 2 ? null : now
		});
		const chat = [...this.data.chats.values()].find((c) => c.user_id === userId);
		if (chat?.chat.history.currentId) {
			const fb = this.id('fb');
			this.data.feedback.set(fb, {
				id: fb,
				user_id: userId,
				version: 0,
				type: 'rating',
				data: {
					rating: 1,
					model_id: chat.chat.models[0],
					sibling_model_ids: [],
					reason: 'Accurate',
					comment: '',
					tags: []
				},
				meta: {
					arena: false,
					chat_id: chat.id,
					message_id: chat.chat.history.currentId,
					message_index: 1,
					model_id: chat.chat.models[0]
				},
				created_at: now,
				updated_at: now
			});
		}
	}

	/** Users, each with chats (some with a regenerated branch), and a catalogue entry each. */
	populate(options: {
		users: number;
		chatsPerUser: number;
		turns?: number;
		catalogEvery?: number;
	}): void {
		for (let u = 0; u < options.users; u++) {
			const user = this.addUser();
			for (let c = 0; c < options.chatsPerUser; c++) {
				this.addChat(user.id, { turns: options.turns, branch: c % 3 === 0, millis: c % 7 === 6 });
			}
			if (u % (options.catalogEvery ?? 1) === 0) this.addCatalog(user.id);
		}
	}
}
