#!/usr/bin/env bash
# Fault test: PostgreSQL restarted under load (`make faults` runs it). A release server on 127.0.0.1 serves a
# steady load of GETs and attendance PUTs (about 50 requests/s, scripts/faults/pg_restart.py) while its PostgreSQL
# is restarted with `-m fast` and then `-m immediate` (ROUNDS times each, default 3; `pg_ctl stop -m MODE`, OUTAGE
# seconds down, default 2, then `pg_ctl start` with the same options). The server is
# never restarted. Checks: only 200 or 503 + Retry-After answers (no 500, no transport error), no request over
# 3 s, first success within 5 s of PostgreSQL accepting connections, no failed GET after recovery, and every
# acknowledged write present afterwards. Prints a summary; exits 1 on any violation, 2 when the setup fails.
#
# It restarts only the private cluster of scripts/lib.sh (BIMTEK_PG_DATA, port BIMTEK_PG_PORT, default 55440),
# never the system server on 5432. Takes about 1-2 minutes after the build.
# shellcheck source=scripts/faults/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

faults_cluster
faults_build
faults_fixture 40 150
faults_start_server
export TOKEN
TOKEN=$(faults_token)
[[ -n $TOKEN ]] || faults_die "no token"
pg_ctl_cmd=("$PG_BINDIR/pg_ctl" -D "$BIMTEK_PG_DATA")
if [[ $(id -u) -eq 0 ]]; then
    pg_ctl_cmd=(runuser -u postgres -- "${pg_ctl_cmd[@]}")
fi
export API_PORT SERVER_PID DATABASE_URL
export PG_CTL="${pg_ctl_cmd[*]}"
faults_log "load running against PID $SERVER_PID; restarting PostgreSQL on port $BIMTEK_PG_PORT"
status=0
(cd / && timeout 600 python3 "$FAULTS_DIR/pg_restart.py") || status=$?
# 503s and the pool's failed connects during the outages are logged as errors; anything else is worth a look.
errors=$(grep '"level":"ERROR"' "$WORK/server.log" | grep -v '"http.status_code":503' | grep -cv '"log.target":"r2d2"' || true)
faults_log "server log: $(grep -c '"level":"ERROR"' "$WORK/server.log" || true) error lines, $errors of them not a 503 or a failed connect"
if ((errors > 0)); then
    grep '"level":"ERROR"' "$WORK/server.log" | grep -v '"http.status_code":503' | grep -v '"log.target":"r2d2"' | head -5 >&2
    status=1
fi
exit "$status"
