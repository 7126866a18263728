/**
 * Writes the two Prisma schemas from the one source, prisma/models.prisma:
 * prisma/sqlite/schema.prisma and prisma/postgresql/schema.prisma, each beside its own Migrate
 * history. On PostgreSQL every DateTime is a timestamptz(3), and a field's trailing
 * `// postgresql: @db.…` comment adds that native type. `--check` writes nothing and exits 1 when
 * a generated file is out of date.
 *
 *   node scripts/db/schemas.ts [--check]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PRISMA_DIR = path.resolve(import.meta.dirname, '../../prisma');
const PROVIDERS = ['sqlite', 'postgresql'] as const;
type Provider = (typeof PROVIDERS)[number];

const POSTGRES_ATTRIBUTE = /\s*\/\/\s*postgresql:\s*(@db\.\S+(?:\([^)]*\))?)\s*$/;
const DATETIME_FIELD = /^(\s+\w+\s+DateTime\??)(\s|$)/;

function header(provider: Provider): string {
	return `// Generated from prisma/models.prisma by scripts/db/schemas.ts (npm run db:schemas): edit the
// source, not this file. Migrations beside it are created by \`prisma migrate dev\` on ${provider}.

generator client {
  provider     = "prisma-client"
  output       = "../../src/lib/server/generated/${provider}"
  moduleFormat = "esm"
}

datasource db {
  provider = "${provider}"
}
`;
}

function fieldLine(line: string, provider: Provider): string {
	const native = POSTGRES_ATTRIBUTE.exec(line);
	const bare = native ? line.slice(0, native.index) : line;
	if (provider === 'sqlite') return bare;
	if (native) return `${bare} ${native[1]}`;
	const datetime = DATETIME_FIELD.exec(bare);
	return datetime ? `${bare} @db.Timestamptz(3)` : bare;
}

export function renderSchema(source: string, provider: Provider): string {
	const models = source
		.replace(/^(\/\/[^\n]*\n)+\n/, '')
		.split('\n')
		.map((line) => fieldLine(line, provider))
		.join('\n');
	return `${header(provider)}\n${models}`;
}

const check = process.argv.includes('--check');
const source = readFileSync(path.join(PRISMA_DIR, 'models.prisma'), 'utf8');
let stale = 0;
for (const provider of PROVIDERS) {
	const file = path.join(PRISMA_DIR, provider, 'schema.prisma');
	const want = renderSchema(source, provider);
	const have = existsSync(file) ? readFileSync(file, 'utf8') : '';
	if (have === want) continue;
	if (check) {
		console.error(`${path.relative(process.cwd(), file)} is out of date: run npm run db:schemas`);
		stale++;
	} else {
		writeFileSync(file, want);
		console.log(`wrote ${path.relative(process.cwd(), file)}`);
	}
}
process.exit(stale ? 1 : 0);
