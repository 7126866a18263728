import type { Config } from '../config.ts';
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
