"""A small closed-loop HTTP/1.1 load generator: N client threads, one keep-alive connection each.

Each client sends its next request as soon as the previous answer is complete, for a fixed time, and
records every request's latency. It speaks just enough HTTP/1.1 for the servers it measures (waitress:
`Content-Length` bodies, keep-alive), with prebuilt request bytes, so that its own cost per request stays
far below the server's. Every run is bounded: it stops after `duration` seconds (or `max_requests`).
"""

import socket
import statistics
import threading
import time
from dataclasses import dataclass, field


class HTTPClientError(Exception):
    pass


def build_request(method, path, host, headers=None, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    """One keep-alive connection; `request(raw)` returns (status, body bytes)."""

    def __init__(self, host, port, timeout=10.0):
        self.address = (host, port)
        self.timeout = timeout
        self.sock = None
        self.buffer = b""

    def connect(self):
        self.close()
        self.sock = socket.create_connection(self.address, timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def request(self, raw):
        if self.sock is None:
            self.connect()
        self.sock.sendall(raw)
        head_end = self.buffer.find(b"\r\n\r\n")
        while head_end < 0:
            self._fill()
            head_end = self.buffer.find(b"\r\n\r\n")
        head, self.buffer = self.buffer[:head_end], self.buffer[head_end + 4 :]
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if close:
            self.close()
        return status, body

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            self.close()
            raise HTTPClientError("connection closed by the server")
        self.buffer += chunk


@dataclass
class LoadResult:
    latencies: list = field(default_factory=list)  # seconds, of every measured request (or cycle)
    statuses: dict = field(default_factory=dict)
    elapsed: float = 0.0
    errors: int = 0
    total: int = 0  # units completed, warm-up included
    cpu_seconds: float = 0.0  # the server's CPU time over the whole run, warm-up included (if measured)

    @property
    def cpu_per_unit(self):
        return self.cpu_seconds / self.total if self.total else 0.0

    def add(self, other):
        self.latencies.extend(other.latencies)
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.elapsed += other.elapsed
        self.errors += other.errors
        self.total += other.total
        self.cpu_seconds += other.cpu_seconds

    @property
    def count(self):
        return len(self.latencies)

    @property
    def throughput(self):
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p):
        return percentile(self.latencies, p)


def percentile(values, p):
    """The p-th percentile (0-100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(p / 100.0 * len(ordered) + 0.5))))
    return ordered[rank - 1]


def median(values):
    return statistics.median(values) if values else 0.0


def run_load(host, port, make_work, *, clients=8, duration=3.0, warmup=0.5, max_requests=None):
    """Run `clients` threads for `warmup + duration` seconds; measure only after the warm-up.

    A unit counts when it finishes inside the measured window (so a server slower than the window still
    gets a figure); clients start no unit after the window, and the run ends when their last one does.

    `make_work(index)` returns a function `work(conn) -> status` that does one unit (one request, or a
    whole create -> leave cycle) on the client's connection; its latency is the unit's latency. A unit
    that raises counts as an error and the client reconnects.
    """
    result = LoadResult()
    lock = threading.Lock()
    start_barrier = threading.Barrier(clients + 1)
    state = {"measure_from": None, "stop_at": None}
    budget = {"left": max_requests}

    def client(index):
        work = make_work(index)
        conn = Connection(host, port)
        latencies, statuses, errors, total = [], {}, 0, 0
        start_barrier.wait()
        while True:
            started = time.perf_counter()
            if started >= state["stop_at"]:
                break
            if budget["left"] is not None:
                with lock:
                    if budget["left"] <= 0:
                        break
                    budget["left"] -= 1
            try:
                status = work(conn)
            except (OSError, HTTPClientError, ValueError):
                errors += 1
                conn.close()
                time.sleep(0.01)
                continue
            finished = time.perf_counter()
            total += 1
            if state["measure_from"] <= finished <= state["stop_at"]:
                latencies.append(finished - started)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count
            result.errors += errors
            result.total += total

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    state["measure_from"] = now + warmup
    state["stop_at"] = now + warmup + duration
    start_barrier.wait()
    for thread in threads:
        thread.join(timeout=warmup + duration + 30)
    result.elapsed = duration
    return result


def compare(targets, *, rounds=3, duration=3.0, warmup=0.3, clients=8):
    """Measure several servers under the same load, alternating short slices between them.

    `targets` maps a name to `(port, make_work, cpu_seconds)`, where `cpu_seconds()` reads the server's CPU
    time. Each server gets `rounds` slices of `duration / rounds` seconds (after `warmup` each), so that a
    burst of other load on the machine hits every server alike. Returns `{name: LoadResult}`.
    """
    results = {name: LoadResult() for name in targets}
    for _ in range(rounds):
        for name, (port, make_work, cpu_seconds) in targets.items():
            before = cpu_seconds()
            part = run_load("127.0.0.1", port, make_work, clients=clients, duration=duration / rounds, warmup=warmup)
            part.cpu_seconds = cpu_seconds() - before
            results[name].add(part)
    return results
