#!/usr/bin/env bash
# Builds the browser client into client-web/web/dist, which kizuna-server serves at /.
#
#   ops/build-web.sh           # only what is missing or older than its sources
#   ops/build-web.sh --force   # everything again
#
# 1. `npm ci` in client-web/web when its lock changed (Vite, and binaryen's wasm-opt).
# 2. The encryption core: kizuna-client-web for wasm32-unknown-unknown with the
#    size-first `wasm-release` profile (root Cargo.toml), then the wasm-bindgen CLI
#    of the version in Cargo.lock (installed into target/tools on first use) writes
#    the JS bindings into client-web/web/src/wasm/ (not committed), without the
#    name section, and `wasm-opt -O1` (binaryen, from npm) is tried on the .wasm.
#    Skipped while the crate is not yet a wasm-bindgen cdylib.
# 3. The UI: `npm run build` (tsc + Vite).
# 4. Checks that index.html has no inline script or style (the CSP forbids them),
#    prints the size of everything the browser downloads and fails when the core or
#    the first visit is over its budget (benchmarks/web-weight.md).
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

# --- 1. npm packages ----------------------------------------------------------------
# Before the core: wasm-opt comes from the binaryen package.
if [ ! -d "$WEB/node_modules" ] || [ "$WEB/package-lock.json" -nt "$WEB/node_modules/.package-lock.json" ] ||
  [ "$FORCE" = --force ]; then
  say "npm ci"
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- 2. the WebAssembly core ---------------------------------------------------
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
    say "building the encryption core (kizuna-client-web, wasm32, profile wasm-release)"
    cargo build --locked --profile wasm-release -p kizuna-client-web --target wasm32-unknown-unknown
    rm -rf "$WASM_OUT"
    "$TOOLS/bin/wasm-bindgen" --target web --out-dir "$WASM_OUT" --out-name kizuna_client_web \
      --remove-name-section --remove-producers-section \
      "$ROOT/target/wasm32-unknown-unknown/wasm-release/kizuna_client_web.wasm"
    # wasm-opt, kept only if the browser then downloads less. -O1: on this core -Oz
    # and -O2 make the file smaller but its gzip 7% larger, -O1 its gzip 0.7% smaller
    # (benchmarks/web-weight.md). The features are the ones the core uses: rustc's
    # defaults for wasm32-unknown-unknown (`rustc --print cfg --target
    # wasm32-unknown-unknown`) and the SIMD that fast_image_resize, sha2 and memchr
    # compile in.
    core=$WASM_OUT/kizuna_client_web_bg.wasm
    say "wasm-opt -O1 (binaryen $("$WEB/node_modules/.bin/wasm-opt" --version | awk '{ print $3 }'))"
    "$WEB/node_modules/.bin/wasm-opt" -O1 --strip-debug --strip-producers \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      --enable-reference-types --enable-multivalue --enable-simd \
      -o "$core.opt" "$core"
    before=$(gzip -9c "$core" | wc -c)
    after=$(gzip -9c "$core.opt" | wc -c)
    if [ "$after" -lt "$before" ]; then
      say "wasm-opt: $before -> $after bytes gzipped: kept"
      mv "$core.opt" "$core"
    else
      say "wasm-opt: $before -> $after bytes gzipped: not kept"
      rm "$core.opt"
    fi
  else
    say "encryption core up to date"
  fi
else
  say "kizuna-client-web is not a wasm-bindgen cdylib yet: building the UI without the core"
  rm -rf "$WASM_OUT"
fi

# --- 3. the UI -------------------------------------------------------------------
cd "$WEB"
if stale dist/index.html src public index.html package.json package-lock.json vite.config.ts tsconfig.json ||
  { [ -d "$WASM_OUT" ] && [ "$WASM_OUT" -nt dist/index.html ]; }; then
  say "npm run build"
  npm run --silent build
else
  say "UI up to date"
fi

# --- 4. checks -------------------------------------------------------------------
[ -f dist/index.html ] || die "dist/index.html was not built"
if grep -Eq '<style|[[:space:]]style=' dist/index.html || grep -E '<script' dist/index.html | grep -vq 'src='; then
  die "dist/index.html has an inline script or style, which the Content-Security-Policy blocks"
fi
gzipped() { gzip -9c "$1" | wc -c; }
say "served files (bytes, gzip):"
find dist -type f | sort | while read -r file; do
  printf '  %-48s %9d %9d\n' "${file#dist/}" "$(wc -c <"$file")" "$(gzipped "$file")"
done

# Budgets (benchmarks/web-weight.md), gzip -9 bytes; 1 KB = 1000 bytes.
# The core: the .wasm alone.
WASM_BUDGET_GZIP=${KIZUNA_WASM_BUDGET_GZIP:-900000}
# The first visit: everything a browser downloads on its first visit, until the
# service worker has installed: index.html (served at /), sw.js, and every file the
# worker caches at install, which starts at the page's load event. That is the
# worker's own list (the build's files, the WebAssembly core among them, and the
# manifest and icons), read from the header vite.config.ts writes into sw.js.
FIRST_VISIT_BUDGET_GZIP=${KIZUNA_FIRST_VISIT_BUDGET_GZIP:-1100000}

[ -f dist/sw.js ] || die "dist/sw.js was not built"
first_visit=$(node -e '
  const { readFileSync } = require("node:fs");
  const head = readFileSync("dist/sw.js", "utf8").split("\n", 1)[0];
  const match = /^var __KIZUNA_SW__ = (.*);$/.exec(head);
  if (match === null) { console.error("dist/sw.js does not start with its file list"); process.exit(1); }
  const build = JSON.parse(match[1]);
  const paths = new Set(["/", "/sw.js", ...build.files, ...build.extras]);
  for (const path of paths) console.log(path === "/" ? "index.html" : path.slice(1));
') || die "could not read the service worker's file list from dist/sw.js"
first_visit_gzip=0
first_visit_raw=0
for file in $first_visit; do
  [ -f "dist/$file" ] || die "the service worker caches /$file, which is not in dist/"
  first_visit_gzip=$((first_visit_gzip + $(gzipped "dist/$file")))
  first_visit_raw=$((first_visit_raw + $(wc -c <"dist/$file")))
done
first_visit_files=$(echo "$first_visit" | wc -w)

over=()
wasm_file=$(find dist -name '*.wasm' -print -quit)
if [ -n "$wasm_file" ]; then
  wasm_gzip=$(gzipped "$wasm_file")
  say "WebAssembly core: $wasm_gzip bytes gzipped, $(wc -c <"$wasm_file") raw (budget $WASM_BUDGET_GZIP gzipped)"
  [ "$wasm_gzip" -le "$WASM_BUDGET_GZIP" ] ||
    over+=("the WebAssembly core is $wasm_gzip bytes gzipped, over its budget of $WASM_BUDGET_GZIP")
fi
say "first visit: $first_visit_gzip bytes gzipped, $first_visit_raw raw, $first_visit_files files (budget $FIRST_VISIT_BUDGET_GZIP gzipped)"
[ "$first_visit_gzip" -le "$FIRST_VISIT_BUDGET_GZIP" ] ||
  over+=("the first visit is $first_visit_gzip bytes gzipped, over its budget of $FIRST_VISIT_BUDGET_GZIP")
if [ "${#over[@]}" -gt 0 ]; then
  for problem in "${over[@]}"; do printf 'build-web: %s\n' "$problem" >&2; done
  die "over budget: benchmarks/web-weight.md says what makes the client large"
fi
say "ok: $WEB/dist"
