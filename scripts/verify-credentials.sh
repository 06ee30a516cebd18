#!/usr/bin/env bash
# `make verify-credentials`: the service's Open Badges 3.0 credentials checked by verifiers that share no code with
# it, installed from the registries at pinned versions: PyJWT 2.15.1 with cryptography 50.0.2 (PyPI, in a venv kept
# in target/verifier-venv) verify every VC-JWT and status list against the published key set; jsonld.js 9.0.0 with
# the Open Badges 3.0 and VC 2.0 contexts from npm (@digitalcredentials/*) expands the credential in safe mode; and
# Digital Bazaar's @digitalbazaar/vc-bitstring-status-list 2.0.1 decodes the status list (npm ci from the committed
# package-lock.json). See scripts/verify-credentials/verify.py for the checks.
#
# Builds the debug binary, loads the demo data (which generates the signing keys) into a throw-away database on
# the server scripts/db.sh finds, serves it on 127.0.0.1:${VC_PORT:-18293} and runs the verifier against it. The
# database is dropped and the server stopped at the end, whatever happens. Costs about 30 s after the first run
# (the first installs the two packages and the npm modules: about 20 s more).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'verify-credentials.sh: %s\n' "$*" >&2; }
die() {
    printf 'verify-credentials.sh: error: %s\n' "$*" >&2
    exit 1
}

VENV=target/verifier-venv
OUT=target/verify-credentials
PORT=${VC_PORT:-18293}
BASE=http://127.0.0.1:$PORT
mkdir -p "$OUT"

# --- the independent verifiers ----------------------------------------------------------------------------------
requirements='PyJWT==2.15.1 cryptography==50.0.2'
if ! [[ -x $VENV/bin/python ]] || [[ $(cat "$VENV/.installed" 2>/dev/null) != "$requirements" ]]; then
    log "installing $requirements into $VENV"
    python3 -m venv "$VENV"
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install -q --disable-pip-version-check $requirements
    echo "$requirements" >"$VENV/.installed"
fi
command -v npm >/dev/null 2>&1 || die "npm is not installed (apt-get install -y nodejs npm)"
(cd scripts/verify-credentials && npm ci --no-audit --no-fund --loglevel=error)

# --- the service on a fresh database ----------------------------------------------------------------------------
# shellcheck source=scripts/lib/demo-server.sh
source scripts/lib/demo-server.sh
demo_database "bimtek_vc_$$"
export APP_ENV=development LOG_FORMAT=json HOST=127.0.0.1 PORT="$PORT" RUST_LOG=${RUST_LOG:-warn}
export PUBLIC_BASE_URL=https://bimtek.example.go.id
"$BIN" seed-demo >"$OUT/seed.log"
grep -q 'signing key generated' "$OUT/seed.log" || die "seed-demo generated no signing key; see $OUT/seed.log"
# Once signed with each algorithm: the server restarted with CREDENTIAL_SIGNING_ALG (each run revokes one more of
# the demo's certificates).
for alg in RS256 EdDSA; do
    export CREDENTIAL_SIGNING_ALG=$alg
    demo_serve "$OUT/server-$alg.log"
    log "signing with $alg"
    "$VENV/bin/python" scripts/verify-credentials/verify.py "$BASE" scripts/verify-credentials/check.mjs "$OUT" "$alg"
    demo_stop
done
