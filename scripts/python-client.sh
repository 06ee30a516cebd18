#!/usr/bin/env bash
# `make python-client`: proof that the OpenAPI document serves Python clients. Installs openapi-python-client (and
# the client's date parser) at the versions pinned in clients/python/requirements.txt into a venv kept in
# target/python-client-venv, generates a client from openapi/openapi.json with clients/python/config.yml, and fails
# on any warning of the generator; then serves the demo data (the debug binary, a throw-away database) on
# 127.0.0.1:${PY_PORT:-18294} and runs clients/python/usage.py against it, which parses every answer with the
# generated models. About 15 s after the first run (which installs the packages: about 15 s more).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'python-client.sh: %s\n' "$*" >&2; }
die() {
    printf 'python-client.sh: error: %s\n' "$*" >&2
    exit 1
}

VENV=target/python-client-venv
OUT=target/python-client
PORT=${PY_PORT:-18294}
BASE=http://127.0.0.1:$PORT
mkdir -p "$OUT"

requirements=$(cat clients/python/requirements.txt)
if ! [[ -x $VENV/bin/openapi-python-client ]] || [[ $(cat "$VENV/.installed" 2>/dev/null) != "$requirements" ]]; then
    log "installing $(paste -sd' ' clients/python/requirements.txt) into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r clients/python/requirements.txt
    echo "$requirements" >"$VENV/.installed"
fi

rm -rf "$OUT/bimtek_client"
"$VENV/bin/openapi-python-client" generate --path openapi/openapi.json --config clients/python/config.yml \
    --meta none --output-path "$OUT/bimtek_client" >"$OUT/generate.log" 2>&1 ||
    { cat "$OUT/generate.log" >&2; die "the generator failed"; }
if grep -qi 'warning' "$OUT/generate.log"; then
    cat "$OUT/generate.log" >&2
    die "the generator warned (above)"
fi
log "generated $(find "$OUT/bimtek_client" -name '*.py' | wc -l) modules without a warning"

# shellcheck source=scripts/lib/demo-server.sh
source scripts/lib/demo-server.sh
demo_database "bimtek_py_$$"
export APP_ENV=development LOG_FORMAT=json HOST=127.0.0.1 PORT="$PORT" RUST_LOG=${RUST_LOG:-warn}
"$BIN" seed-demo >"$OUT/seed.log"
demo_serve "$OUT/server.log"
PYTHONPATH=$OUT "$VENV/bin/python" clients/python/usage.py "$BASE"
