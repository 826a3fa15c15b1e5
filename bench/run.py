"""The sandbox's benchmark: `python bench/run.py` (install with `pip install -e '.[bench]'`).

In one run, on 127.0.0.1 only, with bounded load (a few seconds per measurement), it measures and prints
one table (Markdown) of:

* start-up, process start -> first answered request, median of 5 starts (fresh data file; existing file);
* GET /api/v1/bots/{id} and the create -> leave cycle with 8 concurrent clients, through the README's
  serve command (`python -m sandbox serve`: waitress, 8 threads), each as a ratio to the baseline: the
  same waitress server serving a bare Flask route that returns a fixed bot JSON;
* GET latency with 100, 1,000 and 10,000 bots in one project, as ratios to the 100-bot figure (and the
  create -> leave cycle at 10,000 bots);
* the delay from a state change (the event's time) to its `bot.state_change` webhook arriving at a local
  receiver, p50 and p99;
* resident memory (VmRSS) at idle with the fixtures, and with 10,000 bots.

Servers that are compared run side by side and get the load in alternating slices, so that other work on
the machine hits them alike. Each figure also gives the server process's CPU time per request (from
/proc), which other load on the machine barely changes: on a busy machine, compare those. Every process it
starts it stops (SIGTERM, by PID); every data file lives in a temporary folder.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import datasets  # noqa: E402
from bench.loadgen import Connection, build_request, compare, median, percentile  # noqa: E402
from bench.servers import AUTH, HOST, SEED_BOT, baseline_server, sandbox_server  # noqa: E402
from bench.webhook_receiver import Receiver  # noqa: E402

CLIENTS = 8
STARTS = 5
SCALES = (100, 1_000, 10_000)
CREATE_BODY = json.dumps({"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Bench Bot"}).encode()
JSON_HEADERS = {**AUTH, "Content-Type": "application/json"}
# The bench drives creates far faster than the per-project POST throttle (3000/min) allows.
LOAD_ENV = {"DISABLE_RATE_LIMITING": "true"}
# Short scripted steps, so that every bot of the webhook run reaches `ended` within the run.
FAST_STEPS = "left_meeting=0.2,upload_recording=0.05,post_processing_completed=0.1,joined_meeting=0.2"

TARGETS = {
    "get_throughput": 0.6,  # x the baseline's throughput
    "scale_p50": 2.0,  # 10,000-bot p50 <= 2 x the 100-bot p50
    "startup": 1.0,  # seconds
    "webhook_p99": 0.100,  # seconds
    "idle_memory": 80.0,  # MiB
}


# -- the units of load ---------------------------------------------------------------------------------


def get_work(port, bot_ids):
    host = f"{HOST}:{port}"
    requests = [build_request("GET", f"/api/v1/bots/{bot_id}", host, AUTH) for bot_id in bot_ids]

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


class Bench:
    def __init__(self, folder, duration, warmup, rounds):
        self.folder = Path(folder)
        self.duration = duration
        self.warmup = warmup
        self.rounds = rounds
        self.rows = []  # (section, measurement, figure, ratio, target, met)
        self.raw = {}

    def path(self, name):
        return self.folder / name / "data.json"

    def compare(self, targets, rounds=None, clients=CLIENTS):
        return compare(targets, rounds=rounds or self.rounds, duration=self.duration, warmup=self.warmup, clients=clients)

    def row(self, section, measurement, figure, ratio="", target="", met=None):
        self.rows.append((section, measurement, figure, ratio, target, "" if met is None else ("yes" if met else "NO")))

    def failed(self, section, measurement, exc):
        traceback.print_exc(file=sys.stderr)
        self.row(section, measurement, f"failed: {type(exc).__name__}: {exc}".replace("|", "/")[:160])

    # start-up -----------------------------------------------------------------------------------------
    def startup(self):
        runs = {"fresh": [], "existing": []}
        for number in range(STARTS):
            path = self.path(f"start-{number}")
            for kind in ("fresh", "existing"):  # the first start writes the fixtures into a new data file
                server = sandbox_server(path)
                server.start()
                runs[kind].append((server.startup_seconds, server.startup_cpu_seconds))
                server.stop()
        self.raw["startup"] = runs
        target = TARGETS["startup"]
        labels = {"fresh": "new data file (fixtures validated, loaded, written)", "existing": "existing data file"}
        for kind, label in labels.items():
            wall = [w for w, _ in runs[kind]]
            cpu = [c for _, c in runs[kind]]
            self.row("start-up", f"process start -> first answered GET, {label}",
                     f"{median(wall):.2f} s (median of {STARTS}: {min(wall):.2f}-{max(wall):.2f}; server CPU "
                     f"{median(cpu):.2f} s)", "", f"<= {target:.0f} s", median(wall) <= target)

    # throughput against the baseline --------------------------------------------------------------------
    def throughput(self):
        with baseline_server() as base, sandbox_server(self.path("fixtures"), env=LOAD_ENV) as server:
            time.sleep(0.3)
            idle = server.rss_mb()
            results = self.compare({
                "baseline": (base.port, get_work(base.port, [SEED_BOT]), base.cpu_seconds),
                "get": (server.port, get_work(server.port, [SEED_BOT]), server.cpu_seconds),
            })
            cycle = self.compare({"cycle": (server.port, cycle_work(server.port), server.cpu_seconds)})["cycle"]
            after = server.rss_mb()
        baseline, get = results["baseline"], results["get"]
        self.raw.update(baseline=summary(baseline), get=summary(get), cycle=summary(cycle),
                        memory_fixtures={"idle": idle, "after_load": after})
        target = TARGETS["get_throughput"]
        self.row("throughput, 8 clients", "baseline: bare Flask route returning a fixed bot JSON, same waitress server",
                 figure(baseline), "1.00")
        self.row("throughput, 8 clients", "GET /api/v1/bots/{id}", figure(get), ratios(get, baseline),
                 f"throughput >= {target:.1f} x baseline", get.throughput / baseline.throughput >= target)
        self.row("throughput, 8 clients", "create -> leave cycle (POST /bots, then POST /bots/{id}/leave)",
                 figure(cycle, "cycles"), ratios(cycle, baseline))
        return idle, after

    # scaling ------------------------------------------------------------------------------------------
    def scaling(self):
        servers, ids, prepared = {}, {}, {}
        try:
            for count in SCALES:
                path = self.path(f"scale-{count}")
                began = time.perf_counter()
                ids[count] = datasets.prepare(path, bots=count)
                prepared[count] = {"prepare": time.perf_counter() - began, "file_mb": path.stat().st_size / 2**20}
            for count in SCALES:
                server = sandbox_server(self.path(f"scale-{count}"), env=LOAD_ENV)
                server.start()
                servers[count] = server
            time.sleep(0.3)
            memory = {count: {**prepared[count], "idle": servers[count].rss_mb(), "startup": servers[count].startup_seconds,
                              "startup_cpu": servers[count].startup_cpu_seconds} for count in SCALES}
            gets = self.compare({count: (servers[count].port, get_work(servers[count].port, ids[count]),
                                         servers[count].cpu_seconds) for count in SCALES})
            ends = (SCALES[0], SCALES[-1])
            # One slice each: a create at 10,000 bots is slow enough that short slices would measure nothing.
            cycles = self.compare({count: (servers[count].port, cycle_work(servers[count].port), servers[count].cpu_seconds)
                                   for count in ends}, rounds=1)
            alone = self.compare({count: (servers[count].port, cycle_work(servers[count].port), servers[count].cpu_seconds)
                                  for count in ends}, rounds=1, clients=1)
            for count in SCALES:
                memory[count]["after_load"] = servers[count].rss_mb()
        finally:
            for server in servers.values():
                server.stop()
        self.raw["scaling_get"] = {str(k): summary(v) for k, v in gets.items()}
        self.raw["scaling_cycle"] = {str(k): summary(v) for k, v in cycles.items()}
        self.raw["scaling_cycle_one_client"] = {str(k): summary(v) for k, v in alone.items()}
        self.raw["scaling_memory"] = memory
        first = gets[SCALES[0]]
        target = TARGETS["scale_p50"]
        for count in SCALES:
            result = gets[count]
            p50_ratio = result.percentile(50) / first.percentile(50)
            last = count == SCALES[-1]
            self.row("scaling", f"GET, {count:,} bots in one project (a random one each request)", figure(result),
                     scale_ratios(result, first), f"p50 <= {target:.0f} x 100-bot p50" if last else "",
                     (p50_ratio <= target) if last else None)
        for count in ends:
            self.row("scaling", f"create -> leave cycle, {count:,} bots in the project", figure(cycles[count], "cycles"),
                     scale_ratios(cycles[count], cycles[ends[0]]))
        for count in ends:
            self.row("scaling", f"create -> leave cycle, {count:,} bots in the project, 1 client",
                     figure(alone[count], "cycles"), scale_ratios(alone[count], alone[ends[0]]))
        big = memory[SCALES[-1]]
        self.row("scaling", f"start-up, existing data file with {SCALES[-1]:,} bots ({big['file_mb']:.1f} MiB)",
                 f"{big['startup']:.2f} s (server CPU {big['startup_cpu']:.2f} s)")
        return memory

    # webhooks -----------------------------------------------------------------------------------------
    def webhooks(self, rate=20.0):
        with Receiver() as receiver:
            subscription = [{"url": receiver.url, "triggers": ["bot.state_change"]}]
            path = self.path("webhooks")
            datasets.prepare(path, project_webhooks=subscription)
            env = {**LOAD_ENV, "SANDBOX_STEP_DELAYS": FAST_STEPS}
            with sandbox_server(path, env=env) as server:
                cycles = paced_cycles(server.port, rate, self.duration)
                expected = 4 * cycles  # join_requested, leave_requested, left_meeting, post_processing_completed
                deadline = time.monotonic() + 5.0
                while receiver.count() < expected and time.monotonic() < deadline:
                    time.sleep(0.05)
            delays = receiver.state_change_delays()
        self.raw["webhooks"] = {"cycles": cycles, "expected": expected, "received": len(delays), "delays": delays}
        target = TARGETS["webhook_p99"]
        p99 = percentile(delays, 99)
        self.row("webhooks", f"event time -> bot.state_change arriving at a local receiver ({rate:.0f} create -> "
                 f"leave cycles/s; {len(delays)} of {expected} webhooks arrived)",
                 f"p50 {ms(percentile(delays, 50))}, p99 {ms(p99)}, max {ms(max(delays) if delays else 0)}", "",
                 f"p99 <= {target * 1000:.0f} ms", bool(delays) and len(delays) == expected and p99 <= target)

    # memory -------------------------------------------------------------------------------------------
    def memory(self, fixtures, scaled):
        target = TARGETS["idle_memory"]
        idle, after = fixtures
        self.row("memory (VmRSS)", "idle, the fixtures", f"{idle:.1f} MiB ({after:.1f} MiB after the load above)", "",
                 f"<= {target:.0f} MiB", idle <= target)
        for count in SCALES[1:]:
            entry = scaled[count]
            self.row("memory (VmRSS)", f"idle, {count:,} bots", f"{entry['idle']:.1f} MiB ({entry['after_load']:.1f} MiB "
                     "after the load above)", f"{entry['idle'] / idle:.2f} (vs the fixtures)")


def paced_cycles(port, rate, duration):
    """create -> leave cycles on one connection at `rate` per second for `duration` seconds."""
    host = f"{HOST}:{port}"
    create = build_request("POST", "/api/v1/bots", host, JSON_HEADERS, CREATE_BODY)
    conn = Connection(HOST, port)
    cycles = 0
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < duration:
            due = start + cycles / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status, body = conn.request(create)
            if status != 201:
                raise RuntimeError(f"create answered {status}: {body[:200]!r}")
            bot_id = json.loads(body)["id"]
            status, body = conn.request(build_request("POST", f"/api/v1/bots/{bot_id}/leave", host, JSON_HEADERS))
            if status != 200:
                raise RuntimeError(f"leave answered {status}: {body[:200]!r}")
            cycles += 1
    finally:
        conn.close()
    return cycles


# -- formatting ----------------------------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def figure(result, unit="req"):
    if not result.count:
        return (f"none of the {result.total} {unit} completed within the {result.elapsed:g} s measured (each took "
                f"longer); server CPU {result.cpu_per_unit * 1e6:,.0f} us/{unit.rstrip('s')}")
    bad = {status: count for status, count in result.statuses.items() if not 200 <= status < 300}
    text = f"{result.throughput:,.0f} {unit}/s, p50 {ms(result.percentile(50))}, p99 {ms(result.percentile(99))}"
    if result.cpu_seconds:
        text += f", server CPU {result.cpu_per_unit * 1e6:,.0f} us/{unit.rstrip('s')}"
    if bad or result.errors:
        text += f" (non-2xx: {bad}, errors: {result.errors})"
    return text


def ratios(result, base):
    return (f"throughput {result.throughput / base.throughput:.2f}, p50 {result.percentile(50) / base.percentile(50):.2f}, "
            f"p99 {result.percentile(99) / base.percentile(99):.2f}, CPU/request "
            f"{result.cpu_per_unit / base.cpu_per_unit:.2f} (vs baseline)")


def scale_ratios(result, first):
    if not result.count or not first.count:
        return f"CPU per unit {result.cpu_per_unit / first.cpu_per_unit:.0f} x (vs 100 bots)" if first.cpu_per_unit else ""
    return (f"p50 {result.percentile(50) / first.percentile(50):.2f}, p99 {result.percentile(99) / first.percentile(99):.2f}, "
            f"throughput {result.throughput / first.throughput:.2f} (vs 100 bots)")


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
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of load per measurement (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="slices each compared measurement is cut into (default 3)")
    parser.add_argument("--warmup", type=float, default=0.3, help="seconds of load before each slice (default 0.3)")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    if not 0.5 <= args.duration <= 30 or not 1 <= args.rounds <= 10:
        parser.error("--duration must be 0.5-30 seconds and --rounds 1-10")

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    fixtures = scaled = None
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as folder:
        bench = Bench(folder, args.duration, args.warmup, args.rounds)
        try:
            bench.startup()
        except Exception as exc:  # noqa: BLE001 - report it and go on with the other measurements
            bench.failed("start-up", "process start -> first answered GET", exc)
        try:
            fixtures = bench.throughput()
        except Exception as exc:  # noqa: BLE001
            bench.failed("throughput, 8 clients", "GET and create -> leave against the baseline", exc)
        try:
            scaled = bench.scaling()
        except Exception as exc:  # noqa: BLE001
            bench.failed("scaling", "100 / 1,000 / 10,000 bots", exc)
        try:
            bench.webhooks()
        except Exception as exc:  # noqa: BLE001
            bench.failed("webhooks", "state change -> webhook", exc)
        if fixtures and scaled:
            bench.memory(fixtures, scaled)

    print(f"Attendee Sandbox benchmark: 127.0.0.1, {CLIENTS} clients (one keep-alive connection each), "
          f"{args.duration:g} s of load per figure ({args.rounds} slices, each after {args.warmup:g} s warm-up, "
          f"alternating between the servers compared); Python {platform.python_version()}, {os.cpu_count()} CPUs; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; took {time.perf_counter() - started:.0f} s")
    print()
    print(render(bench.rows))
    judged = [row for row in bench.rows if row[5]]
    missed = [row[1] for row in judged if row[5] == "NO"]
    print()
    print(f"targets met: {len(judged) - len(missed)} of {len(judged)}" + (f"; missed: {'; '.join(missed)}" if missed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(bench.raw, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
