/**
 * Hand-made hostile Yjs updates, byte by byte in Yjs's v1 update encoding (what y-protocols sends):
 * updates that Yjs's own encoder never writes, but a malicious client can. Each builder takes the
 * target document (the server's note as a client sees it) so references point at real content.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';

type Id = [client: number, clock: number];
type Writer = (e: encoding.Encoder) => void;

interface ClientStructs {
	client: number;
	clock: number;
	structs: Writer[];
}

/** An update: per client its structs from `clock` on, then a delete set of `[client, [clock, len][]]`. */
export function rawUpdate(
	clients: ClientStructs[],
	deletes: [number, [number, number][]][] = []
): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, clients.length);
	for (const { client, clock, structs } of clients) {
		encoding.writeVarUint(e, structs.length);
		encoding.writeVarUint(e, client);
		encoding.writeVarUint(e, clock);
		for (const write of structs) write(e);
	}
	encoding.writeVarUint(e, deletes.length);
	for (const [client, ranges] of deletes) {
		encoding.writeVarUint(e, client);
		encoding.writeVarUint(e, ranges.length);
		for (const [clock, len] of ranges) {
			encoding.writeVarUint(e, clock);
			encoding.writeVarUint(e, len);
		}
	}
	return encoding.toUint8Array(e);
}

interface Content {
	ref: number;
	write: Writer;
}

/** An item: placed after `origin` and/or before `right`, or directly in `parent` (a root name or an item id), optionally under a map key. */
export function item(
	content: Content,
	place: { origin?: Id; right?: Id; parent?: string | Id; key?: string }
): Writer {
	return (e) => {
		const { origin, right, parent, key } = place;
		encoding.writeUint8(
			e,
			content.ref | (origin ? 0x80 : 0) | (right ? 0x40 : 0) | (key ? 0x20 : 0)
		);
		if (origin) writeId(e, origin);
		if (right) writeId(e, right);
		if (!origin && !right) {
			if (typeof parent === 'string') {
				encoding.writeVarUint(e, 1);
				encoding.writeVarString(e, parent);
			} else {
				encoding.writeVarUint(e, 0);
				writeId(e, parent ?? [0, 0]);
			}
			if (key) encoding.writeVarString(e, key);
		}
		content.write(e);
	};
}

function writeId(e: encoding.Encoder, [client, clock]: Id): void {
	encoding.writeVarUint(e, client);
	encoding.writeVarUint(e, clock);
}

export const text = (s: string): Content => ({
	ref: 4,
	write: (e) => encoding.writeVarString(e, s)
});
export const element = (name: string): Content => ({
	ref: 7,
	write: (e) => {
		encoding.writeVarUint(e, 3);
		encoding.writeVarString(e, name);
	}
});
export const xmlText = (): Content => ({ ref: 7, write: (e) => encoding.writeVarUint(e, 6) });
export const value = (...values: unknown[]): Content => ({
	ref: 8,
	write: (e) => {
		encoding.writeVarUint(e, values.length);
		for (const v of values) encoding.writeAny(e, v as never);
	}
});
export const format = (key: string, v: unknown): Content => ({
	ref: 6,
	write: (e) => {
		encoding.writeVarString(e, key);
		encoding.writeVarString(e, JSON.stringify(v));
	}
});
export const deleted = (length: number): Content => ({
	ref: 1,
	write: (e) => encoding.writeVarUint(e, length)
});
export const embed = (v: unknown): Content => ({
	ref: 5,
	write: (e) => encoding.writeVarString(e, JSON.stringify(v))
});
export const binary = (bytes: Uint8Array): Content => ({
	ref: 3,
	write: (e) => encoding.writeVarUint8Array(e, bytes)
});
export const gc =
	(length: number): Writer =>
	(e) => {
		encoding.writeUint8(e, 0);
		encoding.writeVarUint(e, length);
	};
export const skip =
	(length: number): Writer =>
	(e) => {
		encoding.writeUint8(e, 10);
		encoding.writeVarUint(e, length);
	};

/** Where a client of `doc` would write: its first paragraph's text node and that node's last character. */
export function anchors(doc: Y.Doc) {
	const paragraph = doc.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement;
	const textNode = paragraph.get(0) as Y.XmlText;
	let last = textNode._start;
	while (last?.right) last = last.right;
	if (!paragraph._item || !textNode._item || !last) throw new Error('the note needs text');
	const id = (i: Y.Item, end = false): Id => [i.id.client, i.id.clock + (end ? i.length - 1 : 0)];
	return {
		paragraph: id(paragraph._item),
		textNode: id(textNode._item),
		lastChar: id(last, true)
	};
}

const ATTACKER = 0x5eed;

export const HARMLESS: ReadonlySet<string> = new Set([
	'parent that is a character',
	'yjs #687 bytes'
]);

/** Bytes written by `write` alone: a header that promises more than follows. */
function promising(write: Writer): Uint8Array {
	const e = encoding.createEncoder();
	write(e);
	return encoding.toUint8Array(e);
}

/** An item in the note's fragment with content `ref` written by hand. */
function rootItem(ref: number, write: Writer): Writer {
	return (e) => {
		encoding.writeUint8(e, ref);
		encoding.writeVarUint(e, 1);
		encoding.writeVarString(e, NOTE_FIELD);
		write(e);
	};
}

/**
 * Every hostile update of the suite, by name, built against what `doc` holds, each from a client id
 * of its own (an accepted one would make a later one with the same id a mere duplicate). All must
 * be refused, except the `HARMLESS` ones, which Yjs turns into nothing visible (a struct whose parent
 * is a character becomes garbage; the #687 bytes read as an empty v1 update).
 */
export const nestedBlockquotes = (depth: number, client: number) =>
	rawUpdate([
		{
			client,
			clock: 0,
			structs: Array.from({ length: depth }, (_, i) =>
				item(element('blockquote'), i === 0 ? { parent: NOTE_FIELD } : { parent: [client, i - 1] })
			)
		}
	]);

export function hostileUpdates(doc: Y.Doc, base = ATTACKER): [name: string, update: Uint8Array][] {
	const { paragraph, textNode, lastChar } = anchors(doc);
	const one =
		(...structs: ((c: number) => Writer)[]) =>
		(c: number) =>
			rawUpdate([{ client: c, clock: 0, structs: structs.map((s) => s(c)) }]);
	const at = (write: Writer) => () => write;
	// A mark around new text: its start, the text, its end (formatting Yjs would not tidy away).
	const marked = (key: string, attrs: unknown) =>
		one(
			at(item(format(key, attrs), { origin: lastChar })),
			(c) => item(text('click'), { origin: [c, 0] }),
			(c) => item(format(key, null), { origin: [c, 5] })
		);
	const nested = (depth: number) => (c: number) => nestedBlockquotes(depth, c);
	const heading = at(item(element('heading'), { parent: NOTE_FIELD }));
	const builders: [string, (c: number) => Uint8Array][] = [
		['self-reference', one((c) => item(text('X'), { origin: [c, 0] }))],
		[
			'reference to a later struct',
			one((c) => item(text('A'), { origin: [c, 1] }), at(item(text('B'), { origin: lastChar })))
		],
		[
			'valid start, then a reference past itself',
			one(at(item(text('OK'), { origin: lastChar })), (c) => item(text('B'), { origin: [c, 5] }))
		],
		[
			'cross-client cycle',
			(c) =>
				rawUpdate([
					{ client: c, clock: 0, structs: [item(text('A'), { origin: [c + 1, 0] })] },
					{ client: c + 1, clock: 0, structs: [item(text('B'), { origin: [c, 0] })] }
				])
		],
		['parent that is a character', one(at(item(text('Z'), { parent: lastChar })))],
		['text in the fragment itself', one(at(item(text('loose'), { parent: NOTE_FIELD })))],
		['link whose href is a number', marked('link', { href: 5 })],
		['link whose href is an object', marked('link', { href: { x: 1 } })],
		['mark with an unknown attribute', marked('bold', { onclick: 'x' })],
		['mark that is not an object', marked('bold', true)],
		['unknown mark', marked('blink', {})],
		[
			'attribute of the wrong type',
			one(heading, (c) => item(value('1'), { parent: [c, 0], key: 'level' }))
		],
		[
			// The second value names only its predecessor: Yjs gives it the same element and key.
			'attribute of the wrong type, keyed by its predecessor',
			one(
				heading,
				(c) => item(value(2), { parent: [c, 0], key: 'level' }),
				(c) => item(value('2'), { origin: [c, 1] })
			)
		],
		['unknown attribute', one(at(item(value('alert(1)'), { parent: paragraph, key: 'onclick' })))],
		[
			'attribute holding several values',
			one(heading, (c) => item(value(1, 2), { parent: [c, 0], key: 'level' }))
		],
		['attribute on a text node', one(at(item(value('x'), { parent: textNode, key: 'href' })))],
		['element inside a text node', one(at(item(element('paragraph'), { origin: lastChar })))],
		['embed in text', one(at(item(embed({ image: 'x' }), { origin: lastChar })))],
		['binary content', one(at(item(binary(new Uint8Array([1, 2])), { origin: lastChar })))],
		['unknown element', one(at(item(element('script'), { parent: NOTE_FIELD })))],
		['other root', one(at(item(text('x'), { parent: 'settings' })))],
		['nesting 101 deep', nested(101)],
		['nesting 1,000 deep', nested(1000)],
		['huge GC length', one(at(gc(2 ** 50)), at(item(text('Q'), { origin: lastChar })))],
		['huge deleted length', one(at(item(deleted(2 ** 52), { origin: lastChar })))],
		['huge skip', one(at(skip(2 ** 40)))],
		['huge delete range', () => rawUpdate([], [[lastChar[0], [[0, 2 ** 53 - 1]]]])],
		// yjs #687 in the v1 encoding: counts and lengths that promise far more than the bytes hold.
		[
			'huge struct count',
			(c) =>
				promising((e) => {
					encoding.writeVarUint(e, 1);
					encoding.writeVarUint(e, 2 ** 32 - 1);
					encoding.writeVarUint(e, c);
					encoding.writeVarUint(e, 0);
					gc(1)(e);
				})
		],
		[
			'huge client count',
			(c) =>
				promising((e) => {
					encoding.writeVarUint(e, 2 ** 32 - 1);
					encoding.writeVarUint(e, 0);
					encoding.writeVarUint(e, c);
					encoding.writeVarUint(e, 0);
				})
		],
		[
			'huge string length',
			one(
				at(
					rootItem(4, (e) => {
						encoding.writeVarUint(e, 2 ** 31);
						encoding.writeUint8(e, 65);
					})
				)
			)
		],
		[
			'huge value count',
			one(
				at(
					rootItem(8, (e) => {
						encoding.writeVarUint(e, 2 ** 31);
						encoding.writeUint8(e, 127);
					})
				)
			)
		],
		['huge JSON count', one(at(rootItem(2, (e) => encoding.writeVarUint(e, 2 ** 31))))],
		// The v2 update from yjs #687's first reproduction, sent as the v1 update it claims to be.
		[
			'yjs #687 bytes',
			() =>
				Uint8Array.from(
					Buffer.from('00010000000001000100010200001602000001fdffffffff7f0000', 'hex')
				)
		],
		['empty bytes', () => new Uint8Array()],
		['truncated', (c) => one(at(item(text('cut off here'), { origin: lastChar })))(c).slice(0, 12)]
	];
	return builders.map(([name, build], i) => [name, build(base + 2 * i)]);
}
