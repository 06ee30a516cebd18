#!/usr/bin/env python3
"""Driver of the idempotency case of scripts/faults/kill9.sh: the server dies between a keyed request's effect and
the storing of its answer, and the client's retry with the same key must not repeat the effect.

CYCLES times (IDEM_CYCLES, default 5): start the debug server with the fault hook
`BIMTEK_FAULT_ABORT_BEFORE_ANSWER=1` (debug builds only: the process aborts after the handler's effect committed,
before the idempotency middleware stores the answer), send `POST /events/{id}/sessions` with an `Idempotency-Key`
(the server dies under it: no answer), start the server again without the hook, and retry with the same key until
the answer is final (409 `idempotency_request_in_flight` while the dead request's lease runs, at most 30 s). Then:
the session exists exactly once, and the retry was never answered 201 (a repeated effect would be a second
session, since sessions have no unique key).

Environment: API_PORT, TOKEN, DATABASE_URL, DEBUG_BIN (the debug binary; the other server settings are
inherited), SERVER_LOG, IDEM_CYCLES. Exit 1 on any violation.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid

from common import Client, psql

CYCLES = int(os.environ.get("IDEM_CYCLES", "5"))
BIN = os.environ["DEBUG_BIN"]
RETRY_DEADLINE = 30.0


def wait_ready(proc):
    client = Client(timeout=1.0)
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"kill9 idempotency: the server exited at start (code {proc.returncode})")
        try:
            status, _, _ = client.request("GET", "/health/ready")
            if status == 200:
                client.close()
                return
        except Exception:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("kill9 idempotency: the server was not ready within 30 s")


def sessions_titled(title):
    return int(psql(f"SELECT count(*) FROM sessions WHERE title = '{title}'"))


def main():
    event = psql("SELECT id FROM events WHERE title = 'Bimtek Uji Gangguan'")
    log = open(os.environ["SERVER_LOG"], "ab")
    violations = []
    retries = 0
    for cycle in range(CYCLES):
        title = f"Sesi Kunci {cycle} {uuid.uuid4().hex[:8]}"
        key = f"kill9-idem-{uuid.uuid4()}"
        starts = time.time() + 86400 * 2 + cycle * 3600
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
        body = {"kind": "seminar", "title": title, "starts_at": iso(starts), "ends_at": iso(starts + 2700)}
        path = f"/api/v1/events/{event}/sessions"
        headers = {"Idempotency-Key": key}

        hooked = dict(os.environ, BIMTEK_FAULT_ABORT_BEFORE_ANSWER="1")
        proc = subprocess.Popen([BIN, "serve"], stdout=log, stderr=log, env=hooked)
        wait_ready(proc)
        client = Client(timeout=20.0)
        try:
            status, _, payload = client.request("POST", path, body, headers)
            violations.append(f"cycle {cycle}: the hooked server answered {status} {payload[:200]!r}")
        except Exception:
            pass  # the server died under the request: no answer, as intended
        client.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            violations.append(f"cycle {cycle}: the fault hook did not stop the server")
        committed = sessions_titled(title)
        if committed != 1:
            violations.append(f"cycle {cycle}: the effect before the crash left {committed} sessions, not 1")

        proc = subprocess.Popen([BIN, "serve"], stdout=log, stderr=log)
        wait_ready(proc)
        client = Client(timeout=20.0)
        deadline = time.monotonic() + RETRY_DEADLINE
        answers = []
        while True:
            status, resp_headers, payload = client.request("POST", path, body, headers)
            retries += 1
            code = ""
            try:
                code = json.loads(payload).get("code", "")
            except Exception:
                pass
            answers.append((status, code))
            if status == 409 and code == "idempotency_request_in_flight" and time.monotonic() < deadline:
                time.sleep(min(float(resp_headers.get("retry-after", "1")), 1.0))
                continue
            break
        client.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        after = sessions_titled(title)
        if after != 1:
            violations.append(f"cycle {cycle}: after the retries {after} sessions, not 1 (repeated effect)")
        if any(status == 201 for status, _ in answers):
            violations.append(f"cycle {cycle}: a retry ran the request again: {answers}")
        if answers[-1] != (409, "idempotency_answer_lost"):
            violations.append(f"cycle {cycle}: the final answer was {answers[-1]}, not 409 idempotency_answer_lost")
    log.close()
    print(
        f"kill9 idempotency: {CYCLES} cycles of a keyed POST killed between effect and answer; {retries} retries "
        f"with the same key; violations {len(violations)}"
    )
    for violation in violations:
        print("  " + violation)
    if violations:
        print("kill9 idempotency: FAILED")
        return 1
    print("kill9 idempotency: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
