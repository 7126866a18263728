import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { complete, type ProviderHttp } from './openai-client.ts';
import type { ResolvedModel } from './provider.service.ts';

const TITLE_TIMEOUT_MS = 30_000;
const INSTRUCTION =
	'Write a short title (at most 6 words) for a conversation that starts with the message below. Answer with the title only, no quotes or punctuation at the end.';

/** Names a chat after its first exchange, asking the same model; falls back to the first words. */
export class TitleService {
	readonly #db: Db;
	readonly #log: Logger;
	readonly #http: ProviderHttp;

	constructor(db: Db, log: Logger, http: ProviderHttp) {
		this.#db = db;
		this.#log = log;
		this.#http = http;
	}

	async generate(chatId: string, firstPrompt: string, resolved: ResolvedModel): Promise<void> {
		let title = '';
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
			title = clean(answer);
		} catch (error) {
			this.#log.warn({ err: error, chatId }, 'title generation failed; using the first words');
		}
		title ||= clean(firstPrompt.split(/\s+/).slice(0, 6).join(' '));
		// Only replace the placeholder: the user may have renamed the chat meanwhile.
		await this.#db.chat.updateMany({ where: { id: chatId, title: 'New chat' }, data: { title } });
	}
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
