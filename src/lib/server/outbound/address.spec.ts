import { describe, expect, it } from 'vitest';
import { classifyAddress } from './address.ts';

/** The host the WHATWG URL parser makes of `http://<host>/`: the form the guard sees. */
const parsed = (host: string) => new URL(`http://${host}/`).hostname;

describe('classifyAddress', () => {
	it.each([
		['8.8.8.8'],
		['1.1.1.1'],
		['93.184.215.14'],
		['2606:4700:4700::1111'],
		['2a00:1450:4001:80b::200e'],
		['::ffff:8.8.8.8'],
		['64:ff9b::808:808'],
		['2002:808:808::1']
	])('%s is public', (address) => {
		expect(classifyAddress(address).public).toBe(true);
	});

	it.each([
		['127.0.0.1', 'loopback', true],
		['127.255.255.254', 'loopback', true],
		['::1', 'loopback', true],
		['10.0.0.1', 'private', true],
		['172.16.0.1', 'private', true],
		['172.31.255.255', 'private', true],
		['192.168.1.1', 'private', true],
		['100.64.0.1', 'carrierGradeNat', true],
		['100.127.255.255', 'carrierGradeNat', true],
		['fd00::1', 'uniqueLocal', true],
		['fc00::1', 'uniqueLocal', true],
		['192.0.2.1', 'reserved', true],
		['198.18.0.1', 'reserved', true],
		['240.0.0.1', 'reserved', true],
		['2001:db8::1', 'reserved', true],
		['::7f00:1', 'nonGlobal', true],
		['100::1', 'discard', true],
		['4000::1', 'nonGlobal', true],
		['169.254.169.254', 'metadata', false],
		['169.254.1.1', 'linkLocal', false],
		['fe80::1', 'linkLocal', false],
		['fd00:ec2::254', 'metadata', false],
		['100.100.100.200', 'metadata', false],
		['168.63.129.16', 'metadata', false],
		['0.0.0.0', 'unspecified', false],
		['0.1.2.3', 'unspecified', false],
		['::', 'unspecified', false],
		['255.255.255.255', 'broadcast', false],
		['224.0.0.1', 'multicast', false],
		['ff02::1', 'multicast', false]
	])('%s is refused as %s (allowable: %s)', (address, range, allowable) => {
		const found = classifyAddress(address);
		expect(found).toMatchObject({ public: false, range, allowable });
	});

	it('judges IPv4-mapped, NAT64 and 6to4 addresses by the IPv4 inside', () => {
		expect(classifyAddress('::ffff:127.0.0.1')).toMatchObject({
			public: false,
			address: '127.0.0.1',
			range: 'loopback'
		});
		expect(classifyAddress('::ffff:a9fe:a9fe')).toMatchObject({
			range: 'metadata',
			allowable: false
		});
		expect(classifyAddress('64:ff9b::7f00:1')).toMatchObject({ public: false, range: 'loopback' });
		expect(classifyAddress('64:ff9b::a00:1')).toMatchObject({ public: false, range: 'private' });
		expect(classifyAddress('2002:7f00:1::')).toMatchObject({ public: false, range: 'loopback' });
		expect(classifyAddress('2002:a9fe:a9fe::1')).toMatchObject({ allowable: false });
		// 64:ff9b:1::/48 is for local NAT64 use: no IPv4 to read out of it.
		expect(classifyAddress('64:ff9b:1::1').public).toBe(false);
		expect(classifyAddress('2001::1').public).toBe(false); // Teredo
	});

	it('sees through every spelling the URL parser accepts', () => {
		for (const host of [
			'2130706433',
			'0x7f000001',
			'0177.0.0.1',
			'0x7f.0.0.1',
			'127.1',
			'127.0.1',
			'017700000001',
			'%31%32%37.0.0.1',
			'１２７.０.０.１',
			'[::ffff:127.0.0.1]',
			'[::ffff:7f00:1]',
			'[0:0:0:0:0:ffff:127.0.0.1]',
			'[0000:0000:0000:0000:0000:0000:0000:0001]'
		]) {
			expect(classifyAddress(parsed(host)), host).toMatchObject({
				public: false,
				range: 'loopback'
			});
		}
		expect(classifyAddress(parsed('0'))).toMatchObject({ range: 'unspecified' });
		expect(classifyAddress(parsed('0xa9fea9fe'))).toMatchObject({ range: 'metadata' });
		expect(classifyAddress(parsed('2852039166'))).toMatchObject({ range: 'metadata' });
		expect(classifyAddress(parsed('[::ffff:169.254.169.254]'))).toMatchObject({
			range: 'metadata'
		});
	});
});
