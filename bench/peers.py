"""The peers the benchmark compares the sandbox with, and the load generator it prefers.

* Stoplight Prism (`@stoplight/prism-cli`, pinned below), only with `python bench/run.py --peers`: installed
  with `npm install` into `bench/.peers/` (git-ignored; reused by later runs), then run as
  `prism mock -v silent <document>` on the Attendee API part (`/api/v1` paths) of the OpenAPI document the
  sandbox itself serves at `/api/schema` (fetched from the sandbox under test into the run's temporary
  folder): the API Attendee publishes, without the sandbox's own control plane and dashboard routes, so
  Prism routes among the same paths as a mock of Attendee's document would.
* `wrk` (the Debian package), when it is on the PATH: 8 connections with the same headers as the Python
  load generator (`Authorization`, `Content-Type: application/json`); otherwise the bench uses its own
  Python load generator (bench/loadgen.py), and the table says which one it used.
"""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.loadgen import Connection, build_request
from bench.servers import AUTH, HOST, Server, free_port

PRISM_PACKAGE = "@stoplight/prism-cli@5.14.2"
PEERS_DIR = Path(__file__).resolve().parent / ".peers"
PRISM_BIN = PEERS_DIR / "node_modules" / ".bin" / "prism"
NPM_TIMEOUT = 600  # seconds


def install_prism():
    """The pinned Prism's executable, installed into bench/.peers/ on first use (npm registry)."""
    if PRISM_BIN.exists():
        return PRISM_BIN
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("--peers needs npm (Node 18+) on the PATH to install " + PRISM_PACKAGE)
    PEERS_DIR.mkdir(exist_ok=True)
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(PEERS_DIR),
                    PRISM_PACKAGE], check=True, timeout=NPM_TIMEOUT, stdin=subprocess.DEVNULL)
    if not PRISM_BIN.exists():
        raise RuntimeError(f"npm install {PRISM_PACKAGE} did not provide {PRISM_BIN}")
    return PRISM_BIN


def fetch_openapi(port, path):
    """Save the Attendee API part of the sandbox's own OpenAPI document (GET /api/schema) to `path`."""
    conn = Connection(HOST, port)
    try:
        status, body = conn.request(build_request("GET", "/api/schema", f"{HOST}:{port}", AUTH))
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"GET /api/schema answered {status}")
    document = json.loads(body)
    document["paths"] = {route: item for route, item in document["paths"].items() if route.startswith("/api/v1/")}
    Path(path).write_text(json.dumps(document), encoding="utf-8")
    return path


def prism_server(document, port=None):
    port = port or free_port()
    argv = [str(install_prism()), "mock", "-h", HOST, "-p", str(port), "-v", "silent", str(document)]
    return Server(argv, port)


# -- wrk ----------------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    """One wrk run, in the units the table prints (the same names as `LoadResult`'s)."""

    requests: int = 0
    throughput: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    non_2xx: int = 0
    errors: int = 0
    cpu_seconds: float = 0.0

    @property
    def cpu_per_unit(self):
        return self.cpu_seconds / self.requests if self.requests else 0.0


UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(match.group(1)) * UNITS[match.group(2)] if match else 0.0


def have_wrk():
    return shutil.which("wrk") is not None


def run_wrk(port, path, duration, connections=8, threads=2):
    """`wrk` against 127.0.0.1:port for `duration` seconds, with the bench's headers."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency",
            "-H", f"Authorization: {AUTH['Authorization']}", "-H", "Content-Type: application/json",
            f"http://{HOST}:{port}{path}"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    result = WrkResult()
    if match := re.search(r"(\d+) requests in", out):
        result.requests = int(match.group(1))
    if match := re.search(r"Requests/sec:\s+([\d.]+)", out):
        result.throughput = float(match.group(1))
    if match := re.search(r"^\s+50%\s+(\S+)", out, re.M):
        result.p50 = _seconds(match.group(1))
    if match := re.search(r"^\s+99%\s+(\S+)", out, re.M):
        result.p99 = _seconds(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        result.non_2xx = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result.errors = sum(int(group) for group in match.groups())
    return result
