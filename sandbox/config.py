"""Settings: defaults, then environment variables, then explicit overrides (CLI flags, `create_app(config)`).

Each setting is one row of `SETTINGS`: its name, environment variable, default and parser. The README's
configuration table lists the same rows.
"""

import math
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit


def default_fixtures_dir():
    """The bundled fixtures: `fixtures/` of a source checkout, else the copy a pip install puts in share/."""
    here = Path(__file__).resolve().parent.parent / "fixtures"
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "attendee-sandbox" / "fixtures"


def parse_bool(text):
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def parse_step_delays(text):
    """`left_meeting=2,post_processing_completed=5` -> {"left_meeting": 2.0, ...}."""
    if isinstance(text, dict):
        return {str(k): float(v) for k, v in text.items()}
    delays = {}
    for item in str(text).split(","):
        if not item.strip():
            continue
        name, _, seconds = item.partition("=")
        value = float(seconds)
        if value < 0:
            raise ValueError(f"negative delay for {name.strip()}")
        delays[name.strip()] = value
    return delays


def parse_rate(text):
    """`3000/min` -> (3000, 60.0); also /s, /sec, /m, /h, /hour, /day like DRF."""
    count, _, period = str(text).partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[:1]]
    return int(count), float(seconds)


def parse_optional_int(text):
    return None if text in (None, "") else int(text)


def parse_hosts(text):
    """`sandbox.example.com,.example.org` -> ("sandbox.example.com", ".example.org"): Django's ALLOWED_HOSTS
    patterns (`*` is any host; a leading dot is the domain and its subdomains)."""
    items = str(text).split(",") if isinstance(text, str) else list(text)
    hosts = tuple(str(item).strip().lower() for item in items if str(item).strip())
    if not hosts:
        raise ValueError("no host: give host names separated by commas, e.g. sandbox.example.com,.example.org or *")
    return hosts


def parse_public_url(text):
    """`https://sandbox.example.com/` -> `https://sandbox.example.com`: where clients reach this sandbox."""
    url = str(text).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("must be an http:// or https:// URL without a query, e.g. https://sandbox.example.com")
    return url


@dataclass
class Settings:
    data_path: Path = Path(".attendee-sandbox") / "data.json"
    fixtures_dir: Path = field(default_factory=default_fixtures_dir)
    # Per step name (event type or scripted action): seconds after the previous step, over every scenario.
    step_delays: dict = field(default_factory=dict)
    throttle_rate: str = "3000/min"
    disable_rate_limiting: bool = False
    require_https_webhooks: bool = False
    admin_token: str | None = None
    background_steps: bool = True
    seed: int | None = None
    journal_limit: int = 10000
    # Items one page of the sandbox's own lists (GET /sandbox/requests, /sandbox/webhooks/deliveries) holds
    # at most, whatever `limit` asks: a page's size stays bounded at any number of deliveries.
    page_limit: int = 1000
    concurrent_bots_limit: int = 2500
    enable_voice_agents: bool = False
    enable_zoom_video_output: bool = False
    voice_agent_url_prefix_allowlist: str | None = None
    site_domain: str = "app.attendee.dev"
    fsync: bool = False
    retention_days: int | None = None
    in_memory: bool = False
    testing: bool = False
    # Where the serving process listens (set by `serve` and the pytest plugin once the socket is bound;
    # None under another WSGI server): the sandbox's own address, which it must never call back.
    listen_host: str | None = None
    listen_port: int | None = None
    # Request bodies above this are refused with Django's RequestDataTooBig answer. The real server's DRF 3.15
    # reads JSON bodies of any size, so the default leaves room for the 10 MB media blobs in base64.
    max_body_bytes: int = 16 * 1024 * 1024
    max_json_depth: int = 100
    # Host headers answered (Django's ALLOWED_HOSTS patterns); None: the loopback names, the address the
    # sandbox listens on and the public URL's host.
    allowed_hosts: tuple | None = None
    # The URL clients reach the sandbox at (recording links, the OpenAPI document's server, the dashboard);
    # None: the request's own (allowed) host.
    public_url: str | None = None
    # Webhook delivery: worker threads shared by every project, the most one project may occupy (so the
    # others always find a free one), and one attempt's whole budget (the real server's 10 s timeout).
    webhook_workers: int = 16
    webhook_workers_per_project: int = 4
    webhook_timeout: float = 10.0
    # The HTTP server (`serve`, the pytest plugin): open connections at most, seconds a connection may
    # take to send a request's headers, seconds a keep-alive connection may sit idle.
    connection_limit: int = 1000
    header_timeout: float = 10.0
    idle_timeout: float = 30.0
    # Requests held by a fault's delay_ms at once, per project and in all; each lends the server a thread.
    delayed_requests_per_project: int = 32
    delayed_requests_limit: int = 128
    # Calendars (docs/contract/calendars.md#sync-algorithm): a sync covers now - 1 day .. now + this many days (the
    # real server's
    # setting of the same name); the stand-in for Google and Microsoft holds at most this many remote events
    # per calendar, and at most this many registered Zoom authorization codes per project.
    calendar_sync_window_days: int = 28
    remote_events_per_calendar: int = 1000
    zoom_oauth_codes_per_project: int = 1000
    # `serve`'s console log: lines waiting for a slow terminal at most; beyond them new lines are dropped
    # (and counted on the next line written), so that no request ever waits on the console.
    console_log_limit: int = 10000
    # GET /bots/{id} keeps the encoded answer of at most this many bots, each while the bot is unchanged
    # (`web.responses.DumpCache`); 0 turns the cache off.
    dump_cache_bots: int = 2000


# name -> (environment variable, parser)
ENVIRONMENT = {
    "data_path": ("SANDBOX_DATA", Path),
    "fixtures_dir": ("SANDBOX_FIXTURES", Path),
    "step_delays": ("SANDBOX_STEP_DELAYS", parse_step_delays),
    "throttle_rate": ("SANDBOX_THROTTLE_RATE", str),
    "disable_rate_limiting": ("DISABLE_RATE_LIMITING", parse_bool),
    "require_https_webhooks": ("SANDBOX_REQUIRE_HTTPS_WEBHOOKS", parse_bool),
    "admin_token": ("SANDBOX_ADMIN_TOKEN", str),
    "background_steps": ("SANDBOX_BACKGROUND_STEPS", parse_bool),
    "seed": ("SANDBOX_SEED", parse_optional_int),
    "journal_limit": ("SANDBOX_JOURNAL_LIMIT", int),
    "page_limit": ("SANDBOX_PAGE_LIMIT", int),
    "concurrent_bots_limit": ("SANDBOX_CONCURRENT_BOTS_LIMIT", int),
    "enable_voice_agents": ("ENABLE_VOICE_AGENTS", parse_bool),
    "enable_zoom_video_output": ("ENABLE_ZOOM_VIDEO_OUTPUT", parse_bool),
    "voice_agent_url_prefix_allowlist": ("VOICE_AGENT_URL_PREFIX_ALLOWLIST", str),
    "site_domain": ("SANDBOX_SITE_DOMAIN", str),
    "fsync": ("SANDBOX_FSYNC", parse_bool),
    "retention_days": ("SANDBOX_RETENTION_DAYS", parse_optional_int),
    "max_body_bytes": ("SANDBOX_MAX_BODY_BYTES", int),
    "max_json_depth": ("SANDBOX_MAX_JSON_DEPTH", int),
    "allowed_hosts": ("SANDBOX_ALLOWED_HOSTS", parse_hosts),
    "public_url": ("SANDBOX_PUBLIC_URL", parse_public_url),
    "webhook_workers": ("SANDBOX_WEBHOOK_WORKERS", int),
    "webhook_workers_per_project": ("SANDBOX_WEBHOOK_WORKERS_PER_PROJECT", int),
    "webhook_timeout": ("SANDBOX_WEBHOOK_TIMEOUT", float),
    "connection_limit": ("SANDBOX_CONNECTION_LIMIT", int),
    "header_timeout": ("SANDBOX_HEADER_TIMEOUT", float),
    "idle_timeout": ("SANDBOX_IDLE_TIMEOUT", float),
    "delayed_requests_per_project": ("SANDBOX_DELAYED_REQUESTS_PER_PROJECT", int),
    "delayed_requests_limit": ("SANDBOX_DELAYED_REQUESTS_LIMIT", int),
    "calendar_sync_window_days": ("CALENDAR_SYNC_TIME_WINDOW_END_DAYS", int),
    "remote_events_per_calendar": ("SANDBOX_REMOTE_EVENTS_PER_CALENDAR", int),
    "zoom_oauth_codes_per_project": ("SANDBOX_ZOOM_OAUTH_CODES_PER_PROJECT", int),
    "console_log_limit": ("SANDBOX_CONSOLE_LOG_LIMIT", int),
    "dump_cache_bots": ("SANDBOX_DUMP_CACHE_BOTS", int),
}

# name -> the smallest value that works, checked once every source is merged (a flag bypasses the parser).
MINIMUMS = {
    "page_limit": 1,
    "webhook_workers": 2,  # one project may never hold them all
    "webhook_workers_per_project": 1,
    "webhook_timeout": 0.01,
    "connection_limit": 1,
    "header_timeout": 0.01,
    "idle_timeout": 0.01,
    "delayed_requests_per_project": 0,
    "delayed_requests_limit": 0,
    "calendar_sync_window_days": 0,
    "remote_events_per_calendar": 1,
    "zoom_oauth_codes_per_project": 1,
    "console_log_limit": 1,
}
# Settings whose environment variable, once set, must not be empty: an empty admin token would leave the
# sandbox-wide endpoints open while looking closed.
NOT_EMPTY = {
    "admin_token": "set it to a secret, or unset it to leave POST /sandbox/projects and POST /sandbox/reset open",
}
# A calendar sync's window ends at most this many days ahead (far from datetime's limits).
MAX_CALENDAR_SYNC_WINDOW_DAYS = 3660
# Python's recursion limit (1000 frames) bounds how deep a JSON document the sandbox can walk.
MAX_JSON_DEPTH_CEILING = 200


class ConfigError(ValueError):
    pass


def load_settings(overrides=None, environ=None):
    """Defaults < environment < overrides. A bad value raises ConfigError naming the variable."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, hint in NOT_EMPTY.items():
        variable = ENVIRONMENT[name][0]
        if variable in environ and not environ[variable].strip():
            raise ConfigError(f"{variable} is set but empty: {hint}")
    for name, (variable, parse) in ENVIRONMENT.items():
        if environ.get(variable) not in (None, ""):
            try:
                values[name] = parse(environ[variable])
            except (ValueError, KeyError) as exc:
                raise ConfigError(f"{variable}={environ[variable]!r}: {exc}") from exc
    known = {f.name for f in fields(Settings)}
    for name, value in (overrides or {}).items():
        key = name.lower()
        if key not in known:
            raise ConfigError(f"unknown setting {name!r}")
        if value is None:
            continue
        parse = ENVIRONMENT.get(key, (None, lambda v: v))[1]
        try:
            values[key] = parse(value) if isinstance(value, str) and parse is not str else value
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"{name}={value!r}: {exc}") from exc
    settings = Settings(**values)
    _check(settings)
    return settings


def _check(settings):
    """Values every source must respect (an override skips the environment's parsers)."""
    try:
        parse_rate(settings.throttle_rate)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"throttle rate {settings.throttle_rate!r} is not like 3000/min") from exc
    for name, hint in NOT_EMPTY.items():
        value = getattr(settings, name)
        if value is not None and not str(value).strip():
            raise ConfigError(f"{ENVIRONMENT[name][0]} is empty: {hint}")
    if not isinstance(settings.max_body_bytes, int) or settings.max_body_bytes < 1:
        raise ConfigError(f"SANDBOX_MAX_BODY_BYTES={settings.max_body_bytes!r}: must be a number of bytes >= 1")
    if not isinstance(settings.max_json_depth, int) or not 1 <= settings.max_json_depth <= MAX_JSON_DEPTH_CEILING:
        raise ConfigError(
            f"SANDBOX_MAX_JSON_DEPTH={settings.max_json_depth!r}: must be from 1 to {MAX_JSON_DEPTH_CEILING} "
            "(deeper documents would exhaust Python's recursion limit)"
        )
    for name, parse in (("allowed_hosts", parse_hosts), ("public_url", parse_public_url)):
        value = getattr(settings, name)
        if value is not None:
            try:
                setattr(settings, name, parse(value))
            except ValueError as exc:
                raise ConfigError(f"{ENVIRONMENT[name][0]}={value!r}: {exc}") from exc
    _check_minimums(settings)
    if settings.calendar_sync_window_days > MAX_CALENDAR_SYNC_WINDOW_DAYS:
        raise ConfigError(
            f"CALENDAR_SYNC_TIME_WINDOW_END_DAYS={settings.calendar_sync_window_days!r}: must be at most "
            f"{MAX_CALENDAR_SYNC_WINDOW_DAYS} days"
        )
    return settings


def _check_minimums(settings):
    defaults = Settings()
    for name, minimum in MINIMUMS.items():
        value = getattr(settings, name)
        kind = (int,) if isinstance(getattr(defaults, name), int) else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value) or value < minimum:
            what = "a whole number" if kind == (int,) else "a number of seconds"
            raise ConfigError(f"{ENVIRONMENT[name][0]}={value!r}: must be {what}, at least {minimum}")
    if settings.webhook_workers_per_project >= settings.webhook_workers:
        raise ConfigError(
            f"SANDBOX_WEBHOOK_WORKERS_PER_PROJECT={settings.webhook_workers_per_project!r}: must be less than "
            f"SANDBOX_WEBHOOK_WORKERS ({settings.webhook_workers}), so that other projects always find a free worker"
        )
