# Sourced by the scripts: a throwaway PostgreSQL cluster for tests and benchmarks (made by
# postgres-cluster.ts: initdb in a temp folder, 127.0.0.1, a free port). `start_postgres` exports
# POSTGRES_URL (a superuser URL without a database name; tests create a database each),
# POSTGRES_PID, POSTGRES_DIR and POSTGRES_BIN (Debian's binaries are off PATH). `stop_postgres`
# stops it by PID and deletes the folder. Needs Node on PATH (scripts/lib/node.sh).

start_postgres() {
	local vars name value
	vars=$(node "$(dirname "${BASH_SOURCE[0]}")/postgres-cluster.ts" start) || return 1
	# Only the four NAME=value lines the starter prints.
	while IFS='=' read -r name value; do
		case $name in
		POSTGRES_URL | POSTGRES_PID | POSTGRES_DIR | POSTGRES_BIN) export "$name=$value" ;;
		esac
	done <<<"$vars"
}

stop_postgres() {
	[ -n "${POSTGRES_PID:-}" ] || return 0
	# SIGINT is PostgreSQL's fast shutdown; the postmaster is not this shell's child, so poll.
	kill -INT "$POSTGRES_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do
		kill -0 "$POSTGRES_PID" 2>/dev/null || break
		sleep 0.1
	done
	rm -rf "$POSTGRES_DIR"
	unset POSTGRES_PID POSTGRES_URL
}
