import { type Db, Prisma } from '../db/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import type { ChatSnapshot, ChatSummary } from '#lib/shared/chats.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { chatNodes, ownChat } from './chat-access.ts';
import { announceChat } from './chat-announce.ts';
import { newestLeafUnder } from './chat-tree.ts';
import type { CompletionService } from './completion.service.ts';
import { toChatMessageDto, toChatSummary } from './dto.ts';
import type { ProviderService } from './provider.service.ts';

/** A model deleted between the check and the write (a foreign key failure) is unavailable. */
function modelGone(error: unknown): never {
	if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003') {
		throw new AppError('model_unavailable', 'That model does not exist any more. Pick another.');
	}
	throw error;
}

/**
 * AI chats as records: listing, creating, opening (answers still streaming as of now), renaming,
 * pinning, deleting and switching branches. Their messages and answers are ChatMessageService's.
 */
export class ChatService {
	readonly #db: Db;
	readonly #bus: RealtimeBus;
	readonly #providers: ProviderService;
	readonly #completions: CompletionService;

	constructor(deps: {
		db: Db;
		bus: RealtimeBus;
		providers: ProviderService;
		completions: CompletionService;
	}) {
		this.#db = deps.db;
		this.#bus = deps.bus;
		this.#providers = deps.providers;
		this.#completions = deps.completions;
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
		const chat = await ownChat(this.#db, user, chatId);
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
		await ownChat(this.#db, user, input.chatId);
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
		await ownChat(this.#db, user, chatId);
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

	/** Shows another branch: the newest path through `messageId`. */
	async switchBranch(
		user: PublicUser,
		input: { chatId: string; messageId: string }
	): Promise<ChatSummary> {
		const chat = await ownChat(this.#db, user, input.chatId);
		const nodes = await chatNodes(this.#db, chat.id);
		if (!nodes.some((n) => n.id === input.messageId)) {
			throw new AppError('not_found', 'No such message in this chat.');
		}
		await this.#db.chat.update({
			where: { id: chat.id },
			data: { currentLeafId: newestLeafUnder(nodes, input.messageId) }
		});
		return this.#announce(chat.id);
	}

	#announce(chatId: string): Promise<ChatSummary> {
		return announceChat(this.#db, this.#bus, chatId);
	}
}
