import { type Db, Prisma } from '../db/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import type { ChatMessageDto } from '#lib/shared/chats.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { chatNodes, ownChat, ownMessage, type MessageRow } from './chat-access.ts';
import { announceChat, announceMessage } from './chat-announce.ts';
import { pathTo } from './chat-tree.ts';
import type { CompletionService } from './completion.service.ts';
import { toChatMessageDto, toChatSummary } from './dto.ts';
import type { ChatTurn } from './openai-client.ts';
import type { ProviderService, ResolvedModel } from './provider.service.ts';
import type { TitleService } from './title.service.ts';

/** Answers that ended early and may be resumed where they stopped. */
const CONTINUABLE: string[] = ['interrupted', 'stopped', 'error'];

/**
 * The messages of AI chats: sending, editing, regenerating, continuing and stopping answers.
 * Sending, regenerating, editing and continuing each write their rows in one transaction before
 * the answer starts, so a failure never leaves half a branch; the answer itself then runs as a
 * CompletionJob, and the chat may get a title after it.
 */
export class ChatMessageService {
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
		const chat = await ownChat(this.#db, user, input.chatId);
		const existing = await this.#sentPair(chat.id, input.clientId);
		if (existing) return existing;
		const content = this.#checkPrompt(input.content);
		const nodes = await chatNodes(this.#db, chat.id);
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
		const { chat, message, nodes } = await ownMessage(this.#db, user, input.messageId);
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
		const { chat, message } = await ownMessage(this.#db, user, input.messageId);
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
		const { chat, message, nodes } = await ownMessage(this.#db, user, messageId);
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
		const { message } = await ownMessage(this.#db, user, messageId);
		const job = this.#completions.get(message.id);
		if (!job) throw new AppError('not_streaming', 'This answer is not streaming.');
		job.stop();
		await job.done;
		return toChatMessageDto(
			await this.#db.chatMessage.findUniqueOrThrow({ where: { id: message.id } })
		);
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
		path: MessageRow[],
		answer: MessageRow,
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
			if (renamed) await announceChat(this.#db, this.#bus, chat.id);
		});
	}

	#emitMessage(user: PublicUser, row: MessageRow): ChatMessageDto {
		return announceMessage(this.#bus, user.id, row);
	}
}
