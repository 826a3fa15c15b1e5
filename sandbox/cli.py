"""The `attendee-sandbox` command (also `python -m sandbox`).

Run a sandbox: `serve`, `reset`, `prune`. Drive a running one (through `sandbox.client.SandboxClient`, `--url`
and `--key`): `bots`, `bot`, `advance`, `inject`, `deliveries`, `redeliver`, `projects create`, `wait`,
`reset --url`.
"""

import argparse
import errno
import gc
import os
import signal
import socket
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
    serve.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="URL",
        help="subscribe the default project to every trigger at URL (repeatable; a project has at most 2)",
    )
    serve.add_argument("--quiet", action="store_true", help="no console log (the banner and errors only)")
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="the console log: text lines (coloured on a terminal) or one JSON object a line (for CI)",
    )

    reset = commands.add_parser(
        "reset",
        help="restore the bundled fixtures, dropping everything else: in a data file (--data), or in the running "
        "sandbox at --url (through POST /sandbox/reset)",
    )
    _data_options(reset)
    reset.add_argument("--url", help="reset the sandbox running there instead of a data file")
    reset.add_argument(
        "--admin-token", help="the sandbox's SANDBOX_ADMIN_TOKEN, if it has one (default: $SANDBOX_ADMIN_TOKEN)"
    )

    prune = commands.add_parser(
        "prune",
        help="delete ended bots older than N days, with their meeting data (run it while the sandbox is stopped)",
    )
    prune.add_argument("--data", help="the data file (default: $SANDBOX_DATA or .attendee-sandbox/data.json)")
    prune.add_argument("--days", type=int, help="the retention period (default: $SANDBOX_RETENTION_DAYS)")

    from sandbox import control_cli

    control_cli.add_commands(commands)

    args = parser.parse_args(argv)
    if args.command == "reset" and args.url:
        args.command = "reset --url"
    runners = {"serve": _serve, "reset": _reset, "prune": _prune, **control_cli.RUNNERS}
    if args.command != "serve":
        gc.enable()  # off while `python -m sandbox` started (sandbox/__main__.py); serve enables it once built
    try:
        return runners[args.command](args)
    except DataFileInUse as exc:
        print(f"attendee-sandbox: {exc}: {IN_USE_ADVICE[args.command]}", file=sys.stderr)
        return 2
    except (ConfigError, FixtureError, StoreError, PortInUse) as exc:
        print(f"attendee-sandbox: {exc}", file=sys.stderr)
        return 2
    except control_cli.SandboxError as exc:
        print(f"attendee-sandbox: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `attendee-sandbox bots | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error as Python exits
        return 0


class PortInUse(Exception):
    """Another process listens on the port `serve` was asked for."""

    def __init__(self, host, port):
        super().__init__(
            f"port {port} on {host} is already in use: give another --port, or stop the process listening there"
        )


def check_port_free(host, port):
    """Raise `PortInUse` when `host:port` cannot be bound, before anything (the data file) is created.

    Bound as waitress binds (SO_REUSEADDR), then released at once: a port left in TIME_WAIT is free."""
    if not port:
        return
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return  # waitress names the bad host itself
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUse(host, port) from None
                return


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
    check_port_free(args.host, args.port)  # before the data file is created or opened
    # A fixed port is the sandbox's own address before anything runs (deliveries left pending included).
    listening = {"listen_host": args.host, "listen_port": args.port or None}
    app = create_app(_overrides(args, seed=args.seed, **server_options, **listening))
    # What start-up built (modules, schemas, routes, the loaded documents' facts) lives as long as the
    # process: out of the cyclic collector's sight, its full collections stay short pauses under load.
    gc.freeze()
    gc.enable()  # off during start-up when run as `python -m sandbox` (see sandbox/__main__.py)
    sandbox = app.extensions["sandbox"]
    log = None
    try:
        try:
            server = create_server(app, args.host, args.port, args.threads)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:  # taken between the check and the bind
                raise PortInUse(args.host, args.port) from None
            raise
        base_url = f"http://{args.host}:{sandbox.settings.listen_port}"
        sandbox.store.set_holder_url(base_url)  # a second serve, reset or prune on the data file names it
        default = _subscribe(sandbox, args.webhook)
    except BaseException:
        sandbox.shutdown()  # let go of the data file and the threads
        raise

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)  # before the banner: a SIGTERM from now on saves the data
    try:
        _banner(base_url, default, sandbox.settings.data_path)
        if not args.quiet:
            from sandbox.web.console import ConsoleLog, install

            log = ConsoleLog(sys.stdout, args.log_format, sandbox.settings.console_log_limit)
            install(app, log)
        server.run()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)  # let requests in flight finish
        sandbox.shutdown()
        if log is not None:
            log.close()
        print("Attendee Sandbox stopped; data saved.", flush=True)
    return 0


def _subscribe(sandbox, urls):
    """The default project, subscribed to every trigger at each of `urls` (`serve --webhook`) unless it
    already is; a URL the project's subscriptions refuse (at most 2, no sandbox address) stops `serve`."""
    from sandbox.contract.errors import SandboxInputError
    from sandbox.contract.webhooks import TRIGGERS
    from sandbox.usecases.control import update_project

    default = sandbox.default_project()
    hooks = list(default.get("webhooks") or [])
    known = {hook["url"] for hook in hooks}
    added = [{"url": url, "triggers": list(TRIGGERS)} for url in dict.fromkeys(urls) if url not in known]
    if not added:
        return default
    try:
        return update_project(sandbox, default, default["id"], {"webhooks": hooks + added})
    except SandboxInputError as exc:
        raise ConfigError(f"--webhook: {exc.message} (the default project's subscriptions: {len(hooks)})") from None


def _banner(base_url, default, data_path):
    lines = [
        f"Attendee Sandbox listening on {base_url}",
        f"  API base URL:    {base_url}/api/v1",
        f"  API key:         {default['api_key']}",
        f"  Webhook secret:  {default['webhook_secret']}",
        f"  Data file:       {data_path}",
        f"  Dashboard:       {base_url}/sandbox/ui",
        f"  API docs:        {base_url}/api/docs",
        f"  OpenAPI schema:  {base_url}/api/schema",
    ]
    for hook in default.get("webhooks") or ():
        lines.append(f"  Webhook:         {hook['url']} ({_triggers(hook['triggers'])})")
    print("\n".join(lines) + "\n", flush=True)


def _triggers(triggers):
    from sandbox.contract.webhooks import TRIGGERS

    return "every trigger" if set(triggers) >= set(TRIGGERS) else ", ".join(triggers)


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
