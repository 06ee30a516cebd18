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

# BENCH_BIN: an already built release binary to measure instead of building one.
if [[ -z ${BENCH_BIN:-} ]]; then
    cargo build --release --quiet
fi
bin=${BENCH_BIN:-target/release/bimtek-api}
"$bin" migrate >/dev/null

if [[ $(pg -c "SELECT count(*) FROM participants WHERE full_name LIKE 'Peserta %'") == 0 ]]; then
    echo "bench: seeding (scale $scale)..." >&2
    pg -v scale="$scale" -f bench/seed.sql
fi
if [[ $(pg -c "SELECT count(*) FROM events WHERE title = 'Bench Report A'") == 0 ]]; then
    echo "bench: seeding the report events (500 and 2,000 officers)..." >&2
    pg -v title='Bench Report A' -v officers=500 -v first=1 -f bench/seed-report.sql
    pg -v title='Bench Report B' -v officers=2000 -v first=1 -f bench/seed-report.sql
fi
pg -v officers=5000 -f bench/seed-checkin.sql
# Officers imported by an earlier run were deleted again; their dead rows sit in the list case's index range until
# vacuumed, and the indexes keep the size of 30,000 rows more than the table holds (the import case inserts and
# deletes three rounds of 10,500 per run), which turns the planner away from them: start from a vacuumed table with
# rebuilt indexes, as a table without that churn would be.
pg -c "DELETE FROM participants WHERE full_name LIKE 'Impor %'" >/dev/null
pg -c "VACUUM (ANALYZE) participants"
pg -c "REINDEX TABLE participants"
printf '%s\n' 'bench-admin-password' | "$bin" create-admin --username bench.admin >/dev/null
# The officer's year (issue 17): the events of 2024 completed, an officer with a calendar feed of 50 sessions.
pg -f bench/seed-year.sql >/dev/null

# pgbench tables live in their own database on the same server.
pgbench_db=bimtek_pgbench
psql "$admin_url" -qAt -c "SELECT 1 FROM pg_database WHERE datname = '$pgbench_db'" | grep -q 1 ||
    psql "$admin_url" -q -c "CREATE DATABASE $pgbench_db"
pgbench_url=${DATABASE_URL%/*}/$pgbench_db
pgbench -i -s 10 -q "$pgbench_url" >/dev/null 2>&1

export APP_ENV=production RUN_MIGRATIONS=false LOG_FORMAT=json RUST_LOG=warn HOST=127.0.0.1 PORT=$port
export WORKERS=${WORKERS:-2} DB_POOL_SIZE=${DB_POOL_SIZE:-4}
export JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
export WEBHOOK_SECRET_KEY=62656e63682d776562686f6f6b2d7365637265742d6b65792d30313233343536
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$port}
"$bin" serve >/tmp/bimtek-bench-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done

token=$(curl -fs "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"bench.admin","password":"bench-admin-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
export BENCH_TOKEN=$token
unit=$(pg -c "SELECT id FROM units WHERE code = 'BENCH-1'")
# The import case writes (and deletes again) officers of a unit of its own, outside the list case's index range.
pg -c "INSERT INTO units (code, name, unit_type) VALUES ('BENCH-IMPORT', 'Unit Impor Bench', 'lapas')
       ON CONFLICT (code) DO NOTHING" >/dev/null
import_unit=$(pg -c "SELECT id FROM units WHERE code = 'BENCH-IMPORT'")

lua_dir=$(mktemp -d)
{
    echo 'ids = {'
    pg -c "SELECT '\"' || id || '\",' FROM participants WHERE full_name LIKE 'Peserta %' ORDER BY random() LIMIT 2000"
    echo '}'
    cat <<'LUA'
local token = os.getenv("BENCH_TOKEN")
local path_prefix = os.getenv("BENCH_PATH_PREFIX") or ""
local path_suffix = os.getenv("BENCH_PATH_SUFFIX") or ""
local path_fixed = os.getenv("BENCH_PATH")
local counter = 0
request = function()
    counter = counter + 1
    local path = path_fixed
    if path == nil then path = path_prefix .. ids[(counter % #ids) + 1] .. path_suffix end
    return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
LUA
} >"$lua_dir/get.lua"

{
    echo 'codes = {'
    pg -c "SELECT '\"' || e.check_in_code || '\",' FROM enrollments e JOIN events v ON v.id = e.event_id WHERE v.title = 'Bench Check-in' ORDER BY e.id"
    echo '}'
    echo 'sessions = {'
    pg -c "SELECT '\"' || s.id || '\",' FROM sessions s JOIN events v ON v.id = s.event_id WHERE v.title = 'Bench Check-in' ORDER BY s.title"
    echo '}'
    cat <<'LUA'
local token = os.getenv("BENCH_TOKEN")
local counter = 0
-- every (session, code) pair once: each request is one attendance write
request = function()
    local code = codes[(counter % #codes) + 1]
    local session = sessions[(math.floor(counter / #codes) % #sessions) + 1]
    counter = counter + 1
    return wrk.format("POST", "/api/v1/sessions/" .. session .. "/check-in",
        {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
        '{"code":"' .. code .. '"}')
end
LUA
} >"$lua_dir/checkin.lua"

declare -A rps p50 p99
run_wrk() { # name, then env assignments for the lua script
    local name=$1 output
    shift
    local script=${SCRIPT:-get} threads=${THREADS:-2} clients=${CLIENTS:-$connections} seconds=${SECONDS_PER_CASE:-$duration}
    output=$(env "$@" wrk -t"$threads" -c"$clients" -d"${seconds}s" --latency -s "$lua_dir/$script.lua" "http://127.0.0.1:$port" 2>&1)
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
report_a=$(pg -c "SELECT id FROM events WHERE title = 'Bench Report A'")
report_b=$(pg -c "SELECT id FROM events WHERE title = 'Bench Report B'")
run_wrk event_report "BENCH_PATH=/api/v1/events/$report_a/report"
pgbench_tpcb=$(pgbench -n -c "$connections" -j 2 -T "$duration" "$pgbench_url" 2>/dev/null | awk '/^tps/ {print int($3)}')
checkins_before=$(pg -c "SELECT count(*) FROM attendance a JOIN sessions s ON s.id = a.session_id JOIN events v ON v.id = s.event_id WHERE v.title = 'Bench Check-in'")
SCRIPT=checkin run_wrk check_in
checkins=$(($(pg -c "SELECT count(*) FROM attendance a JOIN sessions s ON s.id = a.session_id JOIN events v ON v.id = s.event_id WHERE v.title = 'Bench Check-in'") - checkins_before))
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

# Single-client medians: the report and results of an event of 500 officers and of one four times as large,
# against the single-participant GET (issue 4: at most 10x, and at most 4.5x more for the larger event).
solo() { THREADS=1 CLIENTS=1 SECONDS_PER_CASE=${SOLO_SECONDS:-5} run_wrk "$@"; }
solo solo_participant BENCH_PATH_PREFIX=/api/v1/participants/
solo solo_report_a "BENCH_PATH=/api/v1/events/$report_a/report"
solo solo_report_b "BENCH_PATH=/api/v1/events/$report_b/report"
solo solo_results_a "BENCH_PATH=/api/v1/events/$report_a/results?limit=100"
solo solo_results_b "BENCH_PATH=/api/v1/events/$report_b/results?limit=100"
solo solo_list "BENCH_PATH=/api/v1/participants?unit_id=$unit&sort=full_name&limit=20"
# The officer's year (issue 17): a ledger of a random officer, the compliance of a unit of 500 officers and across
# the Kanwil (every officer of the bench), the private calendar feed of an officer with 50 sessions.
# They read the events' stored result lines where valid (the first reader after a change refreshes them, a
# compliance read within 300 ms a time): the cases measure the steady state, after Kanwil-wide reads until no event
# of 2024 has stale lines (polled, with a deadline), and the first read is reported on its own.
stale_2024() {
    pg -c "SELECT count(*) FROM events x WHERE status <> 'draft' AND ends_on >= date '2024-01-01'
             AND ends_on < date '2025-01-01' AND NOT EXISTS (SELECT 1 FROM event_snapshots s WHERE s.event_id = x.id
             AND s.kind = 'results' AND NOT s.stale AND s.ready_generation = s.generation)"
}
stale_before=$(stale_2024)
kanwil_first=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $BENCH_TOKEN" \
    "http://127.0.0.1:$port/api/v1/jp-compliance?year=2024" | awk '{ printf "%.2fms", $1 * 1000 }')
warm_deadline=$((SECONDS + 120))
while (($(stale_2024) > 0 && SECONDS < warm_deadline)); do
    curl -s -o /dev/null -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:$port/api/v1/jp-compliance?year=2024"
done
stale_after=$(stale_2024)
solo solo_ledger BENCH_PATH_PREFIX=/api/v1/participants/ BENCH_PATH_SUFFIX=/jp-ledger?year=2024
solo solo_unit_compliance "BENCH_PATH=/api/v1/units/$unit/jp-compliance?year=2024"
solo solo_kanwil_compliance "BENCH_PATH=/api/v1/jp-compliance?year=2024"
solo solo_calendar "BENCH_PATH=/api/v1/calendar/bench-calendar-token.ics"
calendar_events=$(curl -s "http://127.0.0.1:$port/api/v1/calendar/bench-calendar-token.ics" | grep -c '^BEGIN:VEVENT' || true)

# The report and results are served from snapshots that a change to the event marks stale; the first read after a
# change recomputes them. Timed with curl (medians of five), each read after one attendance record of the event
# changed (its note toggled: the triggers treat it as any change).
after_change() { # event id, path
    local times=() i
    for i in 1 2 3 4 5; do
        pg -c "UPDATE attendance SET note = CASE WHEN note IS NULL THEN 'bench' END
               WHERE id = (SELECT a.id FROM attendance a JOIN sessions s ON s.id = a.session_id
                           WHERE s.event_id = '$1' ORDER BY a.id LIMIT 1)" >/dev/null
        times+=("$(curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $BENCH_TOKEN" \
            "http://127.0.0.1:$port$2")")
    done
    median "${times[@]}" | awk '{ printf "%.2fms", $1 * 1000 }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
changed_report_a=$(after_change "$report_a" "/api/v1/events/$report_a/report")
changed_report_b=$(after_change "$report_b" "/api/v1/events/$report_b/report")
changed_results_a=$(after_change "$report_a" "/api/v1/events/$report_a/results?limit=100")
changed_results_b=$(after_change "$report_b" "/api/v1/events/$report_b/results?limit=100")
solo solo_changes "BENCH_PATH=/api/v1/changes?limit=1000"

# The daftar hadir of one session of the 500-officer event (22 A4 pages), blank and filled: medians of five, curl.
sheet_session=$(pg -c "SELECT s.id FROM sessions s WHERE s.event_id = '$report_a' ORDER BY s.starts_at, s.id LIMIT 1")
time_sheet() { # query string
    local times=() i
    for i in 1 2 3 4 5; do
        times+=("$(curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $BENCH_TOKEN" \
            "http://127.0.0.1:$port/api/v1/sessions/$sheet_session/attendance-sheet.pdf$1")")
    done
    median "${times[@]}" | awk '{ printf "%.2fms", $1 * 1000 }'
}
sheet_blank=$(time_sheet '')
sheet_filled=$(time_sheet '?filled=true')
sheet_bytes=$(curl -s -H "Authorization: Bearer $BENCH_TOKEN" \
    "http://127.0.0.1:$port/api/v1/sessions/$sheet_session/attendance-sheet.pdf?filled=true" | wc -c)

# Bulk import (issue 5: 10,000 officers in at most 20x the time of 500): new officers as CSV, timed with curl, then
# removed again so that the next run imports new rows too.
import_csv() { # rows, first number
    pg -c "COPY (SELECT to_char(date '1965-01-01' + (i / 999), 'YYYYMMDD') || (1990 + i % 30)::text
                        || lpad((1 + i % 12)::text, 2, '0') || CASE WHEN i % 2 = 0 THEN '1' ELSE '2' END
                        || lpad((1 + i % 999)::text, 3, '0') AS nip,
                        'Impor ' || i AS full_name, CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END AS sex,
                        'pns' AS employee_type, 'III/a' AS grade, '$import_unit' AS unit_id
                 FROM generate_series($2, $2 + $1 - 1) AS i) TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER ';')"
}
time_import() { # csv file
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST "http://127.0.0.1:$port/api/v1/participants/import" \
        -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: text/csv' --data-binary "@$1"
}
# Three rounds (single requests are noisy on two shared cores: autovacuum of the rows deleted between rounds, WAL);
# the medians are reported.
import_csv 500 200000 >"$lua_dir/import-500.csv"
import_csv 10000 300000 >"$lua_dir/import-10000.csv"
i500=() i10000=() iagain=() import_statuses=()
for _ in 1 2 3; do
    pg -c "DELETE FROM participants WHERE full_name LIKE 'Impor %'" >/dev/null
    read -r status seconds < <(time_import "$lua_dir/import-500.csv")
    import_statuses+=("$status") i500+=("$seconds")
    read -r status seconds < <(time_import "$lua_dir/import-10000.csv")
    import_statuses+=("$status") i10000+=("$seconds")
    read -r status seconds < <(time_import "$lua_dir/import-10000.csv")
    import_statuses+=("$status") iagain+=("$seconds")
done
pg -c "DELETE FROM participants WHERE full_name LIKE 'Impor %'" >/dev/null
pg -c "VACUUM (ANALYZE) participants"
import_500_s=$(median "${i500[@]}") import_10000_s=$(median "${i10000[@]}") import_again_s=$(median "${iagain[@]}")
import_status=$(printf '%s\n' "${import_statuses[@]}" | sort -u | paste -sd,)

# Documents (issue 15): the XLSX daftar hadir of the 2,000-officer event (2,000 rows x 20 sessions) and the ZIP of the
# 500-officer event's certificates (issued first; issuing again creates nothing), one request each, curl, medians of
# three rounds.
curl -s -o /dev/null -X POST -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:$port/api/v1/events/$report_a/certificates"
time_get() { # path -> "status seconds bytes"; the headers go to $lua_dir/headers
    curl -s -o /dev/null -D "$lua_dir/headers" -w '%{http_code} %{time_total} %{size_download}\n' \
        -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:$port$1"
}
dxlsx=() dzip=() doc_statuses=() xlsx_bytes=0 zip_bytes=0
for _ in 1 2 3; do
    read -r status seconds xlsx_bytes < <(time_get "/api/v1/events/$report_b/exports/attendance.xlsx")
    doc_statuses+=("$status") dxlsx+=("$seconds")
    read -r status seconds zip_bytes < <(time_get "/api/v1/events/$report_a/certificates.zip")
    doc_statuses+=("$status") dzip+=("$seconds")
done
zip_count=$(awk 'tolower($1) == "x-certificate-count:" { print $2 + 0 }' "$lua_dir/headers")
xlsx_s=$(median "${dxlsx[@]}") zip_s=$(median "${dzip[@]}")
doc_status=$(printf '%s\n' "${doc_statuses[@]}" | sort -u | paste -sd,)
peak_docs_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

# Bulk decisions (issue 18: 500 approvals in one call in under 20x one approval): 501 nominated officers, one approved
# by POST /enrollments/{id}/approve, the other 500 by one POST /events/{id}/enrollments/decisions; curl, medians of
# three rounds, the enrollments reset to `nominated` before each.
time_post() { # path, body file (or none)
    local body=()
    if (($# > 1)); then body=(-H 'Content-Type: application/json' --data-binary "@$2"); fi
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -H "Authorization: Bearer $BENCH_TOKEN" \
        "${body[@]}" "http://127.0.0.1:$port$1"
}
bone=() bbulk=() bulk_statuses=()
for _ in 1 2 3; do
    pg -f bench/seed-bulk.sql >/dev/null
    bulk_event=$(pg -c "SELECT id FROM events WHERE title = 'Bench Bulk'")
    single_enrollment=$(pg -c "SELECT id FROM enrollments WHERE event_id = '$bulk_event' ORDER BY id LIMIT 1")
    pg -c "SELECT json_build_object('decisions', json_agg(json_build_object('enrollment_id', id, 'action', 'approve')))
           FROM (SELECT id FROM enrollments WHERE event_id = '$bulk_event' ORDER BY id OFFSET 1 LIMIT 500) e" \
        >"$lua_dir/decisions.json"
    read -r status seconds < <(time_post "/api/v1/enrollments/$single_enrollment/approve")
    bulk_statuses+=("$status") bone+=("$seconds")
    read -r status seconds < <(time_post "/api/v1/events/$bulk_event/enrollments/decisions" "$lua_dir/decisions.json")
    bulk_statuses+=("$status") bbulk+=("$seconds")
done
bulk_approved=$(pg -c "SELECT count(*) FROM enrollments WHERE event_id = '$bulk_event' AND status = 'approved'")
bulk_one_s=$(median "${bone[@]}") bulk_500_s=$(median "${bbulk[@]}")
bulk_status=$(printf '%s\n' "${bulk_statuses[@]}" | sort -u | paste -sd,)

# A training room behind one address (issue 18): 100 accounts log in within seconds from 127.0.0.1, 16 at a time;
# every answer is counted (a 429 would be the address limit refusing the room).
pg -c "INSERT INTO users (username, password_hash, role)
       SELECT 'bench.room.' || g, (SELECT password_hash FROM users WHERE username = 'bench.admin'), 'organizer'
       FROM generate_series(1, 100) AS g
       ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash" >/dev/null
room_start=$(date +%s.%N)
room_statuses=$(seq 1 100 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"bench.room.{}","password":"bench-admin-password"}' | sort | uniq -c | awk '{ printf "%s%s x %s", sep, $1, $2; sep = ", " }')
room_s=$(awk -v a="$room_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# wrk prints latencies as 812.00us, 4.01ms or 1.02s
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
lat_ratio() { ratio "$(ms "$1")" "$(ms "$2")"; }
# a latency ratio against its target: "2.10 (target <= 3: met)"
lat_target() { # case p50, reference p50, target
    local r
    r=$(lat_ratio "$1" "$2")
    # no latency at all: wrk got no answer within its timeout (2 s)
    awk -v r="$r" -v t="$3" -v p="$(ms "$1")" 'BEGIN {
        if (p + 0 == 0) printf "no answer within wrk'"'"'s 2 s timeout (target <= %s: not met)", t
        else printf "%s (target <= %s: %s)", r, t, (r != "n/a" && r + 0 <= t + 0) ? "met" : "not met" }'
}
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
| GET /api/v1/events/{id}/report (500 officers, 20 sessions, 20,000 answers) | ${rps[event_report]} | ${p50[event_report]} | ${p99[event_report]} | $(ratio "${rps[event_report]}" "$pgbench_s") |
| pgbench, default TPC-B-like script (write reference) | $pgbench_tpcb | | | |
| POST /api/v1/sessions/{id}/check-in ($checkins attendance rows written) | ${rps[check_in]} | ${p50[check_in]} | ${p99[check_in]} | $(ratio "${rps[check_in]}" "$pgbench_tpcb") x pgbench TPC-B |

Single client (wrk -t1 -c1), medians against the single-participant GET:

| case | p50 | p99 | p50 / participant GET p50 |
|---|---|---|---|
| GET /api/v1/participants/{id} | ${p50[solo_participant]} | ${p99[solo_participant]} | 1.00 |
| GET /api/v1/events/{id}/report, 500 officers | ${p50[solo_report_a]} | ${p99[solo_report_a]} | $(lat_ratio "${p50[solo_report_a]}" "${p50[solo_participant]}") |
| GET /api/v1/events/{id}/report, 2,000 officers | ${p50[solo_report_b]} | ${p99[solo_report_b]} | $(lat_ratio "${p50[solo_report_b]}" "${p50[solo_participant]}") ($(lat_ratio "${p50[solo_report_b]}" "${p50[solo_report_a]}") x the 500) |
| GET /api/v1/events/{id}/results?limit=100, 500 officers | ${p50[solo_results_a]} | ${p99[solo_results_a]} | $(lat_ratio "${p50[solo_results_a]}" "${p50[solo_participant]}") |
| GET /api/v1/events/{id}/results?limit=100, 2,000 officers | ${p50[solo_results_b]} | ${p99[solo_results_b]} | $(lat_ratio "${p50[solo_results_b]}" "${p50[solo_participant]}") ($(lat_ratio "${p50[solo_results_b]}" "${p50[solo_results_a]}") x the 500) |
| same report, 500 officers, first read after a change (curl, median of 5) | $changed_report_a | | $(lat_ratio "$changed_report_a" "${p50[solo_participant]}") |
| same report, 2,000 officers, first read after a change | $changed_report_b | | $(lat_ratio "$changed_report_b" "${p50[solo_participant]}") ($(lat_ratio "$changed_report_b" "$changed_report_a") x the 500) |
| same results page, 500 officers, first read after a change | $changed_results_a | | $(lat_ratio "$changed_results_a" "${p50[solo_participant]}") |
| same results page, 2,000 officers, first read after a change | $changed_results_b | | $(lat_ratio "$changed_results_b" "${p50[solo_participant]}") ($(lat_ratio "$changed_results_b" "$changed_results_a") x the 500) |
| GET /api/v1/participants?unit_id=..&limit=20 (list page) | ${p50[solo_list]} | ${p99[solo_list]} | $(lat_ratio "${p50[solo_list]}" "${p50[solo_participant]}") |
| GET /api/v1/changes?limit=1000 (change feed page) | ${p50[solo_changes]} | ${p99[solo_changes]} | $(lat_ratio "${p50[solo_changes]}" "${p50[solo_participant]}") ($(lat_ratio "${p50[solo_changes]}" "${p50[solo_list]}") x the list page) |
| GET /api/v1/participants/{id}/jp-ledger?year=2024 (random officers) | ${p50[solo_ledger]} | ${p99[solo_ledger]} | $(lat_target "${p50[solo_ledger]}" "${p50[solo_participant]}" 3) |
| GET /api/v1/units/{id}/jp-compliance?year=2024 (500 officers) | ${p50[solo_unit_compliance]} | ${p99[solo_unit_compliance]} | $(lat_target "${p50[solo_unit_compliance]}" "${p50[solo_participant]}" 10) |
| GET /api/v1/jp-compliance?year=2024 (every officer, one line per unit) | ${p50[solo_kanwil_compliance]} | ${p99[solo_kanwil_compliance]} | $(lat_target "${p50[solo_kanwil_compliance]}" "${p50[solo_participant]}" 50) |
| same Kanwil-wide list, first read with $stale_before events of 2024 stale (curl; refreshes for 300 ms, computes the rest) | $kanwil_first | | $(lat_ratio "$kanwil_first" "${p50[solo_participant]}") |
| GET /api/v1/calendar/{token}.ics (an officer's feed, $calendar_events sessions) | ${p50[solo_calendar]} | ${p99[solo_calendar]} | $(lat_ratio "${p50[solo_calendar]}" "${p50[solo_participant]}") |
| GET /api/v1/sessions/{id}/attendance-sheet.pdf, 500 officers, blank (curl, median of 5) | $sheet_blank | | $(lat_ratio "$sheet_blank" "${p50[solo_participant]}") |
| same, \`?filled=true\` ($((sheet_bytes / 1024)) KiB) | $sheet_filled | | $(lat_ratio "$sheet_filled" "${p50[solo_participant]}") |

The ledger and compliance cases ran with $stale_after events of 2024 stale (the stored result lines valid for the
others).

Bulk import of new officers as CSV (one request each, curl, medians of three rounds; HTTP $import_status): 500 rows
in ${import_500_s}s (rounds: ${i500[*]}), 10,000 rows in ${import_10000_s}s (${i10000[*]}):
$(ratio "$import_10000_s" "$import_500_s") x; the same 10,000 rows again (all unchanged) in ${import_again_s}s.

Documents (one request each, curl, medians of three rounds; HTTP $doc_status): the XLSX daftar hadir of 2,000
officers x 20 sessions in ${xlsx_s}s (rounds: ${dxlsx[*]}; $((xlsx_bytes / 1024)) KiB), the ZIP of ${zip_count:-?} certificates
in ${zip_s}s (${dzip[*]}; $((zip_bytes / 1024)) KiB).

Bulk decisions (curl, medians of three rounds; HTTP $bulk_status): one approval in ${bulk_one_s}s (rounds:
${bone[*]}), 500 approvals in one call in ${bulk_500_s}s (${bbulk[*]}): $(ratio "$bulk_500_s" "$bulk_one_s") x one approval;
$bulk_approved of 501 approved after the last round.

A room behind one address: 100 logins from 127.0.0.1, 16 at a time, in ${room_s}s; answers: $room_statuses.

Server peak RSS: $((peak_kb / 1024)) MiB ($((peak_docs_kb / 1024)) MiB after the documents).
MD
)
echo "$report"
if [[ ! -f $out ]]; then
    printf '# Benchmarks\n\nProduced by `make bench` (bench/run.sh); `SCALE=0.1 make bench` repeats it on tables ten times smaller.\n' >"$out"
fi
printf '\n%s\n' "$report" >>"$out"
rm -rf "$lua_dir"
