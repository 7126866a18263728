import path from 'node:path';
import { variables } from '../../env.ts';
import { DatabaseUrlError, parseDatabaseUrl, type DatabaseTarget } from './db/target.ts';

type Variables = typeof variables;
export type Config = {
	-readonly [K in keyof Variables]: NonNullable<
		Variables[K]['schema']['~standard']['types']
	>['output'];
} & { database: DatabaseTarget };

/**
 * Validates `process.env` against the declarations in `src/env.ts`. Used by the custom server, the CLI
 * and SvelteKit code alike. Throws one error naming every invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	const values: Record<string, unknown> = {};
	const problems: string[] = [];
	for (const [name, { schema }] of Object.entries(variables)) {
		const result = schema['~standard'].validate(env[name] === '' ? undefined : env[name]);
		if (result instanceof Promise) throw new Error(`${name}: async schemas are not supported`);
		if (result.issues) problems.push(`${name}: ${result.issues.map((i) => i.message).join('; ')}`);
		else values[name] = result.value;
	}
	const config = values as Config;
	if (!problems.length) {
		try {
			config.database = parseDatabaseUrl(
				config.DATABASE_URL ?? `file:${path.resolve(config.DATA_DIR, 'parley.db')}`
			);
		} catch (error) {
			if (!(error instanceof DatabaseUrlError)) throw error;
			problems.push(error.message);
		}
	}
	if (problems.length) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
	return config;
}
