#!/usr/bin/env bash
# Fault test: the server killed in the middle of writes (`make faults` runs it). Two cases (KILL9_CASES, default
# "bulk idempotency"):
#
# - bulk: CYCLES times (default 20): start the release server on 127.0.0.1, fire bulk attendance PUTs
#   (`PUT /sessions/{id}/attendance`, ROWS lines each, default 100, from WRITERS threads, default 4; every batch to
#   a session of its own with a note of its own), `kill -9` the server at a random moment, and start it again
#   (scripts/faults/kill9.py). Then SQL invariants: 0 partial batches, 0 orphans, 0 lost acknowledged writes, 0
#   stray lines.
# - idempotency: IDEM_CYCLES times (default 5): the debug server with its fault hook dies right after a keyed
#   `POST /events/{id}/sessions` committed and before its answer is stored; the retry with the same key must not
#   repeat the effect (scripts/faults/kill9_idempotency.py). The hook exists only in debug builds, so this case
#   uses the debug binary (FAULTS_DEBUG_BIN, or target/debug/bimtek-api built here); `KILL9_CASES=idempotency`
#   runs it alone without a release build.
#
# Prints a summary; exits 1 on any violation, 2 when the setup fails. Uses the private cluster of
# scripts/faults/lib.sh (never the system server on 5432); PostgreSQL itself is not restarted here. The bulk case
# takes about a minute after the build, the idempotency case about 40 s.
CASES=" ${KILL9_CASES:-bulk idempotency} "
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
DEBUG_BIN=${FAULTS_DEBUG_BIN:-$ROOT/target/debug/bimtek-api}
if [[ $CASES == *" idempotency "* && -z ${FAULTS_DEBUG_BIN:-} ]]; then
    (cd "$ROOT" && cargo build --quiet) || { echo "kill9.sh: error: debug build failed" >&2; exit 2; }
fi
if [[ $CASES != *" bulk "* && -z ${FAULTS_BIN:-} ]]; then
    # The idempotency case alone: the debug binary serves the setup too, no release build.
    export FAULTS_BIN=$DEBUG_BIN
fi
# shellcheck source=scripts/faults/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CYCLES=${CYCLES:-20}
ROWS=${ROWS:-100}
faults_cluster
faults_build
faults_fixture "$ROWS" 4000
faults_start_server
export TOKEN
TOKEN=$(faults_token)
[[ -n $TOKEN ]] || faults_die "no token"
faults_stop_server
# The settings of the servers the drivers start.
export APP_ENV=production RUN_MIGRATIONS=false LOG_FORMAT=json RUST_LOG=warn HOST=127.0.0.1 PORT=$API_PORT
export WORKERS=2 DB_POOL_SIZE=4 ACCESS_TOKEN_TTL_SECONDS=3600
export API_PORT DATABASE_URL BIN CYCLES ROWS SERVER_LOG=$WORK/server.log
status=0
if [[ $CASES == *" bulk "* ]]; then
    faults_log "$CYCLES cycles of bulk writes and kill -9 on port $API_PORT"
    (cd / && timeout 900 python3 "$FAULTS_DIR/kill9.py") || status=$?
fi
if [[ $CASES == *" idempotency "* ]]; then
    faults_log "${IDEM_CYCLES:-5} cycles of a keyed POST killed between effect and answer (debug build)"
    # The shortest lease the configuration allows: the retry waits for the dead request's lease to run out.
    (cd / && IDEMPOTENCY_LEASE_SECONDS=5 DEBUG_BIN=$DEBUG_BIN timeout 600 \
        python3 "$FAULTS_DIR/kill9_idempotency.py") || {
        rc=$?
        ((status)) || status=$rc
    }
fi
exit "$status"
