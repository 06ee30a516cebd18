#!/usr/bin/env bash
# Finds or starts a PostgreSQL server for development and tests, and prints the shell `export` lines that point
# the service at it. Messages go to stderr; stdout carries only the export lines, so callers can do
#
#     env_lines=$(scripts/db.sh [DBNAME]) && eval "$env_lines"
#
# (assign first: `eval "$(scripts/db.sh)"` alone would hide a failure of this script).
#
# Usage:
#   scripts/db.sh [DBNAME]   DBNAME defaults to `bimtek`; it is created if missing (not for case 1 below)
#   scripts/db.sh stop       stop the private cluster of this checkout, if it runs
#   scripts/db.sh status     say whether the private cluster runs (exit 0 if it does, 3 if not)
#   scripts/db.sh destroy    stop the private cluster and delete its data directory
#
# How the server is chosen, first match wins:
#   1. DATABASE_URL is set: it is used as is, after checking that it answers.
#   2. A server answers on 127.0.0.1:5432 as user `postgres` without a password:
#      postgres://postgres@127.0.0.1:5432/DBNAME. Skipped when BIMTEK_SKIP_SYSTEM_PG=1.
#   3. A private cluster of this checkout, started on demand (installing the `postgresql` package with apt-get
#      if no initdb is found): data in /var/tmp/bimtek-pg-<hash of the checkout path and uid>, port 55432
#      (BIMTEK_PG_PORT overrides it; when 55432 is taken by something else the next free port is used),
#      listening on 127.0.0.1 only, trust authentication, durability traded for speed (fsync=off: it holds
#      throw-away development data only). The data directory lives outside the checkout so that it never shows
#      up in `git status`, and so that the `postgres` user can reach it even when the checkout is under /root or
#      in a `mktemp -d` directory. BIMTEK_PG_DATA overrides the location.
set -euo pipefail

# Everything this script and its children print goes to stderr; only the final export lines go to stdout (fd 3).
exec 3>&1 1>&2

# Explicitly to stderr: these also run inside $(...), whose stdout is captured.
log() { printf 'db.sh: %s\n' "$*" >&2; }
die() {
    printf 'db.sh: error: %s\n' "$*" >&2
    exit 1
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
HASH=$(printf '%s:%s' "$REPO" "$(id -u)" | sha256sum | cut -c1-12)
DATA_DIR=${BIMTEK_PG_DATA:-/var/tmp/bimtek-pg-$HASH}
LOCK_FILE=/var/tmp/bimtek-pg-$HASH.lock
DEFAULT_PORT=55432
SERVER_OPTIONS=(-c listen_addresses=127.0.0.1 -c max_connections=200
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off)

# Probes must not hang (and psql is always run with -w: never prompt for a password).
export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-5}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

# Runs a command as root (directly, or through sudo when available).
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "root is needed to run: $*"
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "no PostgreSQL found and apt-get is not available: install PostgreSQL (server and psql), or set DATABASE_URL"
    log "installing $* with apt-get"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# The directory holding initdb, pg_ctl and postgres: the newest Debian one, or the one of pg_config / PATH.
# With an argument (a major version), only that version is acceptable.
find_bindir() {
    local want=${1:-} dir best='' ver best_ver=0
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x $dir/initdb && -x $dir/pg_ctl ]] || continue
        ver=${dir#/usr/lib/postgresql/}
        ver=${ver%/bin}
        if [[ -n $want ]]; then
            [[ $ver == "$want" ]] && best=$dir
        elif [[ $ver =~ ^[0-9]+$ ]] && ((ver > best_ver)); then
            best=$dir best_ver=$ver
        fi
    done
    if [[ -z $best && -z $want ]]; then
        if command -v pg_config >/dev/null 2>&1 && dir=$(pg_config --bindir 2>/dev/null) &&
            [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
            best=$dir
        elif dir=$(command -v initdb 2>/dev/null) && [[ -x $(dirname "$dir")/pg_ctl ]]; then
            best=$(dirname "$dir")
        fi
    fi
    printf '%s' "$best"
}

# The psql to use: the one on PATH, else the one next to the server binaries, else installed.
PSQL=''
ensure_psql() {
    [[ -n $PSQL ]] && return 0
    local bindir
    if PSQL=$(command -v psql); then
        return 0
    fi
    bindir=$(find_bindir)
    if [[ -n $bindir && -x $bindir/psql ]]; then
        PSQL=$bindir/psql
        return 0
    fi
    apt_install postgresql-client
    PSQL=$(command -v psql) || die "psql is still missing after installing postgresql-client"
}

# Whether something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Creates database $2 on the server of admin URL $1 unless it exists.
ensure_database() {
    local admin_url=$1 db=$2 exists
    exists=$("$PSQL" "$admin_url" -w -X -q -tA -v ON_ERROR_STOP=1 \
        -c "SELECT 1 FROM pg_database WHERE datname = '$db'") ||
        die "cannot list the databases of $admin_url"
    if [[ $exists != 1 ]]; then
        log "creating database $db"
        if ! "$PSQL" "$admin_url" -w -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null; then
            # Another run may have created it in the meantime.
            exists=$("$PSQL" "$admin_url" -w -X -q -tA -c "SELECT 1 FROM pg_database WHERE datname = '$db'") || true
            [[ $exists == 1 ]] || die "cannot create database $db"
        fi
    fi
}

emit() {
    printf 'export DATABASE_URL=%q\n' "$1" >&3
}

# --- the private cluster ---------------------------------------------------------------------------------------

# Runs a server binary as the owner of the cluster: `postgres` when we are root (initdb and pg_ctl refuse root),
# ourselves otherwise. From / so that a cwd the postgres user cannot enter does not matter. Without fds 3 (our
# real stdout, often the pipe of a caller's $(...)) and 8 (the lock): a server started here would otherwise hold
# them open for its whole life, and the caller would never see the end of our output.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && exec runuser -u postgres -- "$@") 3>&- 8>&-
    else
        (cd / && exec "$@") 3>&- 8>&-
    fi
}

cluster_bindir() {
    local bindir ver
    if [[ -f $DATA_DIR/PG_VERSION ]]; then
        ver=$(<"$DATA_DIR/PG_VERSION")
        bindir=$(find_bindir "$ver")
        if [[ -z $bindir ]]; then
            bindir=$(find_bindir)
            [[ -n $bindir && $("$bindir/pg_ctl" --version) =~ [[:space:]]${ver}[.[:space:]] ]] ||
                die "the private cluster in $DATA_DIR is PostgreSQL $ver, whose binaries are not installed; delete it with 'scripts/db.sh destroy'"
        fi
    else
        bindir=$(find_bindir)
    fi
    printf '%s' "$bindir"
}

cluster_running() {
    local bindir=$1
    [[ -f $DATA_DIR/PG_VERSION ]] || return 1
    as_pg "$bindir/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

# The port of the running cluster, from postmaster.pid (line 4).
running_port() {
    sed -n 4p "$DATA_DIR/postmaster.pid"
}

choose_port() {
    local port
    if [[ -n ${BIMTEK_PG_PORT:-} ]]; then
        [[ $BIMTEK_PG_PORT =~ ^[0-9]+$ ]] || die "BIMTEK_PG_PORT must be a port number, not '$BIMTEK_PG_PORT'"
        port_in_use "$BIMTEK_PG_PORT" && die "port $BIMTEK_PG_PORT (BIMTEK_PG_PORT) is already in use by another process"
        printf '%s' "$BIMTEK_PG_PORT"
        return 0
    fi
    for ((port = DEFAULT_PORT; port < DEFAULT_PORT + 100; port++)); do
        if ! port_in_use "$port"; then
            ((port == DEFAULT_PORT)) || log "port $DEFAULT_PORT is taken by another process; using $port"
            printf '%s' "$port"
            return 0
        fi
    done
    die "no free port in $DEFAULT_PORT-$((DEFAULT_PORT + 99)); set BIMTEK_PG_PORT"
}

wait_ready() {
    local bindir=$1 port=$2 i
    for ((i = 0; i < 60; i++)); do
        "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
        sleep 0.5
    done
    die "the private cluster on port $port does not accept connections; see $DATA_DIR/log"
}

start_cluster() {
    local bindir port
    if [[ -z $(find_bindir) && ! -f $DATA_DIR/PG_VERSION ]]; then
        apt_install postgresql postgresql-client
        [[ -n $(find_bindir) ]] || die "initdb is still missing after installing postgresql"
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        die "user postgres does not exist (it comes with the postgresql package); it owns the private cluster"
    fi
    bindir=$(cluster_bindir)
    [[ -n $bindir ]] || die "no PostgreSQL server binaries (initdb, pg_ctl) found"

    if [[ ! -f $DATA_DIR/PG_VERSION ]]; then
        if [[ -d $DATA_DIR && -n $(ls -A "$DATA_DIR") ]]; then
            die "$DATA_DIR exists, is not empty and holds no cluster; delete it (scripts/db.sh destroy) and retry"
        fi
        log "creating a private PostgreSQL cluster in $DATA_DIR ($bindir)"
        mkdir -p "$DATA_DIR"
        chmod 700 "$DATA_DIR"
        [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$DATA_DIR"
        if ! as_pg "$bindir/initdb" -D "$DATA_DIR" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$DATA_DIR.initdb.log" 2>&1 &&
            ! as_pg "$bindir/initdb" -D "$DATA_DIR" -A trust -U postgres -E UTF8 --locale=C >"$DATA_DIR.initdb.log" 2>&1; then
            cat "$DATA_DIR.initdb.log"
            die "initdb failed (log above)"
        fi
        rm -f "$DATA_DIR.initdb.log"
    fi

    if cluster_running "$bindir"; then
        port=$(running_port)
        log "reusing the running private cluster in $DATA_DIR (port $port)"
    else
        port=$(choose_port)
        log "starting the private cluster in $DATA_DIR on 127.0.0.1:$port"
        if ! as_pg "$bindir/pg_ctl" -D "$DATA_DIR" -l "$DATA_DIR/log" -w -t 60 \
            -o "-p $port -k '$DATA_DIR' ${SERVER_OPTIONS[*]}" start >/dev/null; then
            tail -n 30 "$DATA_DIR/log" || true
            die "pg_ctl start failed (end of $DATA_DIR/log above)"
        fi
    fi
    wait_ready "$bindir" "$port"
    PRIVATE_PORT=$port
}

stop_cluster() {
    local bindir
    if [[ ! -f $DATA_DIR/PG_VERSION ]]; then
        log "no private cluster in $DATA_DIR"
        return 0
    fi
    bindir=$(cluster_bindir)
    if cluster_running "$bindir"; then
        log "stopping the private cluster in $DATA_DIR"
        as_pg "$bindir/pg_ctl" -D "$DATA_DIR" -m fast -w -t 60 stop >/dev/null
    else
        log "the private cluster in $DATA_DIR is not running"
    fi
}

take_lock() {
    exec 8>>"$LOCK_FILE"
    flock -w 120 8 || die "another scripts/db.sh holds $LOCK_FILE"
}

# --- main ------------------------------------------------------------------------------------------------------

case ${1:-} in
-h | --help | help)
    usage >&3
    exit 0
    ;;
stop)
    take_lock
    stop_cluster
    exit 0
    ;;
status)
    if [[ -f $DATA_DIR/PG_VERSION ]] && cluster_running "$(cluster_bindir)"; then
        log "the private cluster in $DATA_DIR runs on 127.0.0.1:$(running_port)"
        exit 0
    fi
    log "the private cluster in $DATA_DIR is not running"
    exit 3
    ;;
destroy)
    take_lock
    stop_cluster
    if [[ -e $DATA_DIR ]]; then
        log "deleting $DATA_DIR"
        rm -rf -- "$DATA_DIR"
    fi
    rm -f -- "$DATA_DIR.initdb.log" "$LOCK_FILE"
    exit 0
    ;;
esac

DB=${1:-bimtek}
[[ $DB =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] ||
    die "database name '$DB' must be letters, digits and underscores (not starting with a digit)"
(($# <= 1)) || die "too many arguments (see scripts/db.sh --help)"

# 1. An explicit DATABASE_URL.
if [[ -n ${DATABASE_URL:-} ]]; then
    ensure_psql
    if ! "$PSQL" "$DATABASE_URL" -w -X -q -c 'select 1' >/dev/null; then
        die "DATABASE_URL is set but the database does not answer (psql \"\$DATABASE_URL\" -c 'select 1' failed); fix or unset it"
    fi
    log "using DATABASE_URL from the environment"
    emit "$DATABASE_URL"
    exit 0
fi

# 2. A server on 127.0.0.1:5432 that lets `postgres` in without a password.
if [[ ${BIMTEK_SKIP_SYSTEM_PG:-} == 1 ]]; then
    log "BIMTEK_SKIP_SYSTEM_PG=1: not looking at 127.0.0.1:5432"
elif port_in_use 5432; then
    ensure_psql
    admin_url=postgres://postgres@127.0.0.1:5432/postgres
    # Really without a password: none from PGPASSWORD or ~/.pgpass either.
    if env -u PGPASSWORD PGPASSFILE=/dev/null "$PSQL" "$admin_url" -w -X -q -c 'select 1' >/dev/null 2>&1; then
        ensure_database "$admin_url" "$DB"
        log "using the PostgreSQL server on 127.0.0.1:5432, database $DB"
        emit "postgres://postgres@127.0.0.1:5432/$DB"
        exit 0
    fi
    log "a server listens on 127.0.0.1:5432 but user postgres cannot log in without a password; using a private cluster"
fi

# 3. The private cluster.
take_lock
start_cluster
ensure_psql
ensure_database "postgres://postgres@127.0.0.1:$PRIVATE_PORT/postgres" "$DB"
log "using the private cluster on 127.0.0.1:$PRIVATE_PORT, database $DB (stop it with 'scripts/db.sh stop')"
emit "postgres://postgres@127.0.0.1:$PRIVATE_PORT/$DB"
