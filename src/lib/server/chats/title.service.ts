import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { AnswerStatus } from '#lib/shared/chats.ts';
import { complete, type ProviderHttp } from './openai-client.ts';
import type { ResolvedModel } from './provider.service.ts';

const TITLE_TIMEOUT_MS = 30_000;
const PLACEHOLDER = 'New chat';
const INSTRUCTION =
	'Write a short title (at most 6 words) for a conversation that starts with the message below. Answer with the title only, no quotes or punctuation at the end.';

export interface AnswerEnd {
	chatId: string;
	/** The first question of the branch the answer belongs to. */
	firstPrompt: string;
	/** The answer replies to that first question (a first answer, its retry or continuation). */
	firstExchange: boolean;
	status: AnswerStatus;
	resolved: ResolvedModel;
}

/**
 * Names chats, as ChatGPT and Open WebUI users expect: after the first answer, the model is asked
 * for a short title. A chat is never left as "New chat" once an answer ended: when the first answer
 * failed or was stopped, the chat is named after the first words of its first message at once, and
 * once an answer to that first message succeeds (Retry, Regenerate, Continue) the model is asked
 * again. A title the user gave is never replaced.
 */
export class TitleService {
	readonly #db: Db;
	readonly #log: Logger;
	readonly #http: ProviderHttp;

	constructor(db: Db, log: Logger, http: ProviderHttp) {
		this.#db = db;
		this.#log = log;
		this.#http = http;
	}

	/** Titles the chat if it still has an automatic title; true when it was renamed. */
	async afterAnswer(end: AnswerEnd): Promise<boolean> {
		// Interrupted answers end while the server shuts down; they are named once resumed.
		if (end.status === 'interrupted' || end.status === 'streaming') return false;
		const chat = await this.#db.chat.findUnique({
			where: { id: end.chatId },
			select: { title: true }
		});
		if (!chat) return false;
		const fallback = firstWords(end.firstPrompt);
		if (end.status === 'done') {
			const automatic =
				chat.title === PLACEHOLDER || (end.firstExchange && chat.title === fallback);
			if (!automatic) return false;
			return this.#rename(end.chatId, chat.title, await this.#ask(end), fallback);
		}
		if (chat.title !== PLACEHOLDER) return false;
		return this.#rename(end.chatId, PLACEHOLDER, fallback, fallback);
	}

	async #ask({ chatId, firstPrompt, resolved }: AnswerEnd): Promise<string> {
		try {
			const answer = await complete(
				this.#http,
				resolved.endpoint,
				{
					model: resolved.model.remoteId,
					messages: [
						{ role: 'system', content: INSTRUCTION },
						{ role: 'user', content: firstPrompt.slice(0, 2000) }
					],
					max_tokens: 24
				},
				AbortSignal.timeout(TITLE_TIMEOUT_MS)
			);
			return clean(answer);
		} catch (error) {
			this.#log.warn({ err: error, chatId }, 'title generation failed; using the first words');
			return '';
		}
	}

	/** Replaces `expected` only: the user may have renamed the chat meanwhile. */
	async #rename(chatId: string, expected: string, title: string, fallback: string) {
		const next = title || fallback || PLACEHOLDER;
		if (next === expected) return false;
		const { count } = await this.#db.chat.updateMany({
			where: { id: chatId, title: expected },
			data: { title: next }
		});
		return count > 0;
	}
}

function firstWords(prompt: string): string {
	return clean(prompt.split(/\s+/).slice(0, 6).join(' '));
}

function clean(text: string): string {
	return (
		text
			.replace(/<think>[\s\S]*?<\/think>/g, '')
			.split('\n')
			.map((line) => line.trim())
			.find(Boolean)
			?.replace(/^["'“”#*\s]+|["'“”.*\s]+$/g, '')
			.slice(0, 80) ?? ''
	);
}
