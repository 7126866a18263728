import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { compact, errorLines, fuzzParameters, healthWithin } from './helpers/fuzz.ts';
import { RawSocket } from './helpers/raw-socket.ts';
import { useParley } from './helpers/kit.ts';

/**
 * Engine.IO and Socket.IO frames written by hand on a bare WebSocket (tests/helpers/raw-socket.ts):
 * malformed packets (`42[…]`, `451-[…]`), binary placeholders (`_placeholder`) that point nowhere,
 * attachments that never come or come unannounced, reserved event names, odd namespaces and ack
 * ids, deep nesting, and frames over SOCKET_MAX_PAYLOAD_BYTES — before and after signing in. The
 * server may drop such a connection; it must stay up and keep serving everyone else: after every
 * run a well-behaved socket still gets its ping answered, /healthz answers within 1 s, and the
 * server never logs an error.
 */
const RUNS = 500;
const FRAMES_PER_RUN = 8;
/** Small, so oversized frames are cheap to send. */
const MAX_PAYLOAD = 64 * 1024;

let user: TestUser;
let probe: TestUser;

const env = { ...RELAXED_LIMITS, SOCKET_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD) };
const server = useParley(
	{ env },
	async (kit) => {
		user = await kit.user('Frames');
		probe = await kit.user('Probe');
	},
	60_000
);

const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
const eventName = fc.oneof(
	fc.constantFrom(
		'ping',
		'channels:list',
		'note:sync',
		'disconnect',
		'connect',
		'newListener',
		'__proto__',
		'constructor',
		'hasOwnProperty'
	),
	fc.string({ maxLength: 12 })
);
const placeholder = fc
	.oneof(
		fc.integer({ min: -2, max: 12 }),
		fc.constantFrom('0', '__proto__', 'toString', 'length', null, 1.5, 1e21, true)
	)
	.map((num) => JSON.stringify({ _placeholder: true, num }));
const nsp = fc.constantFrom(
	'',
	'',
	'',
	'/,',
	'/admin,',
	'/x,',
	'/\u0000,',
	'/' + 'n'.repeat(200) + ','
);
const ackId = fc.oneof(
	fc.constant(''),
	fc.integer({ min: 0, max: 1e6 }).map(String),
	fc.constantFrom('99999999999999999999999', '-1', '1.5', '00')
);

/** A text frame: mostly Socket.IO packets inside an Engine.IO message (`4…`), some not. */
const textFrame = fc.oneof(
	{
		weight: 4,
		arbitrary: fc
			.tuple(nsp, ackId, eventName, fc.array(json, { maxLength: 3 }))
			.map(([n, id, event, args]) => `42${n}${id}[${[JSON.stringify(event), ...args].join(',')}]`)
	},
	{
		weight: 3,
		arbitrary: fc
			.tuple(
				fc.oneof(
					fc.integer({ min: -1, max: 12 }).map(String),
					fc.constantFrom('', 'x', '1e3', '99999999')
				),
				nsp,
				ackId,
				eventName,
				fc.array(fc.oneof(placeholder, json), { maxLength: 3 })
			)
			.map(
				([count, n, id, event, args]) =>
					`45${count}-${n}${id}[${[JSON.stringify(event), ...args].join(',')}]`
			)
	},
	{
		weight: 2,
		arbitrary: fc
			.tuple(
				fc.constantFrom('40', '41', '43', '44', '46', '47', '49', '4'),
				nsp,
				ackId,
				fc.oneof(json, fc.constant(''))
			)
			.map(([type, n, id, data]) => `${type}${n}${id}${data}`)
	},
	{
		weight: 1,
		arbitrary: fc
			.tuple(
				fc.constantFrom('0', '1', '2', '3', '5', '6', '7', '9', '', 'b'),
				fc.string({ maxLength: 40 })
			)
			.map(([type, rest]) => `${type}${rest}`)
	},
	{
		weight: 1,
		// Nested far deeper than any payload: the parser must refuse it, not blow the stack.
		arbitrary: fc
			.tuple(fc.integer({ min: 1000, max: 30_000 }), fc.boolean())
			.map(
				([depth, array]) =>
					`42["ping",${(array ? '[' : '{"a":').repeat(depth)}0${(array ? ']' : '}').repeat(depth)}]`
			)
	},
	{
		weight: 1,
		arbitrary: fc
			.integer({ min: MAX_PAYLOAD + 1, max: MAX_PAYLOAD * 3 })
			.map((size) => `42["ping",{"nonce":"${'x'.repeat(size)}"}]`)
	}
);
const binaryFrame = fc
	.uint8Array({ minLength: 0, maxLength: 256 })
	.map((bytes) => Buffer.from(bytes));
const frame = fc.oneof({ weight: 5, arbitrary: textFrame }, { weight: 1, arbitrary: binaryFrame });

interface Run {
	signIn: boolean;
	frames: (string | Buffer)[];
}

const run: fc.Arbitrary<Run> = fc
	.record({
		signIn: fc.oneof(
			{ weight: 4, arbitrary: fc.constant(true) },
			{ weight: 1, arbitrary: fc.constant(false) }
		),
		frames: fc.array(frame, { minLength: 1, maxLength: FRAMES_PER_RUN })
	})
	.map((r) =>
		Object.defineProperty(r, fc.toStringMethod, {
			value: () =>
				`${r.signIn ? 'signed in' : 'anonymous'}: ${compact(
					r.frames.map((f) => (typeof f === 'string' ? f : `<binary ${f.length}>`)),
					800
				)}`
		})
	);

/**
 * Opens a connection, signs in or not, sends the frames, then a ping of its own: its answer (or the
 * server closing the connection) shows every frame before it was read. Then someone else's ping.
 */
async function play({ signIn, frames }: Run): Promise<void> {
	const socket = new RawSocket(server.url, { cookie: user.http.cookieHeader, origin: server.url });
	try {
		await socket.opened();
		if (signIn) {
			socket.connect();
			expect((await socket.connectAnswer()).ok).toBe(true);
		}
		for (const f of frames) socket.send(f);
		if (!signIn) socket.connect();
		socket.send('4277777["ping",{"nonce":"end"}]');
		const answered = socket
			.frame((f) => typeof f === 'string' && f.startsWith('4377777'), 10_000)
			.then(() => 'answered');
		const dropped = socket.closed.then(() => 'dropped');
		expect(['answered', 'dropped']).toContain(await Promise.race([answered, dropped]));
		expect(await ok(probe.socket, 'ping', { nonce: 'probe' })).toMatchObject({ nonce: 'probe' });
	} finally {
		socket.close();
	}
}

describe('fuzzing raw Engine.IO / Socket.IO frames', () => {
	it(`${RUNS} connections with up to ${FRAMES_PER_RUN} hostile frames each`, async () => {
		const logsBefore = server.logs.length;
		await fc.assert(
			fc.asyncProperty(run, async (r) => {
				await play(r);
				expect(await healthWithin(server.url, 1000)).toBe(200);
			}),
			{
				...fuzzParameters(RUNS),
				// The known attack shapes first, then generated ones.
				examples: [
					[
						{
							signIn: true,
							frames: ['451-["ping",{"_placeholder":true,"num":"toString"}]', Buffer.from('x')]
						}
					],
					[
						{
							signIn: true,
							frames: ['451-["ping",{"_placeholder":true,"num":0}]', '42["ping",{"nonce":"a"}]']
						}
					],
					[{ signIn: true, frames: ['4599999-["ping"]'] }],
					[{ signIn: true, frames: [Buffer.from([1, 2, 3])] }],
					[{ signIn: true, frames: ['42["disconnect"]', '42["ping"]'] }],
					[{ signIn: false, frames: ['42["channels:list",{}]', '40{"token":5}'] }],
					[{ signIn: true, frames: ['40', '40', '41', '42["ping",{"nonce":"again"}]'] }]
				]
			}
		);
		const errors = errorLines(server.logs, logsBefore);
		expect(errors).toEqual([]);
		expect(probe.socket.connected).toBe(true);
	}, 180_000);
});
