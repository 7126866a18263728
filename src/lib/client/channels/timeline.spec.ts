import { describe, expect, it } from 'vitest';
import type { HistoryPage, MessageDto } from '#lib/shared/channels.ts';
import { Timeline } from './timeline.ts';

function message(seq: number): MessageDto {
	return {
		id: `m${seq}`,
		channelId: 'c',
		seq,
		version: seq,
		clientId: `client-${seq}`,
		author: { id: 'u', displayName: 'U', avatarColor: '#000000' },
		body: `message ${seq}`,
		parentId: null,
		replyCount: 0,
		lastReplyAt: null,
		createdAt: new Date(seq * 1000).toISOString(),
		editedAt: null,
		deletedAt: null,
		reactions: []
	};
}

function page(seqs: number[], hasMoreBefore: boolean, version = seqs.at(-1) ?? 0): HistoryPage {
	return {
		channelId: 'c',
		messages: seqs.map(message),
		hasMoreBefore,
		hasMoreAfter: false,
		version
	};
}

describe('Timeline.reset', () => {
	// ChannelSync reloads the newest page when a catch-up is truncated (too much changed).
	it('forgets how far back the replaced messages went', () => {
		const timeline = new Timeline('c');
		timeline.reset(page([10, 11], true));
		timeline.addOlder(page([5, 6], false));
		expect(timeline).toMatchObject({ oldestLoadedSeq: 5, hasMoreBefore: false });

		timeline.reset(page([50, 51], true, 60));
		expect(timeline.topLevel().map((m) => m.seq)).toEqual([50, 51]);
		expect(timeline).toMatchObject({ oldestLoadedSeq: 50, hasMoreBefore: true, cursor: 60 });
	});

	it('with an empty page, has nothing older to load', () => {
		const timeline = new Timeline('c');
		timeline.reset(page([10, 11], true));
		timeline.reset(page([], false, 12));
		expect(timeline).toMatchObject({ oldestLoadedSeq: 0, hasMoreBefore: false, cursor: 12 });
	});
});
