"""The control commands of `attendee-sandbox`: a running sandbox driven through `SandboxClient`.

    attendee-sandbox wait --timeout 30           # exit 0 once the sandbox answers (CI scripts)
    attendee-sandbox bots                        # a table; --json for the API's own objects
    attendee-sandbox advance 60                  # the project's clock one minute on, and what it applied
    attendee-sandbox inject bot_xxx fatal_error heartbeat_timeout

Every command takes `--url` (default `$SANDBOX_URL` or http://127.0.0.1:8000), `--key` (default
`$SANDBOX_API_KEY` or the bundled default project's key), `--admin-token` (default `$SANDBOX_ADMIN_TOKEN`),
`--timeout` and `--json`. A refusal is one line quoting the server, exit 1; a sandbox that does not answer
too.
"""

import json
import os

from sandbox.client import DEFAULT_URL, SandboxClient, SandboxError

__all__ = ["RUNNERS", "SandboxError", "add_commands", "default_key"]

DEFAULT_CALL_TIMEOUT = 30.0  # seconds one call may take
DEFAULT_WAIT_TIMEOUT = 30.0  # seconds `wait` waits for the sandbox to answer


def default_key():
    """The bundled fixtures' default project's API key (the first project: the one `serve`'s banner shows)."""
    from sandbox.config import default_fixtures_dir

    try:
        projects = json.loads((default_fixtures_dir() / "projects.json").read_text(encoding="utf-8"))
        return projects[0]["api_key"]
    except (OSError, ValueError, LookupError, TypeError):
        return None


def _connection(parser):
    parser.add_argument("--url", default=os.environ.get("SANDBOX_URL") or DEFAULT_URL,
                        help="the running sandbox (default: $SANDBOX_URL or %(default)s)")
    parser.add_argument("--key", help="the project's API key (default: $SANDBOX_API_KEY or the default project's)")
    parser.add_argument("--admin-token", help="the sandbox's admin token, if set (default: $SANDBOX_ADMIN_TOKEN)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_CALL_TIMEOUT, help="seconds a call may take")
    parser.add_argument("--json", action="store_true", help="print the server's JSON instead of a table")


def add_commands(commands):
    """Add the control commands to `attendee-sandbox`'s sub-commands."""
    bots = commands.add_parser("bots", help="list the project's bots (a running sandbox)")
    bots.add_argument("--state", action="append", help="only bots in this state (repeatable)")
    _connection(bots)

    bot = commands.add_parser("bot", help="one bot, its events and pending scripted steps")
    bot.add_argument("bot_id", metavar="ID")
    _connection(bot)

    advance = commands.add_parser("advance", help="move the project's clock on; the due steps are applied")
    advance.add_argument("seconds", type=float, metavar="SECONDS")
    _connection(advance)

    inject = commands.add_parser("inject", help="apply a bot event now (e.g. fatal_error heartbeat_timeout)")
    inject.add_argument("bot_id", metavar="BOT_ID")
    inject.add_argument("type", metavar="TYPE")
    inject.add_argument("sub_type", metavar="SUB_TYPE", nargs="?")
    _connection(inject)

    deliveries = commands.add_parser("deliveries", help="the webhook delivery log, newest first")
    deliveries.add_argument("--bot", help="only this bot's deliveries")
    deliveries.add_argument("--status", choices=("pending", "delivered", "failed"))
    deliveries.add_argument("--trigger", help="only this trigger's deliveries (e.g. bot.state_change)")
    deliveries.add_argument("--limit", type=int, help="the newest N only (default: every page)")
    _connection(deliveries)

    redeliver = commands.add_parser("redeliver", help="send a settled webhook delivery again")
    redeliver.add_argument("delivery_id", metavar="ID")
    _connection(redeliver)

    projects = commands.add_parser("projects", help="projects of a running sandbox")
    project_commands = projects.add_subparsers(dest="project_command", required=True)
    create = project_commands.add_parser("create", help="a new isolated project: its id, key and secret")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--webhook", action="append", default=[], metavar="URL",
                        help="subscribe it to every trigger at URL (repeatable, at most 2)")
    create.add_argument("--scenario", help="the project's default scenario")
    _connection(create)

    wait = commands.add_parser("wait", help="wait until the sandbox answers (exit 0), or fail after --timeout")
    wait.add_argument("--url", default=os.environ.get("SANDBOX_URL") or DEFAULT_URL,
                      help="the sandbox (default: $SANDBOX_URL or %(default)s)")
    wait.add_argument("--timeout", type=float, default=DEFAULT_WAIT_TIMEOUT,
                      help="seconds to wait at most (default: %(default)s)")
    wait.add_argument("--json", action="store_true", help="print the sandbox's index once it answers")


def _client(args):
    key = args.key or os.environ.get("SANDBOX_API_KEY") or default_key()
    token = args.admin_token or os.environ.get("SANDBOX_ADMIN_TOKEN") or None
    return SandboxClient(args.url, key, admin_token=token, timeout=args.timeout)


def _print_json(value):
    print(json.dumps(value, indent=2, ensure_ascii=False))


def table(rows, columns):
    """Aligned columns under upper-case headers; `rows` are dicts, `columns` (header, key or function)."""
    cells = [[header for header, _ in columns]]
    for row in rows:
        cells.append([_cell(get(row) if callable(get) else row.get(get)) for _, get in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells
    )


def _cell(value):
    return "-" if value is None or value == "" else str(value)


# -- the commands -----------------------------------------------------------------------------------------------

BOT_COLUMNS = (
    ("ID", "id"),
    ("STATE", "state"),
    ("RECORDING", "recording_state"),
    ("TRANSCRIPTION", "transcription_state"),
    ("MEETING URL", "meeting_url"),
)


def _print_rows(args, rows, columns, nothing):
    """A list as the server's JSON (`--json`) or as a table; `nothing` when it is empty."""
    if args.json:
        _print_json(rows)
    else:
        print(table(rows, columns) if rows else nothing)
    return 0


def run_bots(args):
    return _print_rows(args, _client(args).bots(states=args.state), BOT_COLUMNS, "No bots.")


def run_bot(args):
    client = _client(args)
    bot = client.bot(args.bot_id)
    steps = client.steps(args.bot_id)
    if args.json:
        _print_json({"bot": bot, "steps": steps})
        return 0
    for label, key in (("Bot", "id"), ("State", "state"), ("Meeting", "meeting_url"),
                       ("Recording", "recording_state"), ("Transcription", "transcription_state")):
        print(f"{label + ':':<15}{_cell(bot.get(key))}")
    print(f"{'Scenario:':<15}{_cell(steps.get('scenario'))}")
    print("\nEvents:")
    events = bot.get("events") or []
    print(table(events, (("AT", "created_at"), ("TYPE", "type"), ("SUB TYPE", "sub_type"))) if events else "  none")
    pending = steps.get("pending_steps") or []
    print("\nPending steps:")
    print(table(pending, (("DUE", "due"), ("STEP", lambda step: step.get("event") or step.get("action")),
                          ("SUB TYPE", "sub_type"))) if pending else "  none")
    return 0


def run_advance(args):
    answer = _client(args).advance(args.seconds)
    if args.json:
        _print_json(answer)
        return 0
    events = answer.get("events") or []
    print(f"Clock now {answer['now']} (offset {answer['offset_seconds']:g} s); {len(events)} step(s) applied")
    for event in events:
        print("  " + _describe_applied(event))
    return 0


def _describe_applied(item):
    """One applied step of a clock advance: a bot's state change, or another kind of work's report."""
    if "new_state" in item or "old_state" in item:
        why = " ".join(str(part) for part in (item.get("event_type"), item.get("event_sub_type")) if part)
        subject = item.get("bot_id") or item.get("bot") or ""
        return f"{subject} {item.get('old_state')} -> {item.get('new_state')}" + (f" ({why})" if why else "")
    return json.dumps(item, ensure_ascii=False, separators=(", ", ": "))


def run_inject(args):
    bot = _client(args).inject(args.bot_id, args.type, args.sub_type)
    if args.json:
        _print_json(bot)
    else:
        print(f"{bot['id']} is now {bot['state']}")
    return 0


DELIVERY_COLUMNS = (
    ("ID", "id"),
    ("STATUS", "status"),
    ("TRIGGER", "trigger"),
    ("BOT", "bot_id"),
    ("ATTEMPTS", lambda d: len(d.get("attempts") or [])),
    ("URL", "url"),
)


def run_deliveries(args):
    deliveries = _client(args).deliveries(bot_id=args.bot, trigger=args.trigger, status=args.status, limit=args.limit)
    return _print_rows(args, deliveries, DELIVERY_COLUMNS, "No deliveries.")


def run_redeliver(args):
    delivery = _client(args).redeliver(args.delivery_id)
    if args.json:
        _print_json(delivery)
    else:
        print(f"{delivery['id']} is {delivery['status']} again: it goes to {delivery['url']}")
    return 0


def run_projects_create(args):
    fields = {"scenario": args.scenario} if args.scenario else {}
    project = _client(args).create_project(args.name, webhooks=args.webhook or None, **fields)
    if args.json:
        _print_json(project)
        return 0
    print(f"Project:         {project['id']} ({project['name']})")
    print(f"API key:         {project['api_key']}")
    print(f"Webhook secret:  {project['webhook_secret']}")
    for hook in project.get("webhooks") or ():
        print(f"Webhook:         {hook['url']}")
    return 0


def run_wait(args):
    index = SandboxClient(args.url, timeout=max(0.1, args.timeout)).wait(timeout=args.timeout)
    if args.json:
        _print_json(index)
    else:
        print(f"The sandbox at {args.url} answers")
    return 0


def run_reset(args):
    args.key, args.timeout, args.json = None, DEFAULT_CALL_TIMEOUT, False
    answer = _client(args).reset() or {}
    counts = ", ".join(f"{answer[name]} {name}" for name in ("projects", "bots") if isinstance(answer.get(name), int))
    print(f"Reset the sandbox at {args.url}: the fixtures are back" + (f" ({counts})" if counts else ""))
    return 0


RUNNERS = {
    "bots": run_bots,
    "bot": run_bot,
    "advance": run_advance,
    "inject": run_inject,
    "deliveries": run_deliveries,
    "redeliver": run_redeliver,
    "projects": run_projects_create,
    "wait": run_wait,
    "reset --url": run_reset,
}

