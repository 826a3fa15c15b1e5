"""The `attendee-sandbox` command (also `python -m sandbox`): serve, reset, prune."""

import argparse
import signal
import sys

from sandbox.config import ConfigError, load_settings
from sandbox.infra.fixtures import FixtureError
from sandbox.infra.store import DataFileInUse, StoreError

# What to do instead when the data file is held by a running sandbox, by command.
IN_USE_ADVICE = {
    "serve": "stop it first, or give this one another --data file",
    "reset": "use POST /sandbox/reset on that server instead",
    "prune": "stop it first (a running sandbox prunes by itself when SANDBOX_RETENTION_DAYS is set)",
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="attendee-sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the sandbox with a production WSGI server (waitress)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)
    serve.add_argument(
        "--connection-limit", type=int, help="open connections at most (default: $SANDBOX_CONNECTION_LIMIT or 1000)"
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        help="seconds a client may take to send a request's headers (default: $SANDBOX_HEADER_TIMEOUT or 10)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=float,
        help="seconds an idle keep-alive connection stays open (default: $SANDBOX_IDLE_TIMEOUT or 30)",
    )
    _data_options(serve)
    serve.add_argument("--seed", type=int, help="make ids, keys and random delays reproducible")

    reset = commands.add_parser("reset", help="restore the bundled fixtures, dropping everything else")
    _data_options(reset)

    prune = commands.add_parser(
        "prune",
        help="delete ended bots older than N days, with their meeting data (run it while the sandbox is stopped)",
    )
    prune.add_argument("--data", help="the data file (default: $SANDBOX_DATA or .attendee-sandbox/data.json)")
    prune.add_argument("--days", type=int, help="the retention period (default: $SANDBOX_RETENTION_DAYS)")

    args = parser.parse_args(argv)
    try:
        return {"serve": _serve, "reset": _reset, "prune": _prune}[args.command](args)
    except DataFileInUse as exc:
        print(f"attendee-sandbox: {exc}: {IN_USE_ADVICE[args.command]}", file=sys.stderr)
        return 2
    except (ConfigError, FixtureError, StoreError) as exc:
        print(f"attendee-sandbox: {exc}", file=sys.stderr)
        return 2


def _data_options(parser):
    parser.add_argument("--data", help="the data file (default: $SANDBOX_DATA or .attendee-sandbox/data.json)")
    parser.add_argument("--fixtures", help="the fixtures folder (default: $SANDBOX_FIXTURES or the bundled one)")


def _overrides(args, **extra):
    return {"data_path": args.data, "fixtures_dir": args.fixtures, **extra}


def _serve(args):
    from sandbox import create_app
    from sandbox.web.server import create_server

    server_options = {
        "connection_limit": args.connection_limit,
        "header_timeout": args.header_timeout,
        "idle_timeout": args.idle_timeout,
    }
    # A fixed port is the sandbox's own address before anything runs (deliveries left pending included).
    listening = {"listen_host": args.host, "listen_port": args.port or None}
    app = create_app(_overrides(args, seed=args.seed, **server_options, **listening))
    sandbox = app.extensions["sandbox"]
    server = create_server(app, args.host, args.port, args.threads)
    base_url = f"http://{args.host}:{sandbox.settings.listen_port}"
    sandbox.store.set_holder_url(base_url)  # a second serve, reset or prune on the data file names it
    default = sandbox.default_project()
    print(f"Attendee Sandbox listening on {base_url}", flush=True)
    print(f"  API base URL:    {base_url}/api/v1", flush=True)
    print(f"  API key:         {default['api_key']}", flush=True)
    print(f"  Webhook secret:  {default['webhook_secret']}", flush=True)
    print(f"  Data file:       {sandbox.settings.data_path}", flush=True)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)  # let requests in flight finish
        sandbox.shutdown()
        print("Attendee Sandbox stopped; data saved.", flush=True)
    return 0


def _reset(args):
    from sandbox.infra.fixtures import load_fixtures
    from sandbox.infra.store import TinyDBStore

    settings = load_settings(_overrides(args))
    fixtures = load_fixtures(settings.fixtures_dir)
    store = TinyDBStore(settings.data_path, load=False)  # whatever the file holds is replaced
    store.replace_all(fixtures)
    store.close()
    print(f"Restored the fixtures of {settings.fixtures_dir} into {settings.data_path}")
    return 0


def _prune(args):
    """Prune a data file: bots in a post-meeting state whose last event is older than the retention period.

    The fixture bots are kept. The data file is rewritten (a checkpoint) once pruned.
    """
    from sandbox.domain.clock import Clock
    from sandbox.infra.fixtures import load_fixtures
    from sandbox.infra.retention import (
        RetentionError,
        check_days,
        fixture_bot_ids,
        prune,
    )
    from sandbox.infra.store import TinyDBStore

    settings = load_settings({"data_path": args.data})
    days = args.days if args.days is not None else settings.retention_days
    if days is None:
        raise RetentionError("no retention period: give --days N or set SANDBOX_RETENTION_DAYS")
    check_days(days)
    path = settings.data_path
    if not path.exists():
        raise StoreError(f"{path}: no such data file")
    keep = fixture_bot_ids(load_fixtures(settings.fixtures_dir))
    store = TinyDBStore(path)
    try:
        report = prune(store, Clock(), days, keep=keep)
    finally:
        store.close()
    print(f"{path}: {report.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
