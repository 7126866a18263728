#!/usr/bin/env bash
# Runs every check and test suite: type check, lint, formatting, schemas and migrations against
# the source schema, then the Vitest integration tests against the built server and Playwright in
# Chromium, once on SQLite and once on PostgreSQL (a throwaway cluster on 127.0.0.1). Ends with one
# line: `Tests: N passed, N failed` (checks count as one test each, both runs add up). Exits
# non-zero if anything failed. `PARLEY_TEST_DBS=sqlite` runs one database only.
set -uo pipefail
source "$(dirname "$0")/lib/node.sh"
source "$(dirname "$0")/lib/postgres.sh"
cd "$ROOT"
ensure_deps
mkdir -p test-results
rm -f test-results/*.json
databases=${PARLEY_TEST_DBS:-sqlite postgres}

# The PostgreSQL run and the PostgreSQL migrations check (its shadow database) need a server.
start_postgres || exit 1
trap stop_postgres EXIT

checks_passed=0
checks_failed=0
check() {
	local name=$1
	shift
	echo "› $name"
	if "$@"; then
		checks_passed=$((checks_passed + 1))
	else
		echo "✗ $name failed"
		checks_failed=$((checks_failed + 1))
	fi
}

# `migrate diff` on one database: its committed history against its generated schema.
migrations_match_schema() {
	local provider=$1 url shadow
	if [ -z "${PRISMA_SCHEMA_ENGINE_BINARY:-}" ] && [ ! -x ../shared/tools/prisma-schema-engine/schema-engine ] &&
		! npx prisma --version >/dev/null 2>&1; then
		echo "  skipped: no Prisma schema engine on this machine (offline without ../shared/tools)"
		return 0
	fi
	if [ "$provider" = postgresql ]; then
		[ -n "${POSTGRES_URL:-}" ] || { echo "  no PostgreSQL for the shadow database" >&2; return 1; }
		shadow="shadow_$RANDOM$RANDOM"
		"$POSTGRES_BIN/psql" -q "$POSTGRES_URL/postgres" -c "CREATE DATABASE $shadow" || return 1
		url="$POSTGRES_URL/$shadow"
	else
		url="file:$(mktemp -d)/diff.db"
	fi
	# The offline stand-in engine in ../shared/tools now and then fails to answer ("Error in Schema
	# engine", no reason, exit 1). A real difference exits 2 and fails at once; an engine error is
	# retried a few times.
	local attempt status
	for attempt in 1 2 3 4 5; do
		DATABASE_URL=$url SHADOW_DATABASE_URL=$url npx prisma migrate diff \
			--from-migrations "prisma/$provider/migrations" --to-schema "prisma/$provider/schema.prisma" \
			--exit-code && return 0
		status=$?
		[ "$status" -eq 1 ] || return "$status"
		echo "  schema engine error (attempt $attempt of 5)"
		sleep 1
	done
	return 1
}

check "svelte-kit sync" npx svelte-kit sync
check "svelte-check" npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output machine
check "eslint" npx eslint . --max-warnings 0
check "prettier" npx prettier --check . --log-level warn
check "schemas generated from prisma/models.prisma" node scripts/db/schemas.ts --check
check "SQLite migrations match schema" migrations_match_schema sqlite
check "PostgreSQL migrations match schema" migrations_match_schema postgresql
check "build" npx vite build --logLevel warn

reports=()
for db in $databases; do
	echo "› tests on $db"
	export PARLEY_TEST_DB=$db
	npx vitest run --reporter=default --reporter=json --outputFile.json="test-results/vitest-$db.json"
	reports+=("test-results/vitest-$db.json")
	if [ -f playwright.config.ts ]; then
		if [ "$db" = postgres ]; then
			"$POSTGRES_BIN/psql" -q "$POSTGRES_URL/postgres" -c "CREATE DATABASE e2e" &&
				export PARLEY_E2E_DATABASE_URL="$POSTGRES_URL/e2e"
		else
			unset PARLEY_E2E_DATABASE_URL
		fi
		PLAYWRIGHT_JSON_OUTPUT_NAME="test-results/playwright-$db.json" npx playwright test --reporter=list,json
		reports+=("test-results/playwright-$db.json")
	fi
done

node scripts/lib/summary.ts "$checks_passed" "$checks_failed" "${reports[@]}"
