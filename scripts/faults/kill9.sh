#!/usr/bin/env bash
# Fault test: the server killed with SIGKILL in the middle of bulk writes (`make faults` runs it). CYCLES times
# (default 20): start the release server on 127.0.0.1, fire bulk attendance PUTs (`PUT /sessions/{id}/attendance`,
# ROWS lines each, default 100, from WRITERS threads, default 4; every batch to a session of its own with a note
# of its own), `kill -9` the server at a random moment, and start it again (scripts/faults/kill9.py). Then SQL
# invariants: 0 partial batches, 0 orphans, 0 lost acknowledged writes, 0 stray lines. Prints a summary; exits 1
# on any violation, 2 when the setup fails.
#
# Uses the private cluster of scripts/faults/lib.sh (never the system server on 5432); PostgreSQL itself is not
# restarted here. Takes about a minute after the build.
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
# The settings of the servers the driver starts.
export APP_ENV=production RUN_MIGRATIONS=false LOG_FORMAT=json RUST_LOG=warn HOST=127.0.0.1 PORT=$API_PORT
export WORKERS=2 DB_POOL_SIZE=4 ACCESS_TOKEN_TTL_SECONDS=3600
export API_PORT DATABASE_URL BIN CYCLES ROWS SERVER_LOG=$WORK/server.log
faults_log "$CYCLES cycles of bulk writes and kill -9 on port $API_PORT"
status=0
(cd / && timeout 900 python3 "$FAULTS_DIR/kill9.py") || status=$?
exit "$status"
