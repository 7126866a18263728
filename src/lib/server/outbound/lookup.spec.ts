import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { guardedLookup, resolveAllowed, type Resolver } from './lookup.ts';
import { OutboundPolicy } from './policy.ts';
import { OutboundRefusal } from './refusal.ts';

/** A resolver that answers from a script, one answer per call (the last one repeats). */
function scripted(...answers: LookupAddress[][]): Resolver & { calls: string[] } {
	const calls: string[] = [];
	const resolve = (hostname: string) => {
		calls.push(hostname);
		return Promise.resolve(answers[Math.min(calls.length - 1, answers.length - 1)]);
	};
	return Object.assign(resolve, { calls });
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

/** Calls a lookup like net.connect does and returns what it answered. */
function lookUp(
	lookup: ReturnType<typeof guardedLookup>,
	hostname: string,
	options: { all?: boolean; family?: number } = { all: true }
): Promise<{ error: Error | null; address: string | LookupAddress[]; family?: number }> {
	return new Promise((resolve) => {
		lookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
	});
}

describe('the connect-time lookup', () => {
	const policy = OutboundPolicy.fromSetting('127.0.0.1:11434');

	it('hands out public addresses and connects to exactly those', async () => {
		const resolve = scripted([v4('93.184.215.14'), v6('2606:2800:21f:cb07::1')]);
		const result = await lookUp(guardedLookup(policy, 443, resolve), 'api.example.com');
		expect(result.error).toBeNull();
		expect(result.address).toEqual([v4('93.184.215.14'), v6('2606:2800:21f:cb07::1')]);
		const single = await lookUp(guardedLookup(policy, 443, resolve), 'api.example.com', {
			family: 6
		});
		expect(single).toMatchObject({ address: '2606:2800:21f:cb07::1', family: 6 });
	});

	it('refuses a name that resolves inside, naming the address and the setting', async () => {
		const resolve = scripted([v4('10.0.0.7')]);
		const result = await lookUp(guardedLookup(policy, 80, resolve), 'intranet.example.com');
		expect(result.error).toBeInstanceOf(OutboundRefusal);
		expect(result.error?.message).toBe(
			'intranet.example.com:80 resolves to 10.0.0.7, a private network address; to allow it, add intranet.example.com:80 to OUTBOUND_ALLOW.'
		);
	});

	it('closes the DNS rebinding window: each connection is checked with the answer it uses', async () => {
		// First answer public, then 127.0.0.1 (a rebinding name with a short TTL).
		const resolve = scripted([v4('93.184.215.14')], [v4('127.0.0.1')]);
		const lookup = guardedLookup(policy, 8080, resolve);
		expect((await lookUp(lookup, 'rebind.example')).address).toEqual([v4('93.184.215.14')]);
		const second = await lookUp(lookup, 'rebind.example');
		expect(second.error).toBeInstanceOf(OutboundRefusal);
		expect(second.error?.message).toMatch(
			/^rebind\.example:8080 resolves to 127\.0\.0\.1, a loopback/
		);
		expect(resolve.calls).toEqual(['rebind.example', 'rebind.example']);
	});

	it('keeps only the allowed addresses of a name that has public and internal ones', async () => {
		const resolve = scripted([v4('127.0.0.1'), v4('93.184.215.14'), v4('169.254.169.254')]);
		const allowed = await resolveAllowed(policy, { host: 'mixed.example', port: 80 }, resolve);
		expect(allowed).toEqual([v4('93.184.215.14')]);
	});

	it('allows a listed address on its port only, whatever name resolves to it', async () => {
		const resolve = scripted([v4('127.0.0.1'), v6('::1')]);
		expect(await resolveAllowed(policy, { host: 'ollama.test', port: 11434 }, resolve)).toEqual([
			v4('127.0.0.1')
		]);
		await expect(
			resolveAllowed(policy, { host: 'ollama.test', port: 11435 }, resolve)
		).rejects.toThrow(/ollama\.test:11435 resolves to 127\.0\.0\.1/);
	});

	it('treats localhost and *.localhost as this machine without asking DNS', async () => {
		const resolve = scripted([v4('93.184.215.14')]);
		await expect(
			resolveAllowed(policy, { host: 'evil.localhost', port: 80 }, resolve)
		).rejects.toThrow(/loopback/);
		expect(await resolveAllowed(policy, { host: 'localhost', port: 11434 }, resolve)).toEqual([
			v4('127.0.0.1')
		]);
		expect(resolve.calls).toEqual([]);
	});

	it('fails like DNS when a name has no address of the family asked for', async () => {
		const resolve = scripted([v4('93.184.215.14')]);
		const result = await lookUp(guardedLookup(policy, 80, resolve), 'v4only.example', {
			family: 6
		});
		expect(result.error).toMatchObject({ code: 'ENOTFOUND' });
	});
});
