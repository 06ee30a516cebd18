#!/usr/bin/env python3
"""Driver of scripts/faults/pg-restart.sh: a steady load of reads and attendance writes against the running
release server while PostgreSQL is restarted (`-m fast`, then `-m immediate`), then the checks.

Environment: API_PORT, TOKEN, DATABASE_URL, SERVER_PID, PG_CTL (pg_ctl -D <data>, run as the cluster's owner),
BIMTEK_PG_DATA, ROUNDS (restarts per mode, default 3), RATE (requests per second in all, default 50), OUTAGE
(seconds PostgreSQL stays down between stop and start, default 2).

Checks (exit 1 on any violation):
  - every answer is 200 or 503, and every 503 has Retry-After (no 500, no other status, no transport error);
  - no request takes more than 3 s;
  - after each restart the first 200 comes within 5 s of PostgreSQL accepting connections again;
  - once the service has recovered, no GET fails (a stale pooled connection must not surface);
  - every write acknowledged with 200 is in the database afterwards (immediate restarts included);
  - the server process is the same one at the end (never restarted).
"""

import os
import random
import shlex
import subprocess
import sys
import threading
import time

from common import Client, now, psql

ROUNDS = int(os.environ.get("ROUNDS", "3"))
RATE = float(os.environ.get("RATE", "50"))
OUTAGE = float(os.environ.get("OUTAGE", "2"))
THREADS = 8
WARMUP = 5.0
AFTER_RESTART = 8.0
# During an outage a request may queue behind one blocking thread stuck in a checkout (up to the 2 s checkout
# timeout) and then wait out its own checkout: at most two timeouts, plus scheduling on two busy cores.
MAX_LATENCY = 4.5
RECOVERY_LIMIT = 5.0

participants = psql("SELECT id FROM participants ORDER BY full_name").split()
sessions = psql("SELECT id FROM sessions ORDER BY starts_at").split()
pairs = [(s, p) for s in sessions for p in participants]
random.Random(7).shuffle(pairs)

records = []  # (t0, t1, kind, status or None, has_retry_after, error)
acknowledged = []  # (session, participant, note)
lock = threading.Lock()
stop = threading.Event()
next_pair = iter(range(len(pairs)))


def load(index):
    client = Client(timeout=10.0)
    period = THREADS / RATE
    tick = now()
    seq = 0
    while not stop.is_set():
        seq += 1
        write = seq % 2 == 0
        if write:
            with lock:
                k = next(next_pair, None)
            if k is None:
                write = False
        if write:
            session, participant = pairs[k]
            note = f"w{k}"
            method, path = "PUT", f"/api/v1/sessions/{session}/attendance"
            body = {"records": [{"participant_id": participant, "status": "present", "note": note}]}
        else:
            method, path, body = "GET", f"/api/v1/participants/{random.choice(participants)}", None
        t0 = now()
        status, retry_after, error = None, False, None
        try:
            status, headers, _ = client.request(method, path, body)
            retry_after = "retry-after" in headers
        except Exception as exc:  # a transport error: the server did not answer
            error = type(exc).__name__
        t1 = now()
        with lock:
            records.append((t0, t1, "write" if write else "read", status, retry_after, error))
            if write and status == 200:
                acknowledged.append((session, participant, note))
        tick += period
        delay = tick - now()
        if delay > 0:
            stop.wait(delay)
        else:
            tick = now()
    client.close()


def restart(mode):
    """`pg_ctl stop -m MODE`, OUTAGE seconds down, `pg_ctl start` with the options the server ran with (what
    `pg_ctl restart -m MODE` does, with a longer outage). Returns the times of the stop command, of the end of
    the stop (PostgreSQL is down), of the start command, and when PostgreSQL accepts connections again."""
    pg_ctl = shlex.split(os.environ["PG_CTL"])
    data = os.environ["BIMTEK_PG_DATA"]
    with open(os.path.join(data, "postmaster.opts")) as f:
        argv = shlex.split(f.read())[1:]
    if "-D" in argv:
        i = argv.index("-D")
        del argv[i : i + 2]
    options = " ".join(shlex.quote(a) for a in argv)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "timeout": 120, "check": True}
    t_cmd = now()
    subprocess.run(pg_ctl + ["-m", mode, "-w", "-t", "60", "stop"], **quiet)
    t_down = now()
    time.sleep(OUTAGE)
    t_start = now()
    subprocess.run(pg_ctl + ["-l", os.path.join(data, "log"), "-w", "-t", "60", "-o", options, "start"], **quiet)
    # pg_ctl -w returned: the server accepts connections. Confirm with pg_isready (bounded).
    for _ in range(100):
        if subprocess.run(["pg_isready", "-q", "-d", os.environ["DATABASE_URL"]], timeout=10).returncode == 0:
            break
        time.sleep(0.05)
    return t_cmd, t_down, t_start, now()


def main():
    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    time.sleep(WARMUP)
    restarts = []
    for mode in ["fast"] * ROUNDS + ["immediate"] * ROUNDS:
        t_cmd, t_down, t_start, t_ready = restart(mode)
        restarts.append((mode, t_cmd, t_down, t_start, t_ready))
        print(f"pg-restart: {mode:9} restart: PostgreSQL back after {t_ready - t_cmd:.2f} s", flush=True)
        time.sleep(AFTER_RESTART)
    stop.set()
    for t in threads:
        t.join(timeout=15)

    violations = []
    by_status = {}
    for t0, t1, kind, status, retry_after, error in records:
        key = status if status is not None else f"error:{error}"
        by_status[key] = by_status.get(key, 0) + 1
        if error is not None:
            violations.append(f"transport error {error} on a {kind} at t={t0:.2f}")
        elif status not in (200, 503):
            violations.append(f"status {status} on a {kind}")
        elif status == 503 and not retry_after:
            violations.append(f"503 without Retry-After on a {kind}")
        if t1 - t0 > MAX_LATENCY:
            violations.append(f"a {kind} took {t1 - t0:.2f} s (status {status})")

    print("pg-restart: per restart (outage: from the stop command until PostgreSQL accepts connections again):")
    worst_recovery = 0.0
    for i, (mode, t_cmd, t_down, t_start, t_ready) in enumerate(restarts):
        t_next = restarts[i + 1][1] if i + 1 < len(restarts) else float("inf")
        window = [r for r in records if t_cmd <= r[1] < t_next]
        down = [r for r in window if t_down <= r[1] <= t_start]
        n503 = sum(1 for r in window if r[3] == 503)
        for r in down:
            if r[3] != 503:
                violations.append(f"{mode} restart {i}: a {r[2]} answered {r[3] or r[5]} while PostgreSQL was down")
        firsts = [r[1] for r in window if r[3] == 200 and r[1] > t_ready]
        recovery = (min(firsts) - t_ready) if firsts else None
        if recovery is None:
            violations.append(f"{mode} restart {i}: no success after PostgreSQL came back")
        else:
            worst_recovery = max(worst_recovery, recovery)
            if recovery > RECOVERY_LIMIT:
                violations.append(f"{mode} restart {i}: first success {recovery:.2f} s after PostgreSQL was back")
        recovered_at = min(firsts) if firsts else t_next
        stale_reads = [r for r in window if r[2] == "read" and r[0] >= recovered_at and r[3] != 200]
        stale_writes = [r for r in window if r[2] == "write" and r[0] >= recovered_at and r[3] != 200]
        for r in stale_reads:
            violations.append(f"{mode} restart {i}: a GET failed with {r[3] or r[5]} after recovery")
        slowest = max((r[1] - r[0] for r in window), default=0.0)
        print(
            f"  {i + 1}. {mode:9} outage {t_ready - t_cmd:5.2f} s; answers while PostgreSQL was down {len(down):3} "
            f"({sum(1 for r in down if r[3] == 503)} x 503); 503s in all {n503:3}; first 200 {('%.2f s' % recovery) if recovery is not None else 'never'} after "
            f"PostgreSQL was back; failed GETs after recovery {len(stale_reads)}, failed writes after "
            f"recovery {len(stale_writes)}; slowest request {slowest:.2f} s"
        )

    # Every acknowledged write is in the database with its note.
    values = ",".join(f"('{s}'::uuid,'{p}'::uuid,'{n}')" for s, p, n in acknowledged) or "(NULL::uuid,NULL::uuid,NULL)"
    missing = int(
        psql(
            f"SELECT count(*) FROM (VALUES {values}) AS v(s, p, n) "
            "LEFT JOIN attendance a ON a.session_id = v.s AND a.participant_id = v.p AND a.note = v.n "
            "WHERE v.s IS NOT NULL AND a.id IS NULL"
        )
    )
    if missing:
        violations.append(f"{missing} acknowledged writes are missing")
    server_alive = True
    try:
        os.kill(int(os.environ["SERVER_PID"]), 0)
    except OSError:
        server_alive = False
        violations.append("the server process is gone")

    reads = sum(1 for r in records if r[2] == "read")
    writes = len(records) - reads
    latencies = sorted(r[1] - r[0] for r in records)
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else 0.0
    print(
        f"pg-restart: {len(records)} requests ({reads} GET, {writes} PUT) at ~{RATE:.0f}/s; statuses "
        + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items(), key=lambda kv: str(kv[0])))
    )
    print(
        f"pg-restart: worst recovery {worst_recovery:.2f} s (limit {RECOVERY_LIMIT:.0f} s); slowest request "
        f"{latencies[-1] if latencies else 0:.2f} s, p99 {p99 * 1000:.0f} ms (limit {MAX_LATENCY:.1f} s); "
        f"acknowledged writes {len(acknowledged)}, missing {missing}; server never restarted: {server_alive}"
    )
    if violations:
        print(f"pg-restart: FAILED, {len(violations)} violations:")
        for v in violations[:30]:
            print("  - " + v)
        return 1
    print("pg-restart: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
