import { type Db, Prisma } from '../db/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import type { ChatMessageDto, ChatSnapshot, ChatSummary } from '#lib/shared/chats.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { newestLeafUnder, pathTo } from './chat-tree.ts';
import type { CompletionService } from './completion.service.ts';
import { toChatMessageDto, toChatSummary } from './dto.ts';
import type { ChatTurn } from './openai-client.ts';
import type { ProviderService, ResolvedModel } from './provider.service.ts';
import type { TitleService } from './title.service.ts';

type Row = Awaited<ReturnType<Db['chatMessage']['findMany']>>[number];

/** Answers that ended early and may be resumed where they stopped. */
const CONTINUABLE: string[] = ['interrupted', 'stopped', 'error'];

/** A model deleted between the check and the write (a foreign key failure) is unavailable. */
function modelGone(error: unknown): never {
	if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003') {
		throw new AppError('model_unavailable', 'That model does not exist any more. Pick another.');
	}
	throw error;
}

/**
 * AI chats: trees of messages whose answers stream from providers. Sending, regenerating, editing
 * and continuing each write their rows in one transaction before the answer starts, so a failure
 * never leaves half a branch; the answer itself then runs as a CompletionJob.
 */
export class ChatService {
	readonly #db: Db;
	readonly #bus: RealtimeBus;
	readonly #providers: ProviderService;
	readonly #completions: CompletionService;
	readonly #titles: TitleService;
	readonly #promptMaxChars: number;

	constructor(deps: {
		db: Db;
		bus: RealtimeBus;
		providers: ProviderService;
		completions: CompletionService;
		titles: TitleService;
		promptMaxChars: number;
	}) {
		this.#db = deps.db;
		this.#bus = deps.bus;
		this.#providers = deps.providers;
		this.#completions = deps.completions;
		this.#titles = deps.titles;
		this.#promptMaxChars = deps.promptMaxChars;
	}

	async list(user: PublicUser): Promise<ChatSummary[]> {
		const rows = await this.#db.chat.findMany({
			where: { userId: user.id },
			orderBy: [{ pinned: 'desc' }, { updatedAt: 'desc' }, { id: 'desc' }]
		});
		return rows.map(toChatSummary);
	}

	async create(
		user: PublicUser,
		input: { modelId?: string | null; systemPrompt: string; title?: string }
	) {
		// A chosen model must be usable now; without one the chat takes the default, if any.
		const modelId = input.modelId
			? (await this.#providers.resolve(input.modelId)).model.id
			: (await this.#providers.options()).defaultModelId;
		const chat = await this.#db.chat
			.create({
				data: { userId: user.id, modelId, systemPrompt: input.systemPrompt, title: input.title }
			})
			.catch(modelGone);
		return this.#announce(chat.id);
	}

	/** Every message of the chat; answers still streaming carry their text as of now. */
	async open(user: PublicUser, chatId: string): Promise<ChatSnapshot> {
		const chat = await this.#own(user, chatId);
		const rows = await this.#db.chatMessage.findMany({
			where: { chatId },
			orderBy: [{ createdAt: 'asc' }, { id: 'asc' }]
		});
		const messages = rows.map((row) => {
			const dto = toChatMessageDto(row);
			const job = this.#completions.get(row.id);
			return job
				? { ...dto, content: job.content, reasoning: job.reasoning, status: 'streaming' as const }
				: dto;
		});
		return { chat: toChatSummary(chat), messages };
	}

	async update(
		user: PublicUser,
		input: {
			chatId: string;
			title?: string;
			pinned?: boolean;
			systemPrompt?: string;
			modelId?: string | null;
		}
	): Promise<ChatSummary> {
		await this.#own(user, input.chatId);
		if (input.modelId) await this.#providers.resolve(input.modelId);
		const { chatId, ...data } = input;
		// Deleted meanwhile (another tab): gone, not a failure.
		const { count } = await this.#db.chat
			.updateMany({ where: { id: chatId }, data })
			.catch(modelGone);
		if (!count) throw new AppError('not_found', 'No such chat.');
		return this.#announce(chatId);
	}

	async remove(user: PublicUser, chatId: string): Promise<void> {
		await this.#own(user, chatId);
		const streaming = await this.#db.chatMessage.findMany({
			where: { chatId, status: 'streaming' },
			select: { id: true }
		});
		for (const { id } of streaming) this.#completions.get(id)?.stop();
		await Promise.all(streaming.map(({ id }) => this.#completions.get(id)?.done));
		// Two tabs deleting at once: the second finds it gone, like any missing chat.
		const { count } = await this.#db.chat.deleteMany({ where: { id: chatId } });
		if (!count) throw new AppError('not_found', 'No such chat.');
		this.#bus.emit(rooms.user(user.id), 'chat:deleted', { chatId });
	}

	/** Adds a user message after `parentId` and starts the answer. Idempotent by `clientId`. */
	async send(
		user: PublicUser,
		input: {
			chatId: string;
			content: string;
			parentId: string | null;
			clientId: string;
			modelId?: string;
		}
	): Promise<{ user: ChatMessageDto; assistant: ChatMessageDto }> {
		const chat = await this.#own(user, input.chatId);
		const existing = await this.#sentPair(chat.id, input.clientId);
		if (existing) return existing;
		const content = this.#checkPrompt(input.content);
		const nodes = await this.#nodes(chat.id);
		if (input.parentId && !nodes.some((n) => n.id === input.parentId)) {
			throw new AppError('not_found', 'The message you reply to is not in this chat.');
		}
		const resolved = await this.#providers.resolve(input.modelId ?? chat.modelId);
		const slot = this.#completions.reserve(user.id);
		try {
			const written = await this.#db
				.$transaction(async (tx) => {
					const userRow = await tx.chatMessage.create({
						data: {
							chatId: chat.id,
							parentId: input.parentId,
							role: 'user',
							content,
							clientId: input.clientId
						}
					});
					const assistantRow = await tx.chatMessage.create({
						data: this.#answerData(chat.id, userRow.id, resolved)
					});
					const chatRow = await tx.chat.update({
						where: { id: chat.id },
						data: { currentLeafId: assistantRow.id, updatedAt: new Date() }
					});
					return { userRow, assistantRow, chatRow };
				})
				.catch(async (error: unknown) => {
					// Two sends with one client id raced: the loser returns the winner's pair.
					if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
						const winner = await this.#sentPair(chat.id, input.clientId);
						if (winner) return winner;
					}
					throw error;
				});
			if (!('chatRow' in written)) return written;
			const { userRow, assistantRow, chatRow } = written;
			this.#startAnswer(
				user,
				chat,
				[...pathTo(nodes, input.parentId ?? ''), userRow],
				assistantRow,
				resolved
			);
			const pair = {
				user: this.#emitMessage(user, userRow),
				assistant: this.#emitMessage(user, assistantRow)
			};
			this.#bus.emit(rooms.user(user.id), 'chat:updated', toChatSummary(chatRow));
			return pair;
		} finally {
			slot.release();
		}
	}

	/** A new answer beside an existing one (same question), which becomes the current branch. */
	async regenerate(
		user: PublicUser,
		input: { messageId: string; modelId?: string }
	): Promise<ChatMessageDto> {
		const { chat, message, nodes } = await this.#ownMessage(user, input.messageId);
		const question = message.parentId;
		if (message.role !== 'assistant' || !question) {
			throw new AppError('bad_request', 'Only an answer can be regenerated.');
		}
		const resolved = await this.#providers.resolve(input.modelId ?? chat.modelId);
		const slot = this.#completions.reserve(user.id);
		try {
			const { assistantRow, chatRow } = await this.#db.$transaction(async (tx) => {
				const assistantRow = await tx.chatMessage.create({
					data: this.#answerData(chat.id, question, resolved)
				});
				const chatRow = await tx.chat.update({
					where: { id: chat.id },
					data: { currentLeafId: assistantRow.id, updatedAt: new Date() }
				});
				return { assistantRow, chatRow };
			});
			this.#startAnswer(user, chat, pathTo(nodes, question), assistantRow, resolved);
			const dto = this.#emitMessage(user, assistantRow);
			this.#bus.emit(rooms.user(user.id), 'chat:updated', toChatSummary(chatRow));
			return dto;
		} finally {
			slot.release();
		}
	}

	/** Editing a sent message makes a new branch: a sibling question with its own answer. */
	async edit(
		user: PublicUser,
		input: { messageId: string; content: string; clientId: string }
	): Promise<{ user: ChatMessageDto; assistant: ChatMessageDto }> {
		const { chat, message } = await this.#ownMessage(user, input.messageId);
		if (message.role !== 'user') {
			throw new AppError('bad_request', 'Only your own messages can be edited.');
		}
		return this.send(user, {
			chatId: chat.id,
			content: input.content,
			parentId: message.parentId,
			clientId: input.clientId
		});
	}

	/** Resumes an interrupted, stopped or failed answer where it ended. */
	async continue(user: PublicUser, messageId: string): Promise<ChatMessageDto> {
		const { chat, message, nodes } = await this.#ownMessage(user, messageId);
		if (message.role !== 'assistant' || !message.parentId) {
			throw new AppError('bad_request', 'Only an answer can be continued.');
		}
		if (message.status === 'streaming') {
			throw new AppError('conflict', 'This answer is still streaming.');
		}
		if (!CONTINUABLE.includes(message.status)) {
			throw new AppError(
				'conflict',
				'This answer is complete. Regenerate it for another one, or send a new message.'
			);
		}
		const resolved = await this.#providers.resolve(message.modelId ?? chat.modelId);
		const slot = this.#completions.reserve(user.id);
		try {
			// Only if it still ended early: another tab may have continued it meanwhile.
			const row = await this.#db.chatMessage
				.update({
					where: { id: message.id, status: { in: CONTINUABLE } },
					data: { status: 'streaming', error: null }
				})
				.catch((error: unknown) => {
					if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') {
						throw new AppError('conflict', 'Another tab continued this answer already.');
					}
					throw error;
				});
			this.#startAnswer(user, chat, pathTo(nodes, message.parentId), row, resolved, {
				content: message.content,
				reasoning: message.reasoning
			});
			return this.#emitMessage(user, row);
		} finally {
			slot.release();
		}
	}

	/** Stops a streaming answer now; the provider request is cancelled and the text so far kept. */
	async stop(user: PublicUser, messageId: string): Promise<ChatMessageDto> {
		const { message } = await this.#ownMessage(user, messageId);
		const job = this.#completions.get(message.id);
		if (!job) throw new AppError('not_streaming', 'This answer is not streaming.');
		job.stop();
		await job.done;
		return toChatMessageDto(
			await this.#db.chatMessage.findUniqueOrThrow({ where: { id: message.id } })
		);
	}

	/** Shows another branch: the newest path through `messageId`. */
	async switchBranch(
		user: PublicUser,
		input: { chatId: string; messageId: string }
	): Promise<ChatSummary> {
		const chat = await this.#own(user, input.chatId);
		const nodes = await this.#nodes(chat.id);
		if (!nodes.some((n) => n.id === input.messageId)) {
			throw new AppError('not_found', 'No such message in this chat.');
		}
		await this.#db.chat.update({
			where: { id: chat.id },
			data: { currentLeafId: newestLeafUnder(nodes, input.messageId) }
		});
		return this.#announce(chat.id);
	}

	/** The question and answer an earlier send with this client id wrote, if any. */
	async #sentPair(
		chatId: string,
		clientId: string
	): Promise<{ user: ChatMessageDto; assistant: ChatMessageDto } | null> {
		const existing = await this.#db.chatMessage.findUnique({
			where: { chatId_clientId: { chatId, clientId } },
			include: { children: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 1 } }
		});
		if (!existing?.children[0]) return null;
		return { user: toChatMessageDto(existing), assistant: toChatMessageDto(existing.children[0]) };
	}

	#checkPrompt(content: string): string {
		const text = content.trim();
		if (!text) throw new AppError('empty_prompt', 'Write a message first.');
		if (text.length > this.#promptMaxChars) {
			throw new AppError(
				'prompt_too_long',
				`Messages can be at most ${this.#promptMaxChars.toLocaleString('en')} characters (this one has ${text.length.toLocaleString('en')}).`
			);
		}
		return text;
	}

	#answerData(chatId: string, parentId: string, resolved: ResolvedModel) {
		return {
			chatId,
			parentId,
			role: 'assistant',
			status: 'streaming',
			modelId: resolved.model.id,
			modelName: resolved.model.displayName
		};
	}

	#startAnswer(
		user: PublicUser,
		chat: { id: string; systemPrompt: string; title: string },
		path: Row[],
		answer: Row,
		resolved: ResolvedModel,
		prefix?: { content: string; reasoning: string }
	): void {
		const turns: ChatTurn[] = [
			...(chat.systemPrompt ? [{ role: 'system' as const, content: chat.systemPrompt }] : []),
			...path.map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
			...(prefix?.content ? [{ role: 'assistant' as const, content: prefix.content }] : [])
		];
		const job = this.#completions.start({
			chatId: chat.id,
			messageId: answer.id,
			userId: user.id,
			endpoint: resolved.endpoint,
			providerName: resolved.providerName,
			model: resolved.model,
			turns,
			prefix
		});
		void job.done.then(async (status) => {
			const renamed = await this.#titles.afterAnswer({
				chatId: chat.id,
				firstPrompt: path[0].content,
				firstExchange: path.length === 1,
				status,
				resolved
			});
			if (renamed) await this.#announce(chat.id);
		});
	}

	#emitMessage(user: PublicUser, row: Row): ChatMessageDto {
		const dto = toChatMessageDto(row);
		this.#bus.emit(rooms.user(user.id), 'chat:message', dto);
		return dto;
	}

	async #announce(chatId: string): Promise<ChatSummary> {
		const chat = await this.#db.chat.findUniqueOrThrow({ where: { id: chatId } });
		const summary = toChatSummary(chat);
		this.#bus.emit(rooms.user(chat.userId), 'chat:updated', summary);
		return summary;
	}

	async #own(user: PublicUser, chatId: string) {
		const chat = await this.#db.chat.findUnique({ where: { id: chatId } });
		// Someone else's chat is reported exactly like a missing one.
		if (!chat || chat.userId !== user.id) throw new AppError('not_found', 'No such chat.');
		return chat;
	}

	async #ownMessage(user: PublicUser, messageId: string) {
		const message = await this.#db.chatMessage.findUnique({ where: { id: messageId } });
		if (!message) throw new AppError('not_found', 'No such message.');
		const chat = await this.#own(user, message.chatId).catch(() => {
			throw new AppError('not_found', 'No such message.');
		});
		return { chat, message, nodes: await this.#nodes(chat.id) };
	}

	#nodes(chatId: string): Promise<Row[]> {
		return this.#db.chatMessage.findMany({
			where: { chatId },
			orderBy: [{ createdAt: 'asc' }, { id: 'asc' }]
		});
	}
}
