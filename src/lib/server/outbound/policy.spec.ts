import { describe, expect, it } from 'vitest';
import { OutboundPolicy, parseAllowList } from './policy.ts';

describe('OUTBOUND_ALLOW', () => {
	it('parses host:port entries into normalised hosts', () => {
		expect(parseAllowList(' 127.0.0.1:11434, [0:0::1]:8080,LocalHost.:1234 ,')).toEqual([
			{ host: '127.0.0.1', port: 11434, address: '127.0.0.1' },
			{ host: '[::1]', port: 8080, address: '::1' },
			{ host: 'localhost', port: 1234, address: null }
		]);
		expect(parseAllowList('2130706433:80')).toEqual([
			{ host: '127.0.0.1', port: 80, address: '127.0.0.1' }
		]);
		expect(parseAllowList('')).toEqual([]);
	});

	it.each(['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', 'user@host:1', 'host/path:1', ':80'])(
		'refuses %s',
		(entry) => {
			expect(() => parseAllowList(entry)).toThrow(/OUTBOUND_ALLOW: .* is not host:port/);
		}
	);

	it('reports listed addresses it will never honour', () => {
		const policy = OutboundPolicy.fromSetting('169.254.169.254:80,0.0.0.0:11434,127.0.0.1:1');
		expect(policy.ignoredEntries()).toEqual(['169.254.169.254:80', '0.0.0.0:11434']);
	});
});

describe('OutboundPolicy.check', () => {
	const policy = OutboundPolicy.fromSetting(
		'127.0.0.1:11434,ollama.internal:8080,169.254.169.254:80,[::1]:9000'
	);

	it('lets public addresses through on any port', () => {
		expect(policy.check({ host: 'api.example.com', port: 443 }, '93.184.215.14')).toBeNull();
		expect(policy.check({ host: '[2606:4700::1]', port: 8443 }, '2606:4700::1')).toBeNull();
	});

	it('allows a listed address only on its exact port', () => {
		expect(policy.check({ host: '127.0.0.1', port: 11434 }, '127.0.0.1')).toBeNull();
		expect(policy.check({ host: '127.0.0.1', port: 11435 }, '127.0.0.1')?.message).toBe(
			'127.0.0.1:11435 is a loopback address (this machine); to allow it, add 127.0.0.1:11435 to OUTBOUND_ALLOW.'
		);
		expect(policy.check({ host: '[::1]', port: 9000 }, '::1')).toBeNull();
		expect(policy.check({ host: '[::1]', port: 11434 }, '::1')).not.toBeNull();
	});

	it('allows a listed address whatever name reaches it, and a listed name whatever it resolves to', () => {
		expect(policy.check({ host: 'localhost', port: 11434 }, '127.0.0.1')).toBeNull();
		expect(policy.check({ host: '[::ffff:7f00:1]', port: 11434 }, '::ffff:7f00:1')).toBeNull();
		expect(policy.check({ host: 'ollama.internal', port: 8080 }, '10.1.2.3')).toBeNull();
		expect(policy.check({ host: 'OLLAMA.internal.', port: 8080 }, 'fd00::5')).toBeNull();
		expect(policy.check({ host: 'ollama.internal', port: 8081 }, '10.1.2.3')?.message).toBe(
			'ollama.internal:8081 resolves to 10.1.2.3, a private network address; to allow it, add ollama.internal:8081 to OUTBOUND_ALLOW.'
		);
	});

	it('names the address behind another spelling, and suggests the canonical entry', () => {
		expect(policy.check({ host: '[::ffff:7f00:1]', port: 80 }, '::ffff:7f00:1')?.message).toBe(
			'[::ffff:7f00:1]:80 is 127.0.0.1, a loopback address (this machine); to allow it, add 127.0.0.1:80 to OUTBOUND_ALLOW.'
		);
	});

	it('never allows metadata, link-local or unspecified addresses, even when listed', () => {
		const metadata = policy.check({ host: '169.254.169.254', port: 80 }, '169.254.169.254');
		expect(metadata).toMatchObject({ reason: 'blocked', allowable: false });
		expect(metadata?.message).toBe(
			'169.254.169.254:80 is a cloud metadata service address; Parley never connects there, whatever OUTBOUND_ALLOW says.'
		);
		const named = OutboundPolicy.fromSetting('metadata.google.internal:80');
		expect(
			named.check({ host: 'metadata.google.internal', port: 80 }, '169.254.169.254')
		).toMatchObject({
			allowable: false
		});
		const zero = OutboundPolicy.fromSetting('0.0.0.0:11434');
		expect(zero.check({ host: '0.0.0.0', port: 11434 }, '0.0.0.0')).not.toBeNull();
	});
});
