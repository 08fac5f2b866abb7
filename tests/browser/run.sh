#!/usr/bin/env bash
# The browser suite: Debian's Chromium (playwright-core, no browser download) against
# a real kizuna-server (debug build) serving the built client. Screenshots, the
# server's log and every request body land in target/browser-artifacts/.
#
#   ops/build-web.sh && tests/browser/run.sh
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
[ -x "${KIZUNA_CHROMIUM:-/usr/bin/chromium}" ] || { echo "Chromium missing: apt-get install chromium" >&2; exit 1; }
[ -f "$ROOT/client-web/web/dist/index.html" ] || { echo "web client not built: run ops/build-web.sh" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# ops/test.sh sets KIZUNA_SERVER_BUILT: its `cargo test --workspace` built the binary.
[ -n "${KIZUNA_SERVER_BUILT:-}" ] || (cd "$ROOT" && cargo build --locked -p kizuna-server --bin kizuna-server)
rm -rf "$ROOT/target/browser-artifacts" && mkdir -p "$ROOT/target/browser-artifacts"
# Two files at a time (each starts its own server on a free port and its own
# browser): 6.4 min instead of 12.2 on 2 cores, all passing (2026-12-05).
exec node --test --test-concurrency=2 tests/
