import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';

// Machines without internet cannot download Prisma's native schema engine. When the team's
// wasm stand-in is present beside the repo (../shared/tools), point the CLI at it; elsewhere the
// CLI downloads and uses the native engine as usual.
const offlineEngine = path.resolve('../shared/tools/prisma-schema-engine/schema-engine');
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY && existsSync(offlineEngine)) {
	process.env.PRISMA_SCHEMA_ENGINE_BINARY = offlineEngine;
}

export default defineConfig({
	schema: 'prisma/schema.prisma',
	migrations: { path: 'prisma/migrations' },
	datasource: { url: process.env.DATABASE_URL ?? 'file:./data/parley.db' }
});
