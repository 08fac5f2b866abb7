#!/usr/bin/env bash
# Builds the browser client into client-web/web/dist, which kizuna-server serves at /.
#
#   ops/build-web.sh           # only what is missing or older than its sources
#   ops/build-web.sh --force   # everything again
#
# 1. The encryption core: kizuna-client-web for wasm32-unknown-unknown (release),
#    then the wasm-bindgen CLI of the version in Cargo.lock (installed into
#    target/tools on first use) writes the JS bindings into client-web/web/src/wasm/
#    (not committed). Skipped while the crate is not yet a wasm-bindgen cdylib.
# 2. The UI: `npm ci` when the lock changed, then `npm run build` (tsc + Vite).
# 3. Checks that index.html has no inline script or style (the CSP forbids them)
#    and prints the size of everything the browser downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WEB=$ROOT/client-web/web
WASM_OUT=$WEB/src/wasm
# KIZUNA_TOOLS_DIR lets a machine keep the CLI outside a fresh clone's target/.
TOOLS=${KIZUNA_TOOLS_DIR:-$ROOT/target/tools}
FORCE=${1:-}

say() { printf 'build-web: %s\n' "$*"; }
die() { printf 'build-web: FAILED: %s\n' "$*" >&2; exit 1; }

# Is any file under the given paths newer than $1 (or $1 missing)?
stale() {
  local mark=$1; shift
  [ "$FORCE" = --force ] && return 0
  [ -e "$mark" ] || return 0
  [ -n "$(find "$@" -newer "$mark" -type f -not -path '*/node_modules/*' -not -path '*/src/wasm/*' -print -quit 2>/dev/null)" ]
}

# --- tools -------------------------------------------------------------------
command -v node >/dev/null && command -v npm >/dev/null ||
  die "Node.js and npm are needed (Debian/Ubuntu: apt-get install nodejs npm; Node 20.19 or newer)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  die "Node.js $(node --version) is too old for Vite: install Node 20.19 or newer"

# --- 1. the WebAssembly core ---------------------------------------------------
is_bindgen_cdylib=$(cargo metadata --no-deps --format-version 1 --locked 2>/dev/null | python3 -c '
import json, sys
meta = json.load(sys.stdin)
for p in meta["packages"]:
    if p["name"] == "kizuna-client-web":
        cdylib = any("cdylib" in t["crate_types"] for t in p["targets"])
        bindgen = any(d["name"] == "wasm-bindgen" for d in p["dependencies"])
        print("yes" if cdylib and bindgen else "no")
' || echo no)

if [ "$is_bindgen_cdylib" = yes ]; then
  if stale "$WASM_OUT/kizuna_client_web_bg.wasm" client-web/src client-web/Cargo.toml engine crypto proto Cargo.lock Cargo.toml; then
    version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
    [ -n "$version" ] || die "wasm-bindgen is not in Cargo.lock"
    if [ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
      say "installing wasm-bindgen-cli $version into $TOOLS (a few minutes, once)"
      # --locked first; its lock can name a release the registry has since yanked,
      # in which case the newest compatible dependencies are the only way.
      cargo install wasm-bindgen-cli --version "$version" --locked --root "$TOOLS" --quiet ||
        cargo install wasm-bindgen-cli --version "$version" --root "$TOOLS" --quiet ||
        die "could not install wasm-bindgen-cli $version"
    fi
    if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
      rustup target add wasm32-unknown-unknown
    fi
    say "building the encryption core (kizuna-client-web, wasm32, release)"
    cargo build --locked --release -p kizuna-client-web --target wasm32-unknown-unknown
    rm -rf "$WASM_OUT"
    "$TOOLS/bin/wasm-bindgen" --target web --out-dir "$WASM_OUT" --out-name kizuna_client_web \
      "$ROOT/target/wasm32-unknown-unknown/release/kizuna_client_web.wasm"
  else
    say "encryption core up to date"
  fi
else
  say "kizuna-client-web is not a wasm-bindgen cdylib yet: building the UI without the core"
  rm -rf "$WASM_OUT"
fi

# --- 2. the UI -------------------------------------------------------------------
cd "$WEB"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ "$FORCE" = --force ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
if stale dist/index.html src public index.html package.json package-lock.json vite.config.ts tsconfig.json ||
  { [ -d "$WASM_OUT" ] && [ "$WASM_OUT" -nt dist/index.html ]; }; then
  say "npm run build"
  npm run --silent build
else
  say "UI up to date"
fi

# --- 3. checks -------------------------------------------------------------------
[ -f dist/index.html ] || die "dist/index.html was not built"
if grep -Eq '<style|[[:space:]]style=' dist/index.html || grep -E '<script' dist/index.html | grep -vq 'src='; then
  die "dist/index.html has an inline script or style, which the Content-Security-Policy blocks"
fi
say "served files (bytes, gzip):"
find dist -type f | sort | while read -r file; do
  printf '  %-48s %9d %9d\n' "${file#dist/}" "$(wc -c <"$file")" "$(gzip -9c "$file" | wc -c)"
done
# The budget for the encryption core as the browser downloads it (gzip). Measured
# 1.53 MB on 2026-11-26; a jump past this means a dependency crept in.
WASM_BUDGET_GZIP=${KIZUNA_WASM_BUDGET_GZIP:-1700000}
wasm_file=$(find dist -name '*.wasm' -print -quit)
if [ -n "$wasm_file" ]; then
  wasm_gzip=$(gzip -9c "$wasm_file" | wc -c)
  [ "$wasm_gzip" -le "$WASM_BUDGET_GZIP" ] ||
    die "the WebAssembly core is $wasm_gzip bytes gzipped, over the budget of $WASM_BUDGET_GZIP"
  say "WebAssembly core: $wasm_gzip bytes gzipped (budget $WASM_BUDGET_GZIP)"
fi
say "ok: $WEB/dist"
