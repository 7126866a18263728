# Sourced by the scripts: a throwaway PostgreSQL cluster for tests and benchmarks. `start_postgres`
# runs initdb in a temp folder, starts the server on 127.0.0.1 and a free port, and exports
# POSTGRES_URL (a superuser URL without a database name; tests create a database each) and
# POSTGRES_PID. `stop_postgres` stops it by PID and deletes the folder. Debian's packages put the
# binaries in /usr/lib/postgresql/<version>/bin, off PATH.

postgres_bin() {
	local dir
	for dir in /usr/lib/postgresql/*/bin; do
		[ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
	done
	command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
	return 1
}

free_port() {
	node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_postgres() {
	local bin port
	bin=$(postgres_bin) || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
	POSTGRES_DIR=$(mktemp -d /tmp/parley-pg-XXXXXX)
	# initdb and postgres refuse to run as root: as root, run them as the `postgres` system user
	# that Debian's package creates.
	local run=()
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$POSTGRES_DIR"
		run=(runuser -u postgres --)
	fi
	"${run[@]}" "$bin/initdb" -D "$POSTGRES_DIR/data" -U parley --auth=trust -E UTF8 --locale=C.UTF-8 >"$POSTGRES_DIR/initdb.log" 2>&1 ||
		{ cat "$POSTGRES_DIR/initdb.log" >&2; return 1; }
	port=$(free_port)
	# fsync off: a test cluster is thrown away, so durability across an OS crash buys nothing.
	"${run[@]}" "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w -t 30 \
		-o "-p $port -k $POSTGRES_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
		start >/dev/null || { cat "$POSTGRES_DIR/server.log" >&2; return 1; }
	POSTGRES_PID=$(head -1 "$POSTGRES_DIR/data/postmaster.pid")
	export POSTGRES_PID POSTGRES_DIR POSTGRES_BIN=$bin
	export POSTGRES_URL="postgresql://parley@127.0.0.1:$port"
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
