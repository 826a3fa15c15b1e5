"""The sandbox's benchmark: `python bench/run.py` (add `--peers` to compare with Stoplight Prism too).

In one run, on 127.0.0.1 only, with bounded load (a few seconds per measurement), it measures and prints
one table (Markdown) of what issue 14 asks, each figure with its ratio and target:

* GET /api/v1/bots/{id}, 8 connections, the sandbox (`python -m sandbox serve`: waitress, 8 threads) side by
  side with a bare Flask route on the same waitress returning the same bytes (bench/baseline.py) and, with
  `--peers`, Prism mocking the sandbox's own OpenAPI document (bench/peers.py): the servers get the load in
  alternating slices, and each figure is the median of the slices. `wrk` when installed, else the bench's
  Python load generator (the table says which);
* POST /api/v1/bots p50 with 10,000 bots in meetings in the project, against its p50 with 100;
* start-up (process start -> first answered request) and resident memory with a 10,000-bot data file;
* a burst of 2,000 create -> leave cycles whose scripts play out (short step delays), with a GET every
  5 ms meanwhile (its p99), and the `bot.state_change` webhooks they send to a local receiver: event time ->
  arrival p99, and how many were still not delivered 5 s after the burst ended;
* a 10-bot page of GET /api/v1/bots and POST /sandbox/clock/advance with 2,000 ended bots in the project,
  against the same with 60.

Each figure also gives the server process's CPU time per request (from /proc), which other load on the
machine barely changes: on a busy machine, compare those. Every process it starts it stops (SIGTERM, by
PID); every data file lives in a temporary folder.
"""

import argparse
import compileall
import json
import os
import platform
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import datasets  # noqa: E402
from bench.loadgen import Connection, HTTPClientError, LoadResult, build_request, median, percentile, run_load  # noqa: E402
from bench.peers import PRISM_PACKAGE, WrkResult, fetch_openapi, have_wrk, prism_server, run_wrk  # noqa: E402
from bench.servers import AUTH, HOST, SEED_BOT, baseline_server, sandbox_server  # noqa: E402
from bench.webhook_receiver import Receiver  # noqa: E402

CLIENTS = 8
STARTS = 5
CREATE_BODY = json.dumps({"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Bench Bot"}).encode()
JSON_HEADERS = {**AUTH, "Content-Type": "application/json"}
# The bench drives creates far faster than the per-project POST throttle (3000/min) allows.
LOAD_ENV = {"DISABLE_RATE_LIMITING": "true"}
# Short scripted steps, so that every bot of the webhook run reaches `ended` within the run.
FAST_STEPS = "left_meeting=0.2,upload_recording=0.05,post_processing_completed=0.1,joined_meeting=0.2"

TARGETS = {
    "get_vs_baseline": 0.72,  # x bare Flask's throughput
    "get_vs_prism": 1.05,  # x Prism's throughput
    "create_scale": 1.3,  # create p50 at 10,000 bots in meetings <= 1.3 x at 100
    "startup": 0.5,  # seconds, 10,000-bot data file
    "memory": 90.0,  # MiB, 10,000 bots
    "burst_get_p99": 0.050,  # seconds
    "webhook_p99": 1.0,  # seconds
    "webhook_left": 0,  # deliveries still missing 5 s after the load
    "proportional": 1.5,  # 2,000 ended bots <= 1.5 x 60
}
BURST = 2_000
MONITOR_EVERY = 0.005  # seconds between the burst's GETs
IN_MEETING = (100, 10_000)
ENDED = (60, 2_000)
BIG = 10_000


# -- the units of load ---------------------------------------------------------------------------------


def get_work(port, bot_ids):
    host = f"{HOST}:{port}"
    requests = [build_request("GET", f"/api/v1/bots/{bot_id}", host, JSON_HEADERS) for bot_id in bot_ids]

    def make(index):
        position = [index * 7919]

        def work(conn):
            position[0] += 1
            status, _ = conn.request(requests[position[0] % len(requests)])
            return status

        return work

    return make


def cycle_work(port):
    """One unit = POST /api/v1/bots, then POST /api/v1/bots/{id}/leave on the bot it created."""
    host = f"{HOST}:{port}"
    create = build_request("POST", "/api/v1/bots", host, JSON_HEADERS, CREATE_BODY)

    def make(index):
        def work(conn):
            status, body = conn.request(create)
            if status != 201:
                return status
            bot_id = json.loads(body)["id"]
            status, _ = conn.request(build_request("POST", f"/api/v1/bots/{bot_id}/leave", host, JSON_HEADERS))
            return status

        return work

    return make


# -- measurements --------------------------------------------------------------------------------------


def create_work(port):
    host = f"{HOST}:{port}"
    create = build_request("POST", "/api/v1/bots", host, JSON_HEADERS, CREATE_BODY)

    def make(index):
        def work(conn):
            status, _ = conn.request(create)
            return status

        return work

    return make


def page_work(port):
    request = build_request("GET", "/api/v1/bots?page_size=10", f"{HOST}:{port}", JSON_HEADERS)
    return lambda index: lambda conn: conn.request(request)[0]


def advance_work(port):
    request = build_request("POST", "/sandbox/clock/advance", f"{HOST}:{port}", JSON_HEADERS, b'{"seconds": 1}')
    return lambda index: lambda conn: conn.request(request)[0]


def watch_gets(port, stop, latencies):
    """GET the seed bot every MONITOR_EVERY seconds until `stop`; appends each latency."""
    request = build_request("GET", f"/api/v1/bots/{SEED_BOT}", f"{HOST}:{port}", JSON_HEADERS)
    conn = Connection(HOST, port)
    try:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                conn.request(request)
            except (OSError, HTTPClientError):
                conn.close()
                conn = Connection(HOST, port)
                continue
            latencies.append(time.perf_counter() - began)
            stop.wait(MONITOR_EVERY)
    finally:
        conn.close()


def sequential(server, make_work, count):
    """`count` units on one connection, one after the other; the result with the server's CPU time."""
    before = server.cpu_seconds()
    result = run_load(HOST, server.port, make_work, clients=1, duration=60.0, warmup=0.0, max_requests=count)
    result.cpu_seconds = server.cpu_seconds() - before
    return result


class Bench:
    def __init__(self, folder, duration, warmup, rounds, peers=False):
        self.folder = Path(folder)
        self.duration = duration
        self.warmup = warmup
        self.rounds = rounds
        self.peers = peers
        self.rows = []  # (section, measurement, figure, ratio, target, met)
        self.raw = {}
        self.generator = "wrk" if have_wrk() else "bench/loadgen.py, wrk not installed"

    def path(self, name):
        return self.folder / name / "data.json"

    def row(self, section, measurement, figure, ratio="", target="", met=None):
        self.rows.append((section, measurement, figure, ratio, target, "" if met is None else ("yes" if met else "NO")))

    def failed(self, section, measurement, exc):
        traceback.print_exc(file=sys.stderr)
        self.row(section, measurement, f"failed: {type(exc).__name__}: {exc}".replace("|", "/")[:160])

    # GET against bare Flask and Prism ---------------------------------------------------------------------
    def get_slice(self, server, path, seconds):
        before = server.cpu_seconds()
        if have_wrk():
            result = run_wrk(server.port, path, seconds, connections=CLIENTS)
        else:
            load = run_load(HOST, server.port, get_work(server.port, [SEED_BOT]), clients=CLIENTS, duration=seconds,
                            warmup=self.warmup)
            result = WrkResult(load.total, load.throughput, load.percentile(50), load.percentile(99),
                               sum(n for status, n in load.statuses.items() if not 200 <= status < 300), load.errors)
        result.cpu_seconds = server.cpu_seconds() - before
        return result

    def get_peers(self):
        path = f"/api/v1/bots/{SEED_BOT}"
        servers = {}
        try:
            servers["baseline"] = baseline_server()
            servers["sandbox"] = sandbox_server(self.path("fixtures"), env=LOAD_ENV)
            for server in servers.values():
                server.start()
            if self.peers:
                document = fetch_openapi(servers["sandbox"].port, self.folder / "openapi.json")
                servers["prism"] = prism_server(document)
                servers["prism"].start()
            for server in servers.values():  # warm-up
                self.get_slice(server, path, 1.0)
            slices = {name: [] for name in servers}
            for _ in range(self.rounds):
                for name, server in servers.items():
                    slices[name].append(self.get_slice(server, path, self.duration / self.rounds))
        finally:
            for server in servers.values():
                server.stop()
        medians = {name: WrkResult(sum(r.requests for r in parts), median([r.throughput for r in parts]),
                                   median([r.p50 for r in parts]), median([r.p99 for r in parts]),
                                   sum(r.non_2xx for r in parts), sum(r.errors for r in parts),
                                   sum(r.cpu_seconds for r in parts)) for name, parts in slices.items()}
        self.raw["get_peers"] = {name: [vars(r) for r in parts] for name, parts in slices.items()}
        section = f"GET /api/v1/bots/{{id}}, {CLIENTS} connections ({self.generator})"
        sandbox, base = medians["sandbox"], medians["baseline"]
        self.row(section, "bare Flask on the same waitress, same bytes", wrk_figure(base))
        if "prism" in medians:
            self.row(section, "Stoplight Prism 5.14.2 mocking the sandbox's /api/v1 OpenAPI, -v silent", wrk_figure(medians["prism"]))
        ratio = sandbox.throughput / base.throughput
        self.row(section, "Attendee Sandbox (waitress, 8 threads)", wrk_figure(sandbox), f"{ratio:.2f} x bare Flask",
                 f">= {TARGETS['get_vs_baseline']} x", ratio >= TARGETS["get_vs_baseline"])
        if "prism" in medians:
            ratio = sandbox.throughput / medians["prism"].throughput
            self.row(section, "Attendee Sandbox against Prism", "(as above)", f"{ratio:.2f} x Prism",
                     f">= {TARGETS['get_vs_prism']} x", ratio >= TARGETS["get_vs_prism"])

    # creates with 100 and 10,000 bots in meetings ---------------------------------------------------------
    def create_scaling(self):
        servers = {}
        env = {**LOAD_ENV, "SANDBOX_CONCURRENT_BOTS_LIMIT": "1000000"}
        try:
            for count in IN_MEETING:
                datasets.prepare(self.path(f"meeting-{count}"), bots=count, in_meeting=True)
                servers[count] = sandbox_server(self.path(f"meeting-{count}"), env=env)
                servers[count].start()
            results = {count: LoadResult() for count in IN_MEETING}
            for _ in range(self.rounds):  # 100 creates a slice: the 100-bot project stays small
                for count, server in servers.items():
                    results[count].add(sequential(server, create_work(server.port), 100))
        finally:
            for server in servers.values():
                server.stop()
        small, big = results[IN_MEETING[0]], results[IN_MEETING[1]]
        self.raw["create_scaling"] = {str(k): summary(v) for k, v in results.items()}
        ratio = big.percentile(50) / small.percentile(50)
        section = "POST /api/v1/bots, 1 client"
        self.row(section, f"{IN_MEETING[0]:,} bots in meetings", latency_figure(small))
        self.row(section, f"{IN_MEETING[1]:,} bots in meetings", latency_figure(big),
                 f"p50 {ratio:.2f} x (CPU {big.cpu_per_unit / small.cpu_per_unit:.2f} x)",
                 f"p50 <= {TARGETS['create_scale']} x", ratio <= TARGETS["create_scale"])

    # start-up and memory with 10,000 bots -----------------------------------------------------------------
    def startup(self):
        # As an installed package runs: its bytecode compiled (by pip, or by its first run; a shell with
        # PYTHONDONTWRITEBYTECODE set would otherwise have every start compile the sources again).
        compileall.compile_dir(Path(__file__).resolve().parent.parent / "sandbox", quiet=1)
        path = self.path("big")
        datasets.prepare(path, bots=BIG)
        runs, memory = [], []
        for _ in range(STARTS):
            server = sandbox_server(path)
            server.start()
            runs.append((server.startup_seconds, server.startup_cpu_seconds))
            time.sleep(0.3)
            memory.append(server.rss_mb())
            server.stop()
        self.raw["startup"] = {"runs": runs, "rss": memory}
        wall = [w for w, _ in runs]
        self.row("start-up and memory", f"process start -> first answered GET, {BIG:,}-bot data file "
                 f"({path.stat().st_size / 2**20:.1f} MiB)",
                 f"{median(wall):.2f} s (median of {STARTS}: {min(wall):.2f}-{max(wall):.2f}; server CPU "
                 f"{median([c for _, c in runs]):.2f} s)", "", f"<= {TARGETS['startup']} s",
                 median(wall) <= TARGETS["startup"])
        self.row("start-up and memory", f"VmRSS, idle with {BIG:,} bots", f"{median(memory):.1f} MiB", "",
                 f"<= {TARGETS['memory']:.0f} MiB", median(memory) <= TARGETS["memory"])

    # a burst of creates playing out, GETs and webhooks meanwhile --------------------------------------------
    def burst(self):
        with Receiver() as receiver:
            subscription = [{"url": receiver.url, "triggers": ["bot.state_change"]}]
            path = self.path("burst")
            datasets.prepare(path, project_webhooks=subscription)
            env = {**LOAD_ENV, "SANDBOX_STEP_DELAYS": FAST_STEPS}
            with sandbox_server(path, env=env) as server:
                stop = threading.Event()
                gets = []
                monitor = threading.Thread(target=watch_gets, args=(server.port, stop, gets), daemon=True)
                monitor.start()
                began = time.monotonic()
                load = run_load(HOST, server.port, cycle_work(server.port), clients=CLIENTS, duration=300.0,
                                warmup=0.0, max_requests=BURST)
                ended = time.monotonic()
                stop.set()
                monitor.join(timeout=10)
                cycles = load.statuses.get(200, 0)
                expected = 4 * cycles  # join_requested, leave_requested, left_meeting, post_processing_completed
                while receiver.count() < expected and time.monotonic() < ended + 5.0:
                    time.sleep(0.05)
                left = max(0, expected - receiver.count())
            delays = receiver.state_change_delays()
        self.raw["burst"] = {"cycles": cycles, "statuses": {str(k): v for k, v in load.statuses.items()},
                             "seconds": ended - began, "gets": len(gets), "expected": expected,
                             "received": len(delays), "left": left}
        section = f"burst: {BURST:,} create -> leave cycles, {CLIENTS} clients ({ended - began:.0f} s)"
        p99 = percentile(gets, 99)
        self.row(section, f"GET /api/v1/bots/{{id}} every {MONITOR_EVERY * 1000:.0f} ms meanwhile ({len(gets)} GETs)",
                 f"p50 {ms(percentile(gets, 50))}, p99 {ms(p99)}, max {ms(max(gets) if gets else 0)}", "",
                 f"p99 < {TARGETS['burst_get_p99'] * 1000:.0f} ms", bool(gets) and p99 < TARGETS["burst_get_p99"])
        wp99 = percentile(delays, 99)
        self.row(section, f"bot.state_change, event time -> arrival at a local receiver ({len(delays)} of {expected})",
                 f"p50 {ms(percentile(delays, 50))}, p99 {ms(wp99)}, max {ms(max(delays) if delays else 0)}", "",
                 f"p99 < {TARGETS['webhook_p99']:.0f} s", bool(delays) and wp99 < TARGETS["webhook_p99"])
        self.row(section, "webhooks not arrived 5 s after the burst ended", f"{left}", "", "0",
                 cycles > 0 and left <= TARGETS["webhook_left"])

    # a list page and a clock advance with 60 and 2,000 ended bots ------------------------------------------
    def proportional(self):
        servers = {}
        works = {"page": page_work, "advance": advance_work}
        labels = {"page": "GET /api/v1/bots?page_size=10", "advance": 'POST /sandbox/clock/advance {"seconds": 1}'}
        try:
            for count in ENDED:
                datasets.prepare(self.path(f"ended-{count}"), bots=count, ended=True)
                servers[count] = sandbox_server(self.path(f"ended-{count}"), env=LOAD_ENV)
                servers[count].start()
            results = {(kind, count): LoadResult() for kind in works for count in ENDED}
            for _ in range(self.rounds):
                for kind, work in works.items():
                    for count, server in servers.items():
                        results[(kind, count)].add(sequential(server, work(server.port), 100))
        finally:
            for server in servers.values():
                server.stop()
        self.raw["proportional"] = {f"{kind}-{count}": summary(result) for (kind, count), result in results.items()}
        for kind in works:
            small, big = results[(kind, ENDED[0])], results[(kind, ENDED[1])]
            ratio = big.percentile(50) / small.percentile(50)
            self.row("1 client", f"{labels[kind]}, {ENDED[0]:,} ended bots", latency_figure(small))
            self.row("1 client", f"{labels[kind]}, {ENDED[1]:,} ended bots", latency_figure(big),
                     f"p50 {ratio:.2f} x (CPU {big.cpu_per_unit / small.cpu_per_unit:.2f} x)",
                     f"p50 <= {TARGETS['proportional']} x", ratio <= TARGETS["proportional"])


# -- formatting ----------------------------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def wrk_figure(result):
    text = (f"{result.throughput:,.0f} req/s, p50 {ms(result.p50)}, p99 {ms(result.p99)}, "
            f"server CPU {result.cpu_per_unit * 1e6:,.0f} us/req")
    if result.non_2xx or result.errors:
        text += f" (non-2xx: {result.non_2xx}, errors: {result.errors})"
    return text


def latency_figure(result):
    bad = {status: count for status, count in result.statuses.items() if not 200 <= status < 300}
    text = (f"p50 {ms(result.percentile(50))}, p99 {ms(result.percentile(99))} ({result.count} req), "
            f"server CPU {result.cpu_per_unit * 1e6:,.0f} us/req")
    if bad or result.errors:
        text += f" (non-2xx: {bad}, errors: {result.errors})"
    return text


def summary(result):
    return {"count": result.count, "throughput": result.throughput, "p50": result.percentile(50),
            "p99": result.percentile(99), "cpu_per_unit": result.cpu_per_unit,
            "statuses": {str(k): v for k, v in result.statuses.items()}, "errors": result.errors}


def render(rows):
    header = ("section", "measurement", "figure", "ratio", "target", "met")
    table = [header] + [tuple(str(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for number, row in enumerate(table):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark the Attendee Sandbox on 127.0.0.1.")
    parser.add_argument("--peers", action="store_true",
                        help=f"also measure Stoplight Prism ({PRISM_PACKAGE}, npm-installed into bench/.peers/)")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds of GET load per server (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating slices per measurement (default 3)")
    parser.add_argument("--warmup", type=float, default=0.3, help="seconds of load before each slice (default 0.3)")
    parser.add_argument("--only", nargs="*", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    if not 0.5 <= args.duration <= 60 or not 1 <= args.rounds <= 10:
        parser.error("--duration must be 0.5-60 seconds and --rounds 1-10")

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as folder:
        bench = Bench(folder, args.duration, args.warmup, args.rounds, peers=args.peers)
        for name in args.only or SECTIONS:
            try:
                getattr(bench, SECTIONS[name])()
            except Exception as exc:  # noqa: BLE001 - report it and go on with the other measurements
                bench.failed(name, name, exc)

    print(f"Attendee Sandbox benchmark: 127.0.0.1; Python {platform.python_version()}, {os.cpu_count()} CPUs "
          f"({platform.processor() or platform.machine()}); load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after; took {time.perf_counter() - started:.0f} s")
    print()
    print(render(bench.rows))
    judged = [row for row in bench.rows if row[5]]
    missed = [row[1] for row in judged if row[5] == "NO"]
    print()
    print(f"targets met: {len(judged) - len(missed)} of {len(judged)}" + (f"; missed: {'; '.join(missed)}" if missed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(bench.raw, indent=2))
    return 0


SECTIONS = {"get": "get_peers", "create": "create_scaling", "startup": "startup", "burst": "burst",
            "proportional": "proportional"}


if __name__ == "__main__":
    sys.exit(main())
