#!/usr/bin/env bash
# Kizuna's whole test suite: exactly what CI runs (.ci/run calls this script).
#
#   ./ops/test.sh
#
# Installs or starts what the tests need by itself: the wasm32 target, libpq,
# a Python virtualenv with moto_server (the S3-compatible endpoint), and a
# throwaway PostgreSQL cluster under target/ when none answers at
# KIZUNA_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
# Run it as root (CI does): two tests mount small tmpfs file systems to fill a
# disk and to make a directory read-only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=$ROOT/target
mkdir -p "$TARGET"

START=$SECONDS
# Each step says when it began and how far into the run, so a slow CI log shows where.
step() { printf '\n=== %s  [%(%H:%M:%S)T, %d min in]\n' "$*" -1 $(((SECONDS - START) / 60)); }
# Stamps cargo's per-binary lines with the time, leaving the rest as it is.
stamp() {
  while IFS= read -r line; do
    case $line in
      *"Running "* | *"Finished "* | *Doc-tests*) printf '[%(%H:%M:%S)T] %s\n' -1 "$line" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${PG_LOCAL_DIR:-}" ] && [ -f "$PG_LOCAL_DIR/data/postmaster.pid" ]; then
    run_as_pg "$PG_BIN/pg_ctl" -D "$PG_LOCAL_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  command -v apt-get >/dev/null || die "missing $*; install them with your package manager"
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

step "toolchain and system packages"
rustup component add rustfmt clippy >/dev/null
rustup target add wasm32-unknown-unknown >/dev/null
missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# kizuna-ops backup/restore/drill use PostgreSQL's own dump tools.
{ command -v pg_dump && command -v pg_restore; } >/dev/null 2>&1 || missing+=(postgresql-client)
if [ ${#missing[@]} -gt 0 ]; then echo "installing ${missing[*]}"; apt_install "${missing[@]}"; fi

step "Chromium and Node.js for the web client and its browser tests"
web_missing=()
[ -x /usr/bin/chromium ] || web_missing+=(chromium)
{ command -v node && command -v npm; } >/dev/null 2>&1 || web_missing+=(nodejs npm)
# The browser suite edits a test server's SQLite file directly (replayed posts, restores).
command -v sqlite3 >/dev/null || web_missing+=(sqlite3)
# The inspection-record test prints to PDF and reads it back with poppler's tools.
{ command -v pdftotext && command -v pdfinfo && command -v pdfimages; } >/dev/null 2>&1 || web_missing+=(poppler-utils)
# Japanese text in the screenshots needs a Japanese font.
{ command -v fc-list >/dev/null && fc-list :lang=ja | grep -q .; } || web_missing+=(fonts-ipafont-gothic)
if [ ${#web_missing[@]} -gt 0 ]; then echo "installing ${web_missing[*]}"; apt_install "${web_missing[@]}"; fi
echo "node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version 2>/dev/null | tail -n 1)"

step "format and lints"
cargo fmt --all -- --check || die "run: cargo fmt --all"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "layering: the client core and the wire types stay free of server crates"
forbidden=(actix-web actix-http actix-rt tokio diesel libsqlite3-sys pq-sys object_store r2d2 reqwest)
for dep in "${forbidden[@]}"; do
  # A name that matches nothing anywhere would make this check pass vacuously.
  cargo tree --workspace -e normal,build -i "$dep" --locked >/dev/null 2>&1 || die "layering check names unknown crate $dep"
  for crate in kizuna-crypto kizuna-proto kizuna-engine; do
    if cargo tree -p "$crate" -e normal,build -i "$dep" --locked >/dev/null 2>&1; then
      cargo tree -p "$crate" -e normal,build -i "$dep" --locked | head -20
      die "$crate depends on $dep"
    fi
  done
done
echo "ok: kizuna-crypto, kizuna-proto and kizuna-engine use none of ${forbidden[*]}"

step "the client core builds for wasm32-unknown-unknown"
cargo build --locked -p kizuna-crypto -p kizuna-engine -p kizuna-client-web --target wasm32-unknown-unknown

step "the web client builds (WebAssembly core + UI, no inline script or style, size budget)"
ops/build-web.sh

step "the web client's unit tests (HTTP client, live reconnect, outbox retries; vitest in Node)"
(cd client-web/web && npm run --silent test:unit)

step "the WebAssembly core's own tests, in Node (wasm-bindgen-test)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="${KIZUNA_TOOLS_DIR:-$PWD/target/tools}/bin/wasm-bindgen-test-runner" \
  cargo test --locked -p kizuna-client-web --target wasm32-unknown-unknown 2>&1 | tee "$TARGET/wasm-test-output.log"

step "PostgreSQL"
export KIZUNA_TEST_PG_URL=${KIZUNA_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
pg_hostport=${KIZUNA_TEST_PG_URL#*@}; pg_hostport=${pg_hostport%%/*}
if [ -z "${KIZUNA_TEST_LOCAL_PG:-}" ] && reachable "${pg_hostport%:*}" "${pg_hostport#*:}"; then
  echo "using the PostgreSQL at ${pg_hostport}"
else
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$PG_BIN" ]; then echo "installing PostgreSQL"; apt_install postgresql; PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
  PG_LOCAL_DIR=$TARGET/pg
  run_as_pg() {
    if [ "$(id -u)" = 0 ]; then
      id kizuna-pg >/dev/null 2>&1 || useradd --system --no-create-home kizuna-pg
      chown -R kizuna-pg "$PG_LOCAL_DIR"
      runuser -u kizuna-pg -- "$@"
    else
      "$@"
    fi
  }
  rm -rf "$PG_LOCAL_DIR" && mkdir -p "$PG_LOCAL_DIR"
  port=$(free_port)
  run_as_pg "$PG_BIN/initdb" -D "$PG_LOCAL_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  run_as_pg "$PG_BIN/pg_ctl" -D "$PG_LOCAL_DIR/data" -l "$PG_LOCAL_DIR/log" -w \
    -o "-p $port -k $PG_LOCAL_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  export KIZUNA_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/postgres
  echo "started a throwaway PostgreSQL cluster in target/pg on port $port"
fi

step "S3-compatible endpoint (moto_server)"
VENV=$TARGET/venv-moto
if [ ! -x "$VENV/bin/moto_server" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'
fi
s3_port=$(free_port)
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$s3_port" >"$TARGET/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do reachable 127.0.0.1 "$s3_port" && break; sleep 0.2; done
reachable 127.0.0.1 "$s3_port" || die "moto_server did not start; see target/moto.log"
export KIZUNA_TEST_S3_ENDPOINT=http://127.0.0.1:$s3_port
echo "moto_server on $KIZUNA_TEST_S3_ENDPOINT"

step "FHIR validator for the export tests (fhir.resources, jsonschema)"
FHIR_VENV=$TARGET/venv-fhir
if ! "$FHIR_VENV/bin/python" -c 'import fhir.resources.R4B, jsonschema' 2>/dev/null; then
  python3 -m venv "$FHIR_VENV"
  "$FHIR_VENV/bin/pip" install --quiet --disable-pip-version-check 'fhir.resources==8.3.0' 'jsonschema==4.26.0'
fi
export KIZUNA_TEST_PYTHON=$FHIR_VENV/bin/python

step "tests"
# With the `ts` feature of kizuna-client-web, whose test `generated_types` writes the
# UI's TypeScript types (client-web/web/src/generated) from the Rust types into
# $KIZUNA_TEST_TS_OUT: compared with the committed copy below. One build for both: a
# separate `cargo test -p kizuna-client-web --features ts` would build its
# dependencies again with other features.
#
# cargo-nextest runs the tests of every test binary side by side, four at a time:
# many of them wait on timers, sockets and child processes, so this takes 3.2 min
# where `cargo test` (one binary after another) takes 7.5 on 2 cores. Each test is
# a process of its own. Without cargo-nextest, `cargo test` runs them.
# Variables for the tests are named KIZUNA_TEST_*: the servers the tests start
# inherit this environment and refuse any other KIZUNA_ variable they do not know.
ts_out=$(mktemp -d)
selection=(--workspace --locked --features kizuna-client-web/ts)
set +e
if cargo nextest --version >/dev/null 2>&1; then
  # --retries 1: one test process in ~1,800 aborted at exit ("double free or
  # corruption") after its test had passed; nextest marks a retried pass FLAKY in
  # the log. The cause is not found yet (see issue 17's note).
  KIZUNA_TEST_TS_OUT=$ts_out cargo nextest run "${selection[@]}" --no-fail-fast --test-threads 4 --retries 1 2>&1 |
    tee "$TARGET/test-output.log"
  status=${PIPESTATUS[0]}
  # cargo-nextest does not run doc tests.
  cargo test "${selection[@]}" --doc 2>&1 | tee -a "$TARGET/test-output.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
  echo "cargo-nextest not found: running the tests with cargo test"
  KIZUNA_TEST_TS_OUT=$ts_out cargo test "${selection[@]}" --no-fail-fast 2>&1 |
    stamp | tee "$TARGET/test-output.log"
  status=${PIPESTATUS[0]}
fi
set -e

step "the generated TypeScript types are current (client-web/web/src/generated, from the Rust types)"
# The build above type-checked the UI and the serde samples against the committed
# copy, so it must be what the Rust types give today.
ts_regen="cargo test -p kizuna-client-web --features ts --lib generated_types"
if [ ! -f "$ts_out/types.ts" ]; then
  echo "FAILED: the TypeScript type generator did not run; run: $ts_regen" >&2
  status=1
elif ! diff -ru client-web/web/src/generated "$ts_out"; then
  echo "FAILED: client-web/web/src/generated is stale; run: $ts_regen" >&2
  status=1
else
  echo "ok: client-web/web/src/generated matches the Rust types"
fi
rm -rf "$ts_out"

step "browser tests (Chromium, virtual passkey, real server)"
set +e
# The server binary was just built by the workspace's tests (features above);
# `cargo build -p kizuna-server` alone would unify features differently and rebuild
# every dependency (11 minutes on a cold 2-core machine).
KIZUNA_TEST_SERVER_BUILT=1 tests/browser/run.sh 2>&1 | tee "$TARGET/browser-output.log"
browser_status=${PIPESTATUS[0]}
set -e
[ "$status" -ne 0 ] || status=$browser_status

# One closing line for the whole run: cargo test's `test result:` lines, nextest's
# `Summary … N tests run: N passed, N failed, N timed out, …` and node's counts.
printf '\nthe whole run took %d min\n' $(((SECONDS - START) / 60))
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     / tests? run: / { for (i = 1; i <= NF; i++) { if ($i ~ /^passed,?$/) p += $(i-1); if ($i ~ /^failed,?$/ || $i == "timed") f += $(i-1) } }
     /^(# |ℹ )pass [0-9]+$/ { p += $3 } /^(# |ℹ )fail [0-9]+$/ { f += $3 }
     END { printf "\nkizuna: %d passed, %d failed\n", p, f }' "$TARGET/wasm-test-output.log" "$TARGET/test-output.log" "$TARGET/browser-output.log"
exit "$status"
