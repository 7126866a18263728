#!/usr/bin/env bash
# Runs Parley on http://localhost:3000 (PORT and HOST honoured) with the embedded SQLite database in
# ./data (DATA_DIR). Installs what is missing first; quick on a second run. Migrations apply on start.
set -euo pipefail
source "$(dirname "$0")/lib/node.sh"
cd "$ROOT"
ensure_deps
ensure_build
exec node server/index.ts
