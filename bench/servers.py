"""Start and stop the servers the benchmark measures, each as its own process on 127.0.0.1.

* `sandbox`: the README's serve command, `python -m sandbox serve --port P --data D` (waitress, 8 threads);
* `baseline`: the same waitress server serving a bare Flask route (bench/baseline.py).

Start-up is timed from just before the process is spawned to the first answered request. Every process
started here is ended here, by its PID (SIGTERM, then SIGKILL after a bounded wait).
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.loadgen import Connection, HTTPClientError, build_request

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_KEY = "sbx0DefaultProjectKey00000000001"
SEED_BOT = "bot_weIAju4OXNZkDTpZ"
AUTH = {"Authorization": f"Token {DEFAULT_KEY}"}
START_TIMEOUT = 60.0


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, argv, port, env=None, probe_path=f"/api/v1/bots/{SEED_BOT}"):
        self.argv = argv
        self.port = port
        self.env = {**os.environ, **(env or {})}
        self.probe = build_request("GET", probe_path, f"{HOST}:{port}", AUTH)
        self.process = None
        self.startup_seconds = None
        self.startup_cpu_seconds = None

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        """Spawn, then poll until a request is answered; returns the seconds that took."""
        started = time.perf_counter()
        # stderr goes to a file, never to a pipe nobody reads: a server that logs much (waitress's "Task
        # queue depth" warnings under a burst) would block on a full pipe and stall every connection.
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )
        deadline = started + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                self.stderr.seek(0)
                raise RuntimeError(f"{self.argv} exited with {self.process.returncode}: {self.stderr.read().decode()}")
            conn = Connection(HOST, self.port, timeout=5.0)
            try:
                status, _ = conn.request(self.probe)
                if status < 500:
                    break
            except (OSError, HTTPClientError):
                pass
            finally:
                conn.close()
            if time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"{self.argv} did not answer within {START_TIMEOUT} s")
            time.sleep(0.005)
        self.startup_seconds = time.perf_counter() - started
        self.startup_cpu_seconds = self.cpu_seconds()
        return self.startup_seconds

    def cpu_seconds(self):
        """User + system CPU time the server process has used so far (robust to other load on the machine)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self):
        """Resident memory of the server process (VmRSS), in MiB."""
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        raise RuntimeError("no VmRSS")

    def stop(self, timeout=20.0):
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)
        self.stderr.close()
        return self.process.returncode

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def sandbox_server(data_path, env=None, port=None):
    port = port or free_port()
    argv = [sys.executable, "-m", "sandbox", "serve", "--host", HOST, "--port", str(port), "--data", str(data_path)]
    return Server(argv, port, env)


def baseline_server(port=None):
    port = port or free_port()
    argv = [sys.executable, "-m", "bench.baseline", "--host", HOST, "--port", str(port)]
    return Server(argv, port)
