"""Helpers shared by the fault drivers: a small HTTP client on loopback and psql."""

import http.client
import json
import os
import subprocess
import time

API_PORT = int(os.environ["API_PORT"])
TOKEN = os.environ.get("TOKEN", "")


class Client:
    """One keep-alive HTTP/1.1 connection to the API, reopened after any error."""

    def __init__(self, timeout=10.0):
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, extra_headers=None):
        """Returns (status, headers dict, body bytes), or raises OSError/HTTPException on a transport error."""
        headers = {"Authorization": "Bearer " + TOKEN, **(extra_headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", API_PORT, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
        except Exception:
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def psql(sql, *args):
    """Runs SQL (from stdin) on DATABASE_URL and returns the unaligned, tuples-only output."""
    return subprocess.run(
        ["psql", os.environ["DATABASE_URL"], "-qAt", "-v", "ON_ERROR_STOP=1", *args],
        input=sql,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()


def now():
    return time.monotonic()
