#!/usr/bin/env bash
# The benchmark (`make bench`): seeds a large synthetic dataset, starts the release build and measures, in one
# run, `pgbench -S` on the same PostgreSQL as the reference and the API under wrk at 64 connections on loopback.
# Prints requests/s, p50 and p99 per case and their ratio to pgbench, the server's peak memory, and writes
# BENCHMARKS.md. SCALE=0.1 runs the same on tables ten times smaller. DURATION (seconds per case, default 15).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scale=${SCALE:-1}
duration=${DURATION:-15}
connections=${CONNECTIONS:-64}
port=${BENCH_PORT:-18090}
out=${BENCH_OUT:-BENCHMARKS.md}

if ! command -v wrk >/dev/null; then
    echo "bench: installing wrk (Debian package)" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

db_env=$(scripts/db.sh "bimtek_bench_${scale/./_}")
eval "$db_env"
admin_url=${DATABASE_URL%/*}/postgres
pg() { psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt "$@"; }

cargo build --release --quiet
bin=target/release/bimtek-api
"$bin" migrate >/dev/null

if [[ $(pg -c "SELECT count(*) FROM participants WHERE full_name LIKE 'Peserta %'") == 0 ]]; then
    echo "bench: seeding (scale $scale)..." >&2
    pg -v scale="$scale" -f bench/seed.sql
fi
printf '%s\n' 'bench-admin-password' | "$bin" create-admin --username bench.admin >/dev/null

# pgbench tables live in their own database on the same server.
pgbench_db=bimtek_pgbench
psql "$admin_url" -qAt -c "SELECT 1 FROM pg_database WHERE datname = '$pgbench_db'" | grep -q 1 ||
    psql "$admin_url" -q -c "CREATE DATABASE $pgbench_db"
pgbench_url=${DATABASE_URL%/*}/$pgbench_db
pgbench -i -s 10 -q "$pgbench_url" >/dev/null 2>&1

export APP_ENV=production RUN_MIGRATIONS=false LOG_FORMAT=json RUST_LOG=warn HOST=127.0.0.1 PORT=$port
export WORKERS=${WORKERS:-2} DB_POOL_SIZE=${DB_POOL_SIZE:-4}
export JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
"$bin" serve >/tmp/bimtek-bench-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done

token=$(curl -fs "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"bench.admin","password":"bench-admin-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
export BENCH_TOKEN=$token
unit=$(pg -c "SELECT id FROM units WHERE code = 'BENCH-1'")

lua_dir=$(mktemp -d)
{
    echo 'ids = {'
    pg -c "SELECT '\"' || id || '\",' FROM participants WHERE full_name LIKE 'Peserta %' ORDER BY random() LIMIT 2000"
    echo '}'
    cat <<'LUA'
local token = os.getenv("BENCH_TOKEN")
local path_prefix = os.getenv("BENCH_PATH_PREFIX") or ""
local path_fixed = os.getenv("BENCH_PATH")
local counter = 0
request = function()
    counter = counter + 1
    local path = path_fixed
    if path == nil then path = path_prefix .. ids[(counter % #ids) + 1] end
    return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
LUA
} >"$lua_dir/get.lua"

declare -A rps p50 p99
run_wrk() { # name, then env assignments for the lua script
    local name=$1 output
    shift
    output=$(env "$@" wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$lua_dir/get.lua" "http://127.0.0.1:$port" 2>&1)
    if grep -q 'Non-2xx' <<<"$output"; then
        echo "bench: $name had non-2xx answers:" >&2
        echo "$output" >&2
    fi
    rps[$name]=$(awk '/Requests\/sec/ {print $2}' <<<"$output")
    p50[$name]=$(awk '$1 == "50%" {print $2}' <<<"$output")
    p99[$name]=$(awk '$1 == "99%" {print $2}' <<<"$output")
}

pgbench_s=$(pgbench -S -n -c "$connections" -j 2 -T "$duration" "$pgbench_url" 2>/dev/null |
    awk '/^tps/ {print int($3)}')
run_wrk participant_get BENCH_PATH_PREFIX=/api/v1/participants/
run_wrk participant_list "BENCH_PATH=/api/v1/participants?unit_id=$unit&sort=full_name&limit=20"
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(psql "$admin_url" -qAt -c 'SHOW server_version' | cut -d' ' -f1) PostgreSQL"
counts=$(pg -c "SELECT (SELECT count(*) FROM participants) || ' participants, ' || (SELECT count(*) FROM events) || ' events, ' || (SELECT count(*) FROM sessions) || ' sessions, ' || (SELECT count(*) FROM enrollments) || ' enrollments, ' || (SELECT count(*) FROM attendance) || ' attendance records'")

report=$(cat <<MD
### Run of $(date -u +%Y-%m-%dT%H:%MZ), scale $scale

Machine: $machine. Data: $counts. Load: wrk -t2 -c$connections -d${duration}s on loopback, server with
WORKERS=$WORKERS and DB_POOL_SIZE=$DB_POOL_SIZE, everything on the same cores.

| case | requests/s | p50 | p99 | ratio to pgbench -S |
|---|---|---|---|---|
| pgbench -S (reference) | $pgbench_s | | | 1.00 |
| GET /api/v1/participants/{id} (authenticated, random ids) | ${rps[participant_get]} | ${p50[participant_get]} | ${p99[participant_get]} | $(ratio "${rps[participant_get]}" "$pgbench_s") |
| GET /api/v1/participants?unit_id=..&sort=full_name&limit=20 (with total) | ${rps[participant_list]} | ${p50[participant_list]} | ${p99[participant_list]} | $(ratio "${rps[participant_list]}" "$pgbench_s") |

Server peak RSS: $((peak_kb / 1024)) MiB.
MD
)
echo "$report"
if [[ ! -f $out ]]; then
    printf '# Benchmarks\n\nProduced by `make bench` (bench/run.sh); `SCALE=0.1 make bench` repeats it on tables ten times smaller.\n' >"$out"
fi
printf '\n%s\n' "$report" >>"$out"
rm -rf "$lua_dir"
