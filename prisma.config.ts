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

// The database decides which of the two generated schemas (and Migrate histories) the CLI uses:
// `DATABASE_URL=postgresql://… npx prisma migrate dev` works on prisma/postgresql, anything else on
// prisma/sqlite. PostgreSQL's `migrate dev` and `migrate diff` also need SHADOW_DATABASE_URL.
const url = process.env.DATABASE_URL ?? 'file:./data/parley.db';
const provider = /^postgres(ql)?:/.test(url) ? 'postgresql' : 'sqlite';

export default defineConfig({
	schema: `prisma/${provider}/schema.prisma`,
	migrations: { path: `prisma/${provider}/migrations` },
	datasource: { url, shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL }
});
