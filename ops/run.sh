#!/usr/bin/env bash
# The README's run command: builds the browser client when it is missing or older
# than its sources (ops/build-web.sh), then runs the server, which serves it at
# http://localhost:8080 with the data in ./kizuna-data. Arguments go to the server
# (e.g. --config kizuna.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
ops/build-web.sh
exec cargo run --release --locked -p kizuna-server -- "$@"
