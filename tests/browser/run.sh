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
# ops/test.sh sets KIZUNA_TEST_SERVER_BUILT: its workspace test build made the binary.
[ -n "${KIZUNA_TEST_SERVER_BUILT:-}" ] || (cd "$ROOT" && cargo build --locked -p kizuna-server --bin kizuna-server)
rm -rf "$ROOT/target/browser-artifacts" && mkdir -p "$ROOT/target/browser-artifacts"
# The files that hold the UI to a time budget (live delivery within 1 s, a reload
# within 1 s, the first visit on a slow link) run alone, after the others; those run
# two files at a time (each starts its own server on a free port and its own
# browser). Serially the suite took 12.2 min on 2 cores.
timed=(tests/live.test.mjs tests/load-time.test.mjs tests/rooms.test.mjs tests/room-list.test.mjs)
rest=()
for file in tests/*.test.mjs; do
  case " ${timed[*]} " in *" $file "*) ;; *) rest+=("$file") ;; esac
done
status=0
node --test --test-concurrency=2 "${rest[@]}" || status=1
node --test --test-concurrency=1 "${timed[@]}" || status=1
exit "$status"
