# shellcheck shell=bash
# Sourced by the scripts that test the service from outside (schemathesis.sh, verify-credentials.sh,
# python-client.sh): the debug binary serving the demo data on a throw-away database of the server scripts/db.sh
# finds. The caller defines `log` and `die`, sets BASE (http://127.0.0.1:PORT) and exports the server's environment
# (PORT, APP_ENV, ...) before `demo_serve`. Whatever happens, the server is stopped and the database dropped when
# the script exits.

demo_server_pid=''
demo_db=''
demo_started=$(date +%s)

demo_cleanup() {
    local status=$?
    demo_stop
    if [[ -n $demo_db ]]; then
        psql "${DATABASE_URL%/*}/postgres" -w -X -q -c "DROP DATABASE IF EXISTS \"$demo_db\" WITH (FORCE)" \
            >/dev/null 2>&1 || log "could not drop database $demo_db"
    fi
    log "finished in $(($(date +%s) - demo_started)) s"
    exit "$status"
}

# demo_database NAME: builds the debug binary (BIN) and creates the database NAME (DATABASE_URL is exported).
demo_database() {
    cargo build
    BIN=target/debug/bimtek-api
    demo_db=$1
    eval "$(scripts/db.sh "$demo_db")"
    trap demo_cleanup EXIT
}

# demo_serve LOG: starts `bimtek-api serve` (output to LOG) and waits until it is ready.
demo_serve() {
    local out=$1 i
    "$BIN" serve >"$out" 2>&1 &
    demo_server_pid=$!
    for ((i = 0; i < 100; i++)); do
        curl -fsS "$BASE/health/ready" >/dev/null 2>&1 && return 0
        kill -0 "$demo_server_pid" 2>/dev/null || die "the server exited; see $out"
        sleep 0.2
    done
    curl -fsS "$BASE/health/ready" >/dev/null || die "the server does not answer on $BASE; see $out"
}

# demo_stop: stops the server started by demo_serve, if any.
demo_stop() {
    if [[ -n $demo_server_pid ]]; then
        kill "$demo_server_pid" 2>/dev/null || true
        wait "$demo_server_pid" 2>/dev/null || true
        demo_server_pid=''
    fi
}
