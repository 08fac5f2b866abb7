#!/usr/bin/env bash
# Load test: builds the release server and the load generator, then runs
# kizuna-load, which starts target/release/kizuna-server as a child process on a
# fresh database and drives it over real HTTP and WebSockets.
#
#   ops/load.sh                                   # the standard set, one markdown table
#   ops/load.sh closed --db sqlite --rooms 2 --secs 3
#   ops/load.sh paced --rate 1000 --db postgres
#   ops/load.sh idle --sockets 20000
#
# PostgreSQL runs use KIZUNA_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# a fresh database per run. Exits non-zero if any entry was lost, duplicated or
# delivered out of order.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p kizuna-server -p kizuna-tests --bin kizuna-server --bin kizuna-load
# Many sockets need many descriptors (the server inherits the limit); as root the
# hard limit can be raised too. kizuna-load also tries, and measures what fits.
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$#" -eq 0 ]; then set -- standard; fi
exec target/release/kizuna-load "$@"
