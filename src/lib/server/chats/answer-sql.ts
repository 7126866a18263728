/**
 * The statements of a streaming answer: its growing text, written a few times a second while it
 * streams, and its final write with the usage row. Straight on the seam, because with hundreds of
 * answers streaming these are the server's most frequent writes.
 */
import { join, param, q, raw, type Q } from '../db/sql.ts';

/** The answer's text so far. */
export function saveAnswerText(
	messageId: string,
	text: { content: string; reasoning: string },
	at: Date
): Q {
	return q`UPDATE "ChatMessage" SET content = ${text.content}, reasoning = ${text.reasoning}, "updatedAt" = ${at}
WHERE id = ${messageId}`;
}

export interface FinishedAnswer {
	content: string;
	reasoning: string;
	status: string;
	error: string | null;
	promptTokens: number;
	completionTokens: number;
	tokensEstimated: boolean;
	ttftMs: number | null;
	durationMs: number;
}

const MESSAGE_COLUMNS = raw(
	'id, "chatId", "parentId", role, content, reasoning, status, error, "modelName", "promptTokens", "completionTokens", "tokensEstimated", "ttftMs", "durationMs", "createdAt"'
);

/** The answer as it ends, returning the row (a ChatMessageRow) the tabs are sent. */
export function finishAnswer(messageId: string, answer: FinishedAnswer, at: Date): Q {
	return q`UPDATE "ChatMessage" SET content = ${answer.content}, reasoning = ${answer.reasoning},
status = ${answer.status}, error = ${answer.error}, "promptTokens" = ${param(answer.promptTokens)},
"completionTokens" = ${param(answer.completionTokens)}, "tokensEstimated" = ${answer.tokensEstimated},
"ttftMs" = ${param(answer.ttftMs)}, "durationMs" = ${param(answer.durationMs)}, "updatedAt" = ${at}
WHERE id = ${messageId} RETURNING ${MESSAGE_COLUMNS}`;
}

export interface AnswerUsage {
	id: string;
	messageId: string;
	userId: string;
	chatId: string;
	providerName: string;
	model: string;
	promptTokens: number;
	completionTokens: number;
	tokensEstimated: boolean;
	costUsd: number;
	ttftMs: number | null;
	durationMs: number;
	status: string;
	createdAt: Date;
}

/**
 * The answer's usage row (instance "local"). A continued answer adds to what the first attempt
 * used; its time, person, model and chat stay those of the first (the rollups place it by them).
 */
export function upsertAnswerUsage(usage: AnswerUsage): Q {
	const values = join(
		[
			q`${usage.id}`,
			q`'local'`,
			q`${usage.messageId}`,
			q`${usage.userId}`,
			q`${usage.chatId}`,
			q`${usage.providerName}`,
			q`${usage.model}`,
			param(usage.promptTokens),
			param(usage.completionTokens),
			q`${usage.tokensEstimated}`,
			param(usage.costUsd),
			param(usage.ttftMs),
			param(usage.durationMs),
			q`${usage.status}`,
			q`${usage.createdAt}`
		],
		', '
	);
	return q`INSERT INTO "UsageRecord" (id, "instanceId", "messageId", "userId", "chatId", "providerName",
model, "promptTokens", "completionTokens", "tokensEstimated", "costUsd", "ttftMs", "durationMs", status, "createdAt")
VALUES (${values})
ON CONFLICT ("instanceId", "messageId") DO UPDATE SET
"promptTokens" = "UsageRecord"."promptTokens" + excluded."promptTokens",
"completionTokens" = "UsageRecord"."completionTokens" + excluded."completionTokens",
"costUsd" = "UsageRecord"."costUsd" + excluded."costUsd",
"durationMs" = excluded."durationMs", status = excluded.status`;
}
