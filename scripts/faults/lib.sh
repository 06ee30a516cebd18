# shellcheck shell=bash
# Shared setup of the fault scripts (sourced, not run): a private PostgreSQL cluster that these scripts may
# restart, a fresh database with a fixture, the release binary, and helpers to start and stop the server.
#
# The cluster is the private one of scripts/db.sh, in its own data directory and on its own port, never the
# system server on 5432: BIMTEK_PG_DATA (default /var/tmp/bimtek-pg-faults-<hash>), BIMTEK_PG_PORT (default
# 55440). Its databases run with synchronous_commit=on (set per database), so that an acknowledged commit survives
# an immediate restart; the cluster's fsync=off only matters for an operating-system crash, which is not tested.

set -euo pipefail

FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$FAULTS_DIR/../.." && pwd -P)
cd "$REPO"

faults_log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
faults_die() {
    faults_log "error: $*"
    exit 2
}

HASH=$(printf '%s:%s' "$REPO" "$(id -u)" | sha256sum | cut -c1-12)
export BIMTEK_SKIP_SYSTEM_PG=1
export BIMTEK_PG_DATA=${BIMTEK_PG_DATA:-/var/tmp/bimtek-pg-faults-$HASH}
export BIMTEK_PG_PORT=${BIMTEK_PG_PORT:-55440}
[[ $BIMTEK_PG_PORT != 5432 ]] || faults_die "BIMTEK_PG_PORT=5432 is the system server: the fault scripts never restart it"
FAULTS_DB=${FAULTS_DB:-bimtek_faults}
API_PORT=${FAULTS_API_PORT:-18191}
# FAULTS_BIN: an already built binary to use instead of building the release one.
BIN=${FAULTS_BIN:-$REPO/target/release/bimtek-api}
export JWT_SECRET=fault-tests-secret-fault-tests-secret-0123456789
# 32 bytes (hex): the key that encrypts webhook signing secrets, required in production mode.
export WEBHOOK_SECRET_KEY=6661756c742d74657374732d776562686f6f6b2d6b65792d3031323334353637
# Production mode needs the public address the QR codes of certificates point to.
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$API_PORT}
WORK=$(mktemp -d /tmp/bimtek-faults.XXXXXX)
SERVER_PID=''

# Starts (or reuses) the private cluster and exports DATABASE_URL of a fresh $FAULTS_DB database. DATABASE_URL
# from the caller's environment is ignored: it could name a server these scripts must not restart.
faults_cluster() {
    local env_lines
    env_lines=$(env -u DATABASE_URL "$REPO/scripts/db.sh" postgres) || faults_die "scripts/db.sh failed"
    eval "$env_lines"
    ADMIN_URL=$DATABASE_URL
    [[ $ADMIN_URL == *"127.0.0.1:$BIMTEK_PG_PORT/"* ]] ||
        faults_die "scripts/db.sh did not give the private cluster on port $BIMTEK_PG_PORT ($ADMIN_URL)"
    PG_BINDIR=/usr/lib/postgresql/$(<"$BIMTEK_PG_DATA/PG_VERSION")/bin
    [[ -x $PG_BINDIR/pg_ctl ]] || faults_die "no pg_ctl in $PG_BINDIR"
    PGOPTIONS='-c client_min_messages=warning' psql "$ADMIN_URL" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $FAULTS_DB WITH (FORCE)" \
        -c "CREATE DATABASE $FAULTS_DB" -c "ALTER DATABASE $FAULTS_DB SET synchronous_commit = on" >/dev/null
    export DATABASE_URL=${ADMIN_URL%/*}/$FAULTS_DB
    export PGCONNECT_TIMEOUT=3
}

# pg_ctl on the fault cluster, as its owner (postgres when we are root).
faults_pg_ctl() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$BIMTEK_PG_DATA" "$@")
    else
        (cd / && "$PG_BINDIR/pg_ctl" -D "$BIMTEK_PG_DATA" "$@")
    fi
}

faults_build() {
    if [[ -z ${FAULTS_BIN:-} ]]; then
        faults_log "building the release binary"
        cargo build --release --quiet
    fi
    "$BIN" migrate >/dev/null
}

faults_psql() { psql "$DATABASE_URL" -qAt -v ON_ERROR_STOP=1 "$@"; }

# Loads the fixture (scripts/faults/fixture.sql): an ongoing event, PARTICIPANTS approved officers and SESSIONS
# sessions; creates the admin account used by the drivers.
faults_fixture() {
    faults_psql -v participants="$1" -v sessions="$2" -f "$FAULTS_DIR/fixture.sql" >/dev/null
    printf '%s\n' 'fault-admin-password' | "$BIN" create-admin --username fault.admin >/dev/null
}

# Starts the release server in the background (its log appends to $WORK/server.log); waits until it is ready.
faults_start_server() {
    env APP_ENV=production RUN_MIGRATIONS=false LOG_FORMAT=json RUST_LOG=warn HOST=127.0.0.1 PORT="$API_PORT" \
        WORKERS=2 DB_POOL_SIZE=4 ACCESS_TOKEN_TTL_SECONDS=3600 SHUTDOWN_TIMEOUT_SECONDS=5 \
        "$BIN" serve >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 150; i++)); do
        curl -fs -m 1 "http://127.0.0.1:$API_PORT/health/ready" >/dev/null 2>&1 && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || faults_die "the server exited at start; see $WORK/server.log"
        sleep 0.1
    done
    faults_die "the server was not ready within 15 s; see $WORK/server.log"
}

faults_stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        timeout 10 tail --pid="$SERVER_PID" -f /dev/null || kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=''
}

faults_token() {
    curl -fs -m 5 "http://127.0.0.1:$API_PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d '{"username":"fault.admin","password":"fault-admin-password"}' |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

faults_cleanup() {
    faults_stop_server
    # The cluster is left running (scripts/db.sh reuses it); `BIMTEK_PG_DATA=... scripts/db.sh stop` stops it.
    rm -rf -- "$WORK"
}
trap faults_cleanup EXIT
