#!/usr/bin/env bash
# Creates a migration for both databases from prisma/models.prisma, with Prisma's own engine:
# regenerates the two schemas, then `prisma migrate dev --create-only --name <name>` on a fresh
# SQLite file and on a throwaway PostgreSQL cluster, and regenerates both clients. Review the two
# migration.sql files, then commit them with the schema change.
#
#   npm run db:migrate -- <name>
set -euo pipefail
source "$(dirname "$0")/../lib/node.sh"
source "$ROOT/scripts/lib/postgres.sh"
cd "$ROOT"
name=${1:?usage: npm run db:migrate -- <name>}

node scripts/db/schemas.ts
work=$(mktemp -d)
trap 'stop_postgres; rm -rf "$work"' EXIT

DATABASE_URL="file:$work/dev.db" npx prisma migrate dev --create-only --name "$name"

start_postgres
"$POSTGRES_BIN/psql" -q "$POSTGRES_URL/postgres" -c 'CREATE DATABASE dev' -c 'CREATE DATABASE shadow'
DATABASE_URL="$POSTGRES_URL/dev" SHADOW_DATABASE_URL="$POSTGRES_URL/shadow" \
	npx prisma migrate dev --create-only --name "$name"

npm run -s db:generate
