#!/usr/bin/env python3
"""Driver of scripts/faults/kill9.sh: CYCLES times, start the release server, fire bulk attendance PUTs from
WRITERS threads (each PUT writes ROWS lines, every line with the note of its batch, to a session of its own),
`kill -9` the server at a random moment, and start again. Then SQL invariants over everything the driver sent:

  - partial batches: a batch's session holds neither 0 nor ROWS lines, or lines without the batch's note;
  - orphans: attendance lines whose session, enrollment or officer is missing or does not match;
  - lost acknowledged writes: a batch answered 200 whose ROWS lines are not all there;
  - stray lines: attendance in sessions no batch was sent to.

Environment: API_PORT, TOKEN, DATABASE_URL, BIN (the release binary; the server settings are inherited),
SERVER_LOG, CYCLES (default 20), WRITERS (default 4), ROWS (default 100). Exit 1 on any violation.
"""

import os
import random
import signal
import subprocess
import sys
import threading
import time

from common import Client, psql

CYCLES = int(os.environ.get("CYCLES", "20"))
WRITERS = int(os.environ.get("WRITERS", "4"))
ROWS = int(os.environ.get("ROWS", "100"))
KILL_AFTER = (0.05, 1.0)  # seconds after the writers started

participants = psql(f"SELECT id FROM participants ORDER BY full_name LIMIT {ROWS}").split()
sessions = psql("SELECT id FROM sessions ORDER BY starts_at").split()
assert len(participants) == ROWS, "the fixture has fewer officers than ROWS"

batches = []  # [session, note, state] with state 'sent' | 'acked' | 'failed:<why>'
lock = threading.Lock()
free_sessions = iter(sessions)


def writer(cycle, stop, unexpected):
    client = Client(timeout=20.0)
    while not stop.is_set():
        with lock:
            session = next(free_sessions, None)
            if session is None:
                return
            note = f"batch-{len(batches)}"
            batch = [session, note, "sent"]
            batches.append(batch)
        body = {"records": [{"participant_id": p, "status": "present", "note": note} for p in participants]}
        try:
            status, _, payload = client.request("PUT", f"/api/v1/sessions/{session}/attendance", body)
        except Exception as exc:  # the server died under the request: unacknowledged
            batch[2] = "failed:" + type(exc).__name__
            return
        if status == 200:
            batch[2] = "acked"
        else:
            batch[2] = f"failed:{status}"
            unexpected.append((cycle, status, payload[:200]))
    client.close()


def wait_ready(proc):
    client = Client(timeout=1.0)
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"kill9: the server exited at start (code {proc.returncode})")
        try:
            status, _, _ = client.request("GET", "/health/ready")
            if status == 200:
                client.close()
                return
        except Exception:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("kill9: the server was not ready within 15 s")


def main():
    rng = random.Random(int(os.environ.get("SEED", "9")))
    unexpected = []
    in_flight_at_kill = []
    log = open(os.environ["SERVER_LOG"], "ab")
    for cycle in range(CYCLES):
        proc = subprocess.Popen([os.environ["BIN"], "serve"], stdout=log, stderr=log)
        wait_ready(proc)
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(cycle, stop, unexpected)) for _ in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(*KILL_AFTER))
        with lock:
            in_flight = sum(1 for b in batches if b[2] == "sent")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        in_flight_at_kill.append(in_flight)
    log.close()

    acked = sum(1 for b in batches if b[2] == "acked")
    failed = len(batches) - acked
    values = ",".join(f"('{s}'::uuid,'{n}',{'true' if st == 'acked' else 'false'})" for s, n, st in batches)
    sql = f"""
CREATE TEMP TABLE b (session_id uuid PRIMARY KEY, note text, acked boolean);
INSERT INTO b VALUES {values};
WITH per_batch AS (
    SELECT b.session_id, b.acked, count(a.id) AS lines, count(a.id) FILTER (WHERE a.note = b.note) AS own
    FROM b LEFT JOIN attendance a ON a.session_id = b.session_id
    GROUP BY b.session_id, b.acked
)
SELECT
    (SELECT count(*) FROM per_batch WHERE NOT (lines = 0 OR (lines = {ROWS} AND own = {ROWS}))),
    (SELECT count(*) FROM attendance a
        LEFT JOIN sessions s ON s.id = a.session_id
        LEFT JOIN enrollments e ON e.id = a.enrollment_id
        LEFT JOIN participants p ON p.id = a.participant_id
        WHERE s.id IS NULL OR e.id IS NULL OR p.id IS NULL
           OR e.participant_id <> a.participant_id OR e.event_id <> s.event_id OR e.status <> 'approved'),
    (SELECT count(*) FROM per_batch WHERE acked AND own <> {ROWS}),
    (SELECT count(*) FROM attendance a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.session_id = a.session_id)),
    (SELECT count(*) FROM per_batch WHERE NOT acked AND lines = {ROWS}),
    (SELECT count(*) FROM per_batch WHERE NOT acked AND lines = 0),
    (SELECT count(*) FROM attendance);
"""
    row = psql(sql).splitlines()[-1]
    partial, orphans, lost, stray, unacked_committed, unacked_absent, total = map(int, row.split("|"))

    print(
        f"kill9: {CYCLES} cycles of start, bulk attendance PUTs ({WRITERS} writers, {ROWS} lines each), kill -9"
    )
    print(
        f"kill9: {len(batches)} batches sent: {acked} acknowledged, {failed} cut by the kill "
        f"({unacked_committed} of them committed anyway, {unacked_absent} absent); "
        f"batches in flight at the kill: min {min(in_flight_at_kill)}, max {max(in_flight_at_kill)}, "
        f"total {sum(in_flight_at_kill)}; attendance lines in the database {total}"
    )
    print(
        f"kill9: partial batches {partial}, orphans {orphans}, lost acknowledged writes {lost}, "
        f"stray lines {stray}, unexpected statuses {len(unexpected)}"
    )
    violations = partial + orphans + lost + stray + len(unexpected)
    if unexpected:
        for cycle, status, payload in unexpected[:5]:
            print(f"  cycle {cycle}: status {status}: {payload!r}")
    if sum(in_flight_at_kill) == 0:
        print("kill9: FAILED: no kill landed while a write was in flight")
        return 1
    if violations:
        print("kill9: FAILED")
        return 1
    print("kill9: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
