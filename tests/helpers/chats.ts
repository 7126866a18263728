import type { ChatDelta, ChatMessageDto } from '#lib/shared/chats.ts';
import { ok, type TestUser } from './channels.ts';
import type { HttpClient, TestSocket } from './client.ts';

/** Adds a provider pointing at the fake server and enables its models; returns the default model id. */
export async function setUpProvider(
	admin: HttpClient,
	baseUrl: string,
	apiKey = ''
): Promise<string> {
	const created = await admin.json<{ id: string }>('/api/v1/admin/providers', {
		method: 'POST',
		body: { name: `fake-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, baseUrl, apiKey }
	});
	if (created.status !== 201) {
		throw new Error(`provider: ${created.status} ${JSON.stringify(created.body)}`);
	}
	const refreshed = await admin.json<{ models: { id: string }[] }>(
		`/api/v1/admin/providers/${created.body.id}/models`,
		{ method: 'POST' }
	);
	const [first, ...rest] = refreshed.body.models;
	await admin.json(`/api/v1/admin/models/${first.id}`, {
		method: 'PATCH',
		body: { isDefault: true, inputPricePerMTok: 1, outputPricePerMTok: 2 }
	});
	for (const model of rest) {
		await admin.json(`/api/v1/admin/models/${model.id}`, {
			method: 'PATCH',
			body: { enabled: true }
		});
	}
	return first.id;
}

/**
 * Assembles streaming answers from `chat:delta` events the way a tab does: apply at the offset,
 * skip what is already there. Start it from a snapshot to model a tab that opened mid-stream.
 */
export class AnswerAssembler {
	readonly texts = new Map<string, { content: string; reasoning: string }>();
	readonly finals = new Map<string, ChatMessageDto>();
	gaps = 0;

	constructor(socket: TestSocket) {
		socket.on('chat:delta', (delta) => this.apply(delta));
		socket.on('chat:message', (message) => {
			if (message.status !== 'streaming') this.finals.set(message.id, message);
		});
	}

	seed(message: ChatMessageDto): void {
		this.texts.set(message.id, { content: message.content, reasoning: message.reasoning });
	}

	apply(delta: ChatDelta): void {
		const text = this.texts.get(delta.messageId) ?? { content: '', reasoning: '' };
		const have = text[delta.field].length;
		if (delta.offset > have) {
			this.gaps++;
			return;
		}
		text[delta.field] += delta.text.slice(have - delta.offset);
		this.texts.set(delta.messageId, text);
	}

	/** Resolves with the final message once the answer has ended. */
	async final(messageId: string, timeoutMs = 10_000): Promise<ChatMessageDto> {
		const start = Date.now();
		while (!this.finals.has(messageId)) {
			if (Date.now() - start > timeoutMs) throw new Error(`answer ${messageId} did not end`);
			await new Promise((r) => setTimeout(r, 20));
		}
		return this.finals.get(messageId) as ChatMessageDto;
	}
}

export async function newChat(user: TestUser): Promise<string> {
	return (await ok(user.socket, 'chat:create', {})).id;
}
