#!/usr/bin/env python3
"""Driver of scripts/faults/kill9.sh: CYCLES times, start the release server, fire bulk attendance PUTs from
WRITERS threads (each PUT writes ROWS lines, every line with the note of its batch, to a session of its own) and
bulk imports from one more thread (`POST /participants/import`, IMPORT_ROWS new officers each, all or nothing,
every name carrying its batch), `kill -9` the server at a random moment, and start again. Then SQL invariants over
everything the driver sent:

  - partial batches: a batch's session holds neither 0 nor ROWS lines, or lines without the batch's note; an
    import whose officers are neither all there nor all absent;
  - orphans: attendance lines whose session, enrollment or officer is missing or does not match;
  - lost acknowledged writes: a batch or an import answered 200 whose lines or officers are not all there;
  - stray lines: attendance in sessions no batch was sent to.

Environment: API_PORT, TOKEN, DATABASE_URL, BIN (the release binary; the server settings are inherited),
SERVER_LOG, CYCLES (default 20), WRITERS (default 4), ROWS (default 100), IMPORT_ROWS (default 200). Exit 1 on
any violation.
"""

import os
import datetime
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
IMPORT_ROWS = int(os.environ.get("IMPORT_ROWS", "200"))
KILL_AFTER = (0.05, 1.0)  # seconds after the writers started

participants = psql(f"SELECT id FROM participants ORDER BY full_name LIMIT {ROWS}").split()
sessions = psql("SELECT id FROM sessions ORDER BY starts_at").split()
assert len(participants) == ROWS, "the fixture has fewer officers than ROWS"
unit = psql("SELECT id FROM units WHERE code = 'FAULT-1'")

batches = []  # [session, note, state] with state 'sent' | 'acked' | 'failed:<why>'
lock = threading.Lock()
free_sessions = iter(sessions)


def send(client, batch, method, path, body, cycle, unexpected):
    """Sends one bulk write and records its fate in `batch[-1]`; False when the server died under it."""
    try:
        status, _, payload = client.request(method, path, body)
    except Exception as exc:  # the server died under the request: unacknowledged
        batch[-1] = "failed:" + type(exc).__name__
        return False
    if status == 200:
        batch[-1] = "acked"
    else:
        batch[-1] = f"failed:{status}"
        unexpected.append((cycle, status, payload[:200]))
    return True


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
        if not send(client, batch, "PUT", f"/api/v1/sessions/{session}/attendance", body, cycle, unexpected):
            return
    client.close()


imports = []  # [tag, state] with state 'sent' | 'acked' | 'failed:<why>'


def nip(i):
    """A well-formed NIP of a male civil servant, unique for each i (born 1970 + i // 999 days, number i % 999)."""
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=i // 999)
    return f"{born:%Y%m%d}{1995 + i % 20}{1 + i % 12:02d}1{1 + i % 999:03d}"


def importer(cycle, stop, unexpected):
    client = Client(timeout=30.0)
    while not stop.is_set():
        with lock:
            n = len(imports)
            tag = f"imp{n}"
            batch = [tag, "sent"]
            imports.append(batch)
        rows = [
            {"nip": nip(n * IMPORT_ROWS + r), "full_name": f"Impor Uji {tag} {r}", "sex": "male",
             "employee_type": "pns", "grade": "III/a", "unit_id": unit}
            for r in range(IMPORT_ROWS)
        ]
        if not send(client, batch, "POST", "/api/v1/participants/import", rows, cycle, unexpected):
            return
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
        threads.append(threading.Thread(target=importer, args=(cycle, stop, unexpected)))
        for t in threads:
            t.start()
        time.sleep(rng.uniform(*KILL_AFTER))
        with lock:
            in_flight = sum(1 for b in batches if b[2] == "sent") + sum(1 for b in imports if b[1] == "sent")
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

    imports_acked = sum(1 for b in imports if b[1] == "acked")
    values = ",".join(f"('{t}',{'true' if st == 'acked' else 'false'})" for t, st in imports)
    sql = f"""
CREATE TEMP TABLE i (tag text PRIMARY KEY, acked boolean);
INSERT INTO i VALUES {values};
WITH per_import AS (
    SELECT i.tag, i.acked, (SELECT count(*) FROM participants p WHERE p.full_name LIKE 'Impor Uji ' || i.tag || ' %') AS n
    FROM i
)
SELECT
    (SELECT count(*) FROM per_import WHERE n NOT IN (0, {IMPORT_ROWS})),
    (SELECT count(*) FROM per_import WHERE acked AND n <> {IMPORT_ROWS}),
    (SELECT count(*) FROM per_import WHERE NOT acked AND n = {IMPORT_ROWS}),
    (SELECT count(*) FROM participants WHERE full_name LIKE 'Impor Uji %');
"""
    row = psql(sql).splitlines()[-1]
    import_partial, import_lost, import_unacked_committed, imported = map(int, row.split("|"))

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
        f"kill9: {len(imports)} imports of {IMPORT_ROWS} officers sent: {imports_acked} acknowledged, "
        f"{len(imports) - imports_acked} cut by the kill ({import_unacked_committed} of them committed anyway); "
        f"imported officers in the database {imported}"
    )
    print(
        f"kill9: partial batches {partial}, partial imports {import_partial}, orphans {orphans}, "
        f"lost acknowledged writes {lost}, lost acknowledged imports {import_lost}, stray lines {stray}, "
        f"unexpected statuses {len(unexpected)}"
    )
    violations = partial + orphans + lost + stray + len(unexpected) + import_partial + import_lost
    if unexpected:
        for cycle, status, payload in unexpected[:5]:
            print(f"  cycle {cycle}: status {status}: {payload!r}")
    if imports_acked == 0 or imports_acked == len(imports):
        print("kill9: FAILED: the kills never cut an import, or no import ever finished: nothing was shown")
        return 1
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
