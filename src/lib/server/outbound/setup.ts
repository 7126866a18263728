import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { OutboundClient } from './client.ts';
import { OutboundPolicy } from './policy.ts';

/** The outbound guard from OUTBOUND_ALLOW; warns about entries it will never honour. */
export function createOutbound(config: Config, log: Logger): OutboundClient {
	const policy = OutboundPolicy.fromSetting(config.OUTBOUND_ALLOW);
	for (const entry of policy.ignoredEntries()) {
		log.warn(
			{ entry },
			'OUTBOUND_ALLOW lists an address Parley never connects to (metadata, link-local, unspecified or multicast); ignored'
		);
	}
	if (policy.entries.length) {
		log.info(
			{ allowed: policy.entries.map((e) => `${e.host}:${e.port}`) },
			'server-side requests may reach these internal addresses'
		);
	}
	return new OutboundClient(policy);
}

/**
 * Warns at start about saved providers and instances whose URL the guard now refuses on sight (a
 * local Ollama configured before OUTBOUND_ALLOW existed, say), so the operator learns why before
 * anyone's chat fails.
 */
export async function warnRefusedUrls(
	db: Db,
	outbound: OutboundClient,
	log: Logger
): Promise<void> {
	const [providers, instances] = await Promise.all([
		db.provider.findMany({ select: { id: true, name: true, baseUrl: true } }),
		db.instance.findMany({ select: { id: true, name: true, baseUrl: true } })
	]);
	for (const [kind, rows] of [
		['provider', providers],
		['instance', instances]
	] as const) {
		for (const row of rows) {
			const refusal = outbound.checkUrl(row.baseUrl);
			if (refusal) {
				log.warn({ [kind]: row.name, id: row.id }, `${kind} ${row.name}: ${refusal.message}`);
			}
		}
	}
}
