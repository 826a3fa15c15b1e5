"""In-process costs of the sandbox's hot paths, with no server and no network: `python bench/hotpaths.py`.

Each figure is the CPU time per request (`time.process_time`, which other load on the machine barely
changes) through the Flask test client, so it includes the whole application (hooks, pipeline, use case,
serialization) but no WSGI server. `--profile NAME` prints a cProfile of one measurement instead
(sorted by `--sort`, cumulative by default). Everything runs in a temporary folder.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/hotpaths.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import datasets  # noqa: E402
from bench.servers import AUTH, SEED_BOT  # noqa: E402
from sandbox import create_app  # noqa: E402

HEADERS = {**AUTH, "Content-Type": "application/json"}
HOST = "127.0.0.1:8000"
CREATE_BODY = json.dumps({"meeting_url": "https://meet.google.com/abc-defg-hij", "bot_name": "Bench Bot"})


def app_for(path, **settings):
    config = {"data_path": str(path), "background_steps": False, "disable_rate_limiting": True,
              "concurrent_bots_limit": 1_000_000, **settings}
    return create_app(config)


class Caller:
    """Calls a WSGI app as a server does, with a request built once (the test client's own cost is larger
    than some of the paths measured)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, method, path, body=None):
        from werkzeug.test import EnvironBuilder

        data = body.encode() if body else b""
        environ = EnvironBuilder(path=path, method=method, headers={**HEADERS, "Host": HOST}, data=data).get_environ()
        environ.pop("wsgi.input")

        def call():
            import io

            env = dict(environ)
            env["wsgi.input"] = io.BytesIO(data)
            out = []
            chunks = self.app(env, lambda status, headers, exc_info=None: out.append(status))
            payload = b"".join(chunks)
            if hasattr(chunks, "close"):
                chunks.close()
            return out[0], payload

        return call


def per_request(call, count):
    """CPU seconds per call of `call()` (after a few warm-up calls)."""
    for _ in range(min(20, count)):
        call()
    began = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - began) / count


def measurements(folder):
    """name -> (setup, call, count): the paths the issue names."""
    folder = Path(folder)
    apps = {}

    def app(name, **dataset):
        if name not in apps:
            path = folder / name / "data.json"
            ids = datasets.prepare(path, **dataset)
            apps[name] = (app_for(path), ids)
        return apps[name]

    def get(name, **dataset):
        flask_app, ids = app(name, **dataset)
        bot = SEED_BOT if name == "fixtures" else ids[len(ids) // 2]
        return Caller(flask_app)("GET", f"/api/v1/bots/{bot}")

    def create(name, **dataset):
        flask_app, _ = app(name, **dataset)
        return Caller(flask_app)("POST", "/api/v1/bots", CREATE_BODY)

    def page(name, **dataset):
        flask_app, _ = app(name, **dataset)
        return Caller(flask_app)("GET", "/api/v1/bots?page_size=10")

    def advance(name, **dataset):
        flask_app, _ = app(name, **dataset)
        return Caller(flask_app)("POST", "/sandbox/clock/advance", json.dumps({"seconds": 1}))

    def baseline():
        from bench.baseline import make_app

        return Caller(make_app())("GET", f"/api/v1/bots/{SEED_BOT}")

    return {
        "baseline": (baseline, 5000),
        "get": (lambda: get("fixtures"), 2000),
        "get-10000": (lambda: get("b10000", bots=10_000), 2000),
        "create-100": (lambda: create("m100", bots=100, in_meeting=True), 300),
        "create-10000": (lambda: create("m10000", bots=10_000, in_meeting=True), 300),
        "list-60": (lambda: page("e60", bots=60), 300),
        "list-2000": (lambda: page("e2000", bots=2_000), 300),
        "advance-60": (lambda: advance("e60", bots=60), 300),
        "advance-2000": (lambda: advance("e2000", bots=2_000), 300),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="measurements to run (default: all)")
    parser.add_argument("--profile", help="print a cProfile of this measurement")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--count", type=int, help="calls per measurement")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sandbox-profile-") as folder:
        table = measurements(folder)
        if args.profile:
            setup, count = table[args.profile]
            call = setup()
            for _ in range(20):
                call()
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.count or count):
                call()
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)
            return 0
        for name in args.names or table:
            setup, count = table[name]
            call = setup()
            cpu = per_request(call, args.count or count)
            print(f"{name:14} {cpu * 1e6:9,.0f} us CPU/request", flush=True)
    os._exit(0)  # background threads of the apps (webhook workers) need no goodbye


if __name__ == "__main__":
    sys.exit(main())
