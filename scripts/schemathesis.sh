#!/usr/bin/env bash
# `make schemathesis`: property-based API tests of the committed OpenAPI document with schemathesis 4.32.5.
#
# Installs schemathesis into a virtual environment (target/schemathesis-venv, kept between runs), builds the debug
# binary, creates a throw-away database (scripts/db.sh finds PostgreSQL), loads the demo data into it, serves the
# API on 127.0.0.1:18292 in development mode with the login rate limits raised (schemathesis logs in many times),
# logs in as the demo admin and runs `st run` with every check, a fixed seed and a bounded number of examples per
# operation. It then checks the JSON report: at least 2,000 generated cases, every operation tested, 0 failures.
# The database is dropped and the server stopped at the end, whatever happens.
#
# Variables: ST_MAX_EXAMPLES (examples per operation and phase, default 40), ST_MIN_CASES (default 2000),
# ST_PORT (default 18292).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'schemathesis.sh: %s\n' "$*" >&2; }
die() {
    printf 'schemathesis.sh: error: %s\n' "$*" >&2
    exit 1
}

VERSION=4.32.5
VENV=target/schemathesis-venv
OUT=target/schemathesis
PORT=${ST_PORT:-18292}
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-40}
MIN_CASES=${ST_MIN_CASES:-2000}
BASE=http://127.0.0.1:$PORT

mkdir -p "$OUT"

# --- schemathesis, cached in target/ ----------------------------------------------------------------------------
if ! [[ -x $VENV/bin/st ]] || [[ $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null) != "$VERSION" ]]; then
    log "installing schemathesis $VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION"
fi

# --- the service on a fresh database ----------------------------------------------------------------------------
# shellcheck source=scripts/lib/demo-server.sh
source scripts/lib/demo-server.sh
demo_database "bimtek_st_$$"

export APP_ENV=development LOG_FORMAT=json HOST=127.0.0.1 PORT="$PORT" RUST_LOG=${RUST_LOG:-warn}
export LOGIN_MAX_FAILURES_PER_ACCOUNT=1000000 LOGIN_MAX_FAILURES_PER_ADDRESS=1000000 LOGIN_MAX_ATTEMPTS_PER_ADDRESS=1000000
export LOGIN_FAILURE_DELAY_MS=0
export ACCESS_TOKEN_TTL_SECONDS=3600 JWT_SECRET=${JWT_SECRET:-schemathesis-only-secret-0123456789abcdef0123456789}

"$BIN" seed-demo >/dev/null
demo_serve "$OUT/server.log"

TOKEN=$(curl -fsS -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"admin-demo-2025"}' | jq -r .access_token)
[[ -n $TOKEN && $TOKEN != null ]] || die "cannot log in as the demo admin"

# --- the run ----------------------------------------------------------------------------------------------------
rm -f "$OUT/run.json"
st_status=0
# The config file widens the accepted statuses where a schema cannot say more (412, 422 unknown_reference); the
# hooks add a check that keeps every other 422 on schema-valid data a failure. See both files for the reasons.
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=scripts/schemathesis \
    "$VENV/bin/st" --config-file scripts/schemathesis/schemathesis.toml run openapi/openapi.json --url "$BASE" \
    -H "Authorization: Bearer $TOKEN" \
    --checks all --seed 1 --max-examples "$MAX_EXAMPLES" --workers 1 --request-timeout 5 --generation-database none \
    --report json --report-json-path "$OUT/run.json" --no-color || st_status=$?

[[ -f $OUT/run.json ]] || die "schemathesis wrote no report (exit $st_status)"
"$VENV/bin/python" - "$OUT/run.json" "$MIN_CASES" <<'PY'
import json, sys

report = json.load(open(sys.argv[1]))
min_cases = int(sys.argv[2])
cases = report["test_cases"]
ops = report["operations"]
failures = report.get("failures", [])
problems = []
print(f"generated cases: {cases['generated']}, operations tested: {ops.get('tested')}/{ops.get('total')}, "
      f"unique failures: {cases.get('unique_failures')}, errored: {cases.get('errored')}")
if cases["generated"] < min_cases:
    problems.append(f"only {cases['generated']} cases generated (< {min_cases})")
if ops.get("tested") != ops.get("total"):
    problems.append(f"{ops.get('total', 0) - ops.get('tested', 0)} operations not tested")
if failures or cases.get("unique_failures"):
    problems.append(f"{len(failures)} kinds of failure")
    for f in failures:
        print(f"  {f.get('title')} ({f.get('code')}): {f.get('count')} x in {f.get('operations')}")
if cases.get("errored") or report.get("errors"):
    problems.append(f"errors: {report.get('errors')}")
if report.get("exit_code") not in (0, None):
    problems.append(f"schemathesis exit code {report.get('exit_code')}")
if problems:
    print("FAILED: " + "; ".join(problems))
    sys.exit(1)
print("OK")
PY
((st_status == 0)) || die "st run exited with $st_status"
